// The invitation mail: security mail (category `security`), always sent, no unsubscribe link or
// headers. Enqueued in the transaction that creates the invite, so a rolled-back invite sends nothing.
import { sql } from 'drizzle-orm'
import { createElement } from 'react'
import type { Tx } from '../connectors/timeline.server'
import { InviteEmail, inviteSubject } from '../emails/invite'
import { renderEmail } from '../emails/render.server'
import { firstRow } from '../linker/sql.server'
import { formatDateTime } from '../utils/format'
import { enqueueEmail } from './outbox.server'

export interface InviteMailInput {
  userId: string
  email: string
  name: string
  role: string
  /** Who invited (null: the CLI or the system). */
  inviterId: string | null
  url: string
  expiresAt: Date
}

/**
 * Renders the invite and writes it to the outbox in the caller's transaction, cancelling an earlier
 * invite mail to the same person that is still waiting. Returns the outbox id.
 */
export async function enqueueInviteMail(tx: Tx, input: InviteMailInput, at = Date.now()): Promise<string> {
  const inviter = input.inviterId
    ? await firstRow<{ name: string }>(tx, sql`select name from users where id = ${input.inviterId}`)
    : undefined
  const props = {
    recipientName: input.name,
    inviterName: inviter?.name ?? null,
    role: input.role,
    url: input.url,
    expiresAt: formatDateTime(input.expiresAt),
  }
  const { html, text } = await renderEmail(createElement(InviteEmail, props))
  // A re-invite replaces the old link: an older invite mail not sent yet would only carry a dead one.
  await tx.run(sql`update email_outbox set status = 'cancelled', last_error = 'replaced by a newer invite', updated_at = ${at}
    where user_id = ${input.userId} and template = 'invite' and status = 'pending'`)
  return enqueueEmail(
    tx,
    {
      userId: input.userId,
      to: input.email,
      category: 'security',
      template: 'invite',
      subject: inviteSubject(props),
      html,
      text,
    },
    at,
  )
}
