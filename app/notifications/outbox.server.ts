// The transactional outbox: every mail is a row written in the same transaction as what caused it.
// Only the sender (sender.server.ts) talks to Resend; the row id is its Idempotency-Key.
import { emailOutbox } from '../../db/schema/notifications'
import type { Tx } from '../connectors/timeline.server'
import { newId } from '../utils/crypto.server'

export interface OutgoingEmail {
  /** The recipient's user id, when the mail is for a user (null for an address only). */
  userId: string | null
  to: string
  /** An event type, `digest`, or `security` (always sent, no unsubscribe). */
  category: string
  /** The template's name in app/emails (for the outbox page and previews). */
  template: string
  subject: string
  html: string
  text: string
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers?: Record<string, string>
}

/** Writes one mail to the outbox in the caller's transaction. Returns the outbox id. */
export async function enqueueEmail(tx: Tx, email: OutgoingEmail, at = Date.now()): Promise<string> {
  const id = newId()
  await tx.insert(emailOutbox).values({
    id,
    userId: email.userId,
    toAddress: email.to,
    category: email.category,
    template: email.template,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: email.headers ?? {},
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    createdAt: at,
    updatedAt: at,
  })
  return id
}
