// The transactional outbox: every mail is a row written in the same transaction as what caused it.
// Only the sender (sender.server.ts) talks to Resend; the row id is its Idempotency-Key.
import { sql } from 'drizzle-orm'
import { emailOutbox, OUTBOX_STATUSES, type OutboxStatus } from '../../db/schema/notifications'
import { recordAudit, type AuditActor } from '../auth/audit.server'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { nudgeWorker } from '../jobs/workers.server'
import { firstRow } from '../linker/sql.server'
import { newId } from '../utils/crypto.server'

export { OUTBOX_STATUSES, type OutboxStatus }

/** The sender's worker name (app/jobs/registry.server.ts), for nudges. */
export const OUTBOX_SENDER = 'email-outbox'

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
  // The sender looks on a later turn of the event loop; if this transaction has not committed by
  // then, its next idle round finds the row.
  nudgeWorker(OUTBOX_SENDER)
  return id
}

/** Mail written in bulk (digests): one INSERT per call, ids made here. Returns the ids in order. */
export async function enqueueEmails(tx: Tx, emails: readonly OutgoingEmail[], at = Date.now()): Promise<string[]> {
  const ids = emails.map(() => newId())
  // 14 values a row: well under SQLite's 32,766 bound parameters at the sizes callers use (≤ 500).
  for (let start = 0; start < emails.length; start += 500) {
    const rows = emails.slice(start, start + 500).map((email, index) => ({
      id: ids[start + index],
      userId: email.userId,
      toAddress: email.to,
      category: email.category,
      template: email.template,
      subject: email.subject,
      html: email.html,
      text: email.text,
      headers: email.headers ?? {},
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      updatedAt: at,
    }))
    if (rows.length) await tx.insert(emailOutbox).values(rows)
  }
  if (emails.length) nudgeWorker(OUTBOX_SENDER)
  return ids
}

export interface OutboxListItem {
  id: string
  toAddress: string
  category: string
  template: string
  subject: string
  status: OutboxStatus
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  createdAt: number
  sentAt: number | null
}

export interface OutboxPage {
  items: OutboxListItem[]
  /** Pass back as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null
}

export const OUTBOX_PAGE_SIZE = 50

// Cursor: `<createdAt>.<id>` of the last row shown (keyset on created_at desc, id desc).
function parseCursor(cursor: string | undefined): { at: number; id: string } | null {
  const match = cursor ? /^(\d{1,16})\.([A-Za-z0-9_-]{1,64})$/.exec(cursor) : null
  return match ? { at: Number(match[1]), id: match[2] } : null
}

/**
 * The newest mail first, optionally of one status. Reads no bodies: the list shows addresses,
 * subjects and states; `getOutboxEmail` reads one row whole.
 */
export async function listOutbox({
  status,
  before,
  limit = OUTBOX_PAGE_SIZE,
}: { status?: OutboxStatus; before?: string; limit?: number } = {}): Promise<OutboxPage> {
  const cursor = parseCursor(before)
  const conditions = [sql`1 = 1`]
  if (status) conditions.push(sql`status = ${status}`)
  if (cursor) conditions.push(sql`(created_at < ${cursor.at} or (created_at = ${cursor.at} and id < ${cursor.id}))`)
  const rows = await getDb().all<OutboxListItem>(sql`
    select id, to_address as toAddress, category, template, subject, status, attempts, next_attempt_at as nextAttemptAt,
      last_error as lastError, created_at as createdAt, sent_at as sentAt
    from email_outbox
    where ${sql.join(conditions, sql` and `)}
    order by created_at desc, id desc
    limit ${limit + 1}`)
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? `${last.createdAt}.${last.id}` : null }
}

/** How many rows are in each status (every status present, zeros included). */
export async function countOutboxByStatus(): Promise<Record<OutboxStatus, number>> {
  // Answered from the (status, next_attempt_at) index alone.
  const rows = await getDb().all<{ status: OutboxStatus; n: number }>(
    sql`select status, count(*) as n from email_outbox group by status`,
  )
  const counts = Object.fromEntries(OUTBOX_STATUSES.map((status) => [status, 0])) as Record<OutboxStatus, number>
  for (const row of rows) counts[row.status] = Number(row.n)
  return counts
}

export interface OutboxEmail extends OutboxListItem {
  userId: string | null
  html: string
  text: string
  headers: Record<string, string>
  leaseUntil: number | null
  providerMessageId: string | null
  updatedAt: number
}

/** One row with its bodies and headers, or undefined. */
export async function getOutboxEmail(id: string): Promise<OutboxEmail | undefined> {
  const row = await firstRow<Omit<OutboxEmail, 'headers'> & { headers: string }>(
    getDb(),
    sql`select id, user_id as userId, to_address as toAddress, category, template, subject, html, text, headers, status,
          attempts, next_attempt_at as nextAttemptAt, lease_until as leaseUntil, last_error as lastError,
          provider_message_id as providerMessageId, created_at as createdAt, updated_at as updatedAt, sent_at as sentAt
        from email_outbox where id = ${id}`,
  )
  if (!row) return undefined
  let headers: Record<string, string> = {}
  try {
    headers = JSON.parse(row.headers) as Record<string, string>
  } catch {
    // A row is written by enqueueEmail with JSON headers; anything else shows as none.
  }
  return { ...row, headers }
}

export type RetryOutcome = { ok: true } | { ok: false; reason: 'not_found' | 'not_failed' }

/**
 * Puts a failed mail back in line (an admin's retry): pending at once, attempts from zero, audited.
 * It goes alone, with its own id as the Idempotency-Key: if an earlier attempt did reach Resend in
 * the last 24 hours, Resend answers that one again instead of sending twice.
 */
export async function retryOutboxEmail(id: string, actor: AuditActor, now = Date.now()): Promise<RetryOutcome> {
  const outcome = await getDb().transaction(async (tx) => {
    const row = await firstRow<{ status: OutboxStatus; attempts: number; lastError: string | null; category: string }>(
      tx,
      sql`select status, attempts, last_error as lastError, category from email_outbox where id = ${id}`,
    )
    if (!row) return { ok: false, reason: 'not_found' } as const
    if (row.status !== 'failed') return { ok: false, reason: 'not_failed' } as const
    await tx.run(sql`update email_outbox
      set status = 'pending', attempts = 0, next_attempt_at = ${now}, lease_until = null, last_error = null,
        batch_key = id, updated_at = ${now}
      where id = ${id} and status = 'failed'`)
    await recordAudit(
      {
        action: 'outbox.retry',
        actor,
        targetType: 'email',
        targetId: id,
        detail: { category: row.category, previousAttempts: row.attempts, lastError: row.lastError },
      },
      tx,
    )
    return { ok: true } as const
  })
  if (outcome.ok) nudgeWorker(OUTBOX_SENDER)
  return outcome
}
