// The outbox sender: a background worker that claims due mail with a lease and hands it to Resend.
//
// Exactly once, as far as Resend is concerned: every call carries an Idempotency-Key that stays the
// same however often the call is made again (Resend keeps keys for 24 hours and answers a repeat
// with the first answer, sending nothing). A mail sent alone uses its row id. The batch endpoint
// takes one key per call, not per mail, so rows sent together are tied together by `batch_key` at
// the moment they are claimed: until they settle they are always claimed, sent and retried as the
// same group, in the same order, under a key made from their ids. A sender that dies mid-call
// leaves its rows `sending`; once their lease runs out another sender (or the restarted one) takes
// the same group again and makes the same call.
import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { Resend } from 'resend'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import type { Worker } from '../jobs/workers.server'
import { getLogger } from '../observability/logger.server'
import { singleton } from '../utils/singleton.server'
import { OUTBOX_SENDER } from './outbox.server'

/** Resend takes at most this many mails in one batch call. */
export const BATCH_LIMIT = 100
/** Tries of one mail (429s not counted) before it is `failed`. */
export const MAX_ATTEMPTS = 8
/** How long a claim holds; past it, another sender may take the rows again. Longer than a call may take. */
export const LEASE_MS = 30_000
/** A call that has not answered by then is abandoned (and retried, under the same key). */
const SEND_TIMEOUT_MS = 15_000
/** Rows claimed per round: a few calls' worth, so a round stays well inside its lease. */
const CLAIM_LIMIT = 2 * BATCH_LIMIT
const RETRY_BASE_MS = 30_000
const RETRY_CAP_MS = 60 * 60 * 1000
/** A 429 without a usable Retry-After waits this long; one asking for more than the cap waits the cap. */
const RATE_LIMIT_DEFAULT_MS = 60_000
const RATE_LIMIT_CAP_MS = 60 * 60 * 1000

export interface SenderConfig {
  /** No key: mail is not sent but kept as `captured` for the admin outbox page. */
  apiKey: string | undefined
  /** The Resend API address (RESEND_BASE_URL); the SDK's default when undefined. */
  baseUrl: string | undefined
  from: string
}

export function senderConfig(): SenderConfig {
  const env = getEnv()
  return { apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL, from: env.EMAIL_FROM }
}

interface ClaimedEmail {
  id: string
  toAddress: string
  category: string
  subject: string
  html: string
  text: string
  headers: Record<string, string>
  /** Including this claim. */
  attempts: number
  batchKey: string | null
}

export interface SendRoundResult {
  /** Rows this round settled or put back (0: nothing was due). */
  handled: number
  sent: number
  captured: number
  retrying: number
  failed: number
  /** Calls made to Resend: single sends and batch calls. */
  calls: number
}

const emptyResult = (): SendRoundResult => ({ handled: 0, sent: 0, captured: 0, retrying: 0, failed: 0, calls: 0 })

// A 429 is about the account, not the mail: every sender in this process waits it out.
const rateLimit = singleton('outbox-rate-limit', () => ({ until: 0 }))

// The SDK reads RESEND_BASE_URL from process.env by itself, but our environment may come from a
// .env file or a test: the value from getEnv() is passed explicitly.
function resendClient(config: SenderConfig): Resend {
  const clients = singleton('resend-clients', () => new Map<string, Resend>())
  const baseUrl = config.baseUrl?.replace(/\/+$/, '')
  const cacheKey = `${config.apiKey}\0${baseUrl ?? ''}`
  let client = clients.get(cacheKey)
  if (!client) {
    client = new Resend(config.apiKey, baseUrl ? { baseUrl } : undefined)
    clients.set(cacheKey, client)
  }
  return client
}

/** When a mail that failed on its n-th attempt is tried again: 30 s, 1 min, 2 min, ... at most an hour, ±20%. */
export function retryDelayMs(attempts: number, random = Math.random()) {
  const base = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1))
  return Math.round(base * (0.8 + 0.4 * random))
}

/** Retry-After as seconds or an HTTP date, in ms from now; the default when missing or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number {
  if (value) {
    const trimmed = value.trim()
    if (/^\d+(\.\d+)?$/.test(trimmed))
      return Math.min(RATE_LIMIT_CAP_MS, Math.max(1000, Math.ceil(Number(trimmed) * 1000)))
    const at = Date.parse(trimmed)
    if (Number.isFinite(at)) return Math.min(RATE_LIMIT_CAP_MS, Math.max(1000, at - now))
  }
  return RATE_LIMIT_DEFAULT_MS
}

/** The key of one call: a mail's own id when alone, else a digest of the group's ids (≤ 256 characters). */
export function idempotencyKeyFor(ids: readonly string[]): string {
  if (ids.length === 1) return ids[0]
  return `batch/${createHash('sha256')
    .update([...ids].sort().join(','))
    .digest('base64url')}`
}

// Due rows: claims whose lease ran out (a sender that died), then pending mail whose time has come,
// oldest first; plus every row still waiting in the groups those belong to, so a group goes whole.
const dueCondition = (now: number) =>
  sql`((status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until <= ${now}))`

function dueIds(now: number, limit: number) {
  return sql`with due(id, batch_key) as (
      select id, batch_key from (select id, batch_key from email_outbox where status = 'sending' and lease_until <= ${now} limit ${limit})
      union all
      select id, batch_key from (select id, batch_key from email_outbox where status = 'pending' and next_attempt_at <= ${now}
        order by next_attempt_at, id limit ${limit}))
    select id from due
    union
    select o.id from email_outbox o where o.batch_key in (select batch_key from due where batch_key is not null) and ${dueCondition(now)}`
}

/** Whether anything is due, read from the indexes: the idle worker asks before taking the write lock. */
export async function hasDueEmails(now = Date.now()): Promise<boolean> {
  const rows = await getDb().all(sql`select 1 from (
      select 1 from email_outbox where status = 'pending' and next_attempt_at <= ${now} limit 1)
    union all select 1 from (select 1 from email_outbox where status = 'sending' and lease_until <= ${now} limit 1)
    limit 1`)
  return rows.length > 0
}

/** Without an API key nothing is sent: what is due is kept as `captured` for the outbox page. */
async function captureDue(now: number): Promise<number> {
  const result = await getDb().run(sql`update email_outbox
    set status = 'captured', lease_until = null, batch_key = null, updated_at = ${now},
      last_error = case when status = 'sending' then 'no RESEND_API_KEY when its retry came due; it may have been sent before' else null end
    where id in (select id from email_outbox where ${dueCondition(now)} limit 1000)`)
  return result.rowsAffected
}

/**
 * Claims due rows (one transaction): marks them `sending` with a lease, counts the attempt, and
 * ties rows that have no group yet into groups of at most BATCH_LIMIT. Returns the groups, each
 * sorted by id (a repeated batch call must be the same call).
 */
async function claimDue(now: number, limit: number): Promise<ClaimedEmail[][]> {
  return getDb().transaction(async (tx) => {
    const rows = await tx.all<
      Omit<ClaimedEmail, 'headers'> & { headers: string; nextAttemptAt: number }
    >(sql`update email_outbox
      set status = 'sending', lease_until = ${now + LEASE_MS}, attempts = attempts + 1, updated_at = ${now}
      where id in (${dueIds(now, limit)}) and ${dueCondition(now)}
      returning id, to_address as toAddress, category, subject, html, text, headers, attempts, batch_key as batchKey,
        next_attempt_at as nextAttemptAt`)
    const claimed = rows.map((row) => ({ ...row, headers: parseHeaders(row.headers) }))
    const groups = new Map<string, ClaimedEmail[]>()
    const fresh: (ClaimedEmail & { nextAttemptAt: number })[] = []
    for (const row of claimed) {
      if (row.batchKey === null) fresh.push(row)
      else groups.set(row.batchKey, [...(groups.get(row.batchKey) ?? []), row])
    }
    fresh.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : 1))
    for (let start = 0; start < fresh.length; start += BATCH_LIMIT) {
      const group = fresh.slice(start, start + BATCH_LIMIT)
      // The group's name is its first id: unique, and a group of one is named by the mail itself.
      const key = group[0].id
      for (const row of group) row.batchKey = key
      await tx.run(
        sql`update email_outbox set batch_key = ${key} where id in (select value from json_each(${JSON.stringify(group.map((row) => row.id))}))`,
      )
      groups.set(key, group)
    }
    return [...groups.values()].map((group) => group.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
  })
}

function parseHeaders(value: string | null): Record<string, string> {
  if (!value) return {}
  try {
    const parsed = JSON.parse(value) as unknown
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {}
  } catch {
    return {}
  }
}

type CallOutcome =
  | { kind: 'sent'; providerIds: string[] }
  | { kind: 'rate_limited'; waitMs: number; reason: string }
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; reason: string }
  /** A batch the API refused as a whole (strict validation: nothing was sent): each mail goes alone. */
  | { kind: 'split'; reason: string }

interface ResendError {
  message?: string
  statusCode?: number | null
  name?: string
}

function statusOf(error: ResendError): number | null {
  if (typeof error.statusCode === 'number') return error.statusCode
  // The SDK hands over the API's JSON body as the error; without a status, go by its name.
  if (
    error.name === 'rate_limit_exceeded' ||
    error.name === 'daily_quota_exceeded' ||
    error.name === 'monthly_quota_exceeded'
  )
    return 429
  if (error.name === 'internal_server_error') return 500
  if (error.name === 'concurrent_idempotent_requests') return 409
  return null
}

function outcomeOf(
  error: ResendError,
  headers: Record<string, string> | null,
  batch: boolean,
  now: number,
): CallOutcome {
  const status = statusOf(error)
  const reason = `${status ?? 'network'} ${error.name ?? 'error'}: ${error.message ?? 'no message'}`.slice(0, 1000)
  if (status === 429) return { kind: 'rate_limited', waitMs: retryAfterMs(headers?.['retry-after'], now), reason }
  // No status: the request never got an answer (refused, reset, timed out). 5xx: Resend's trouble.
  // 409 concurrent_idempotent_requests: the same call is still running elsewhere; ask again later.
  if (status === null || status >= 500 || status === 408 || status === 409) return { kind: 'transient', reason }
  if (batch && (status === 400 || status === 422)) return { kind: 'split', reason }
  return { kind: 'permanent', reason }
}

async function callResend(config: SenderConfig, group: ClaimedEmail[], now: number): Promise<CallOutcome> {
  const client = resendClient(config)
  const idempotencyKey = idempotencyKeyFor(group.map((row) => row.id))
  const message = (row: ClaimedEmail) => ({
    from: config.from,
    to: row.toAddress,
    subject: row.subject,
    html: row.html,
    text: row.text,
    headers: Object.keys(row.headers).length ? row.headers : undefined,
    // Tags travel with the mail to Resend's logs and webhooks: which row, which kind.
    tags: [
      { name: 'outbox_id', value: row.id },
      { name: 'category', value: row.category.replace(/[^A-Za-z0-9_-]/g, '_') },
    ],
  })
  const signal = AbortSignal.timeout(SEND_TIMEOUT_MS)
  try {
    if (group.length === 1) {
      const result = await client.emails.send(message(group[0]), { idempotencyKey, signal })
      if (result.error) return outcomeOf(result.error, result.headers, false, now)
      return { kind: 'sent', providerIds: [result.data.id] }
    }
    const result = await client.batch.send(group.map(message), { idempotencyKey, signal })
    if (result.error) return outcomeOf(result.error, result.headers, true, now)
    const ids = result.data.data.map((entry) => entry.id)
    if (ids.length !== group.length)
      return { kind: 'transient', reason: `batch answered ${ids.length} ids for ${group.length} mails` }
    return { kind: 'sent', providerIds: ids }
  } catch (error) {
    // The SDK answers most failures as an error value; an abort while reading the body is thrown.
    return { kind: 'transient', reason: `network: ${(error as Error).message ?? String(error)}`.slice(0, 1000) }
  }
}

const idsJson = (group: ClaimedEmail[]) => JSON.stringify(group.map((row) => row.id))

/**
 * Records how a group's call went. Only rows still `sending` change: if this sender's lease ran out
 * and another took the group over, whichever settles last writes the same truth (same key, same answer).
 */
async function settle(group: ClaimedEmail[], outcome: CallOutcome, now: number, result: SendRoundResult) {
  const db = getDb()
  const ids = idsJson(group)
  const mine = sql`id in (select value from json_each(${ids})) and status = 'sending'`
  switch (outcome.kind) {
    case 'sent': {
      const pairs = JSON.stringify(group.map((row, index) => [row.id, outcome.providerIds[index]]))
      await db.run(sql`update email_outbox
        set status = 'sent', sent_at = ${now}, updated_at = ${now}, lease_until = null, last_error = null, provider_message_id = pairs.provider_id
        from (select json_extract(value, '$[0]') as id, json_extract(value, '$[1]') as provider_id from json_each(${pairs})) as pairs
        where email_outbox.id = pairs.id and email_outbox.status = 'sending'`)
      result.sent += group.length
      break
    }
    case 'rate_limited':
      // Not the mail's fault: the attempt does not count.
      await db.run(sql`update email_outbox
        set status = 'pending', attempts = max(0, attempts - 1), next_attempt_at = ${now + outcome.waitMs}, lease_until = null,
          last_error = ${outcome.reason}, updated_at = ${now}
        where ${mine}`)
      result.retrying += group.length
      break
    case 'split':
      // Nothing of the batch was sent: each mail gets a group of its own, at once, attempt not counted.
      await db.run(sql`update email_outbox
        set status = 'pending', attempts = max(0, attempts - 1), next_attempt_at = ${now}, lease_until = null, batch_key = id,
          last_error = ${outcome.reason}, updated_at = ${now}
        where ${mine}`)
      result.retrying += group.length
      break
    case 'transient':
    case 'permanent': {
      // A group settles as one (its rows share a key); attempts are equal within a group but for
      // a row an admin retried, so the most-tried row decides.
      const attempts = Math.max(...group.map((row) => row.attempts))
      const giveUp = outcome.kind === 'permanent' || attempts >= MAX_ATTEMPTS
      const reason =
        giveUp && outcome.kind === 'transient'
          ? `gave up after ${attempts} attempts; last: ${outcome.reason}`
          : outcome.reason
      await db.run(sql`update email_outbox
        set status = ${giveUp ? 'failed' : 'pending'}, next_attempt_at = ${giveUp ? now : now + retryDelayMs(attempts)},
          lease_until = null, last_error = ${reason}, updated_at = ${now}
        where ${mine}`)
      if (giveUp) result.failed += group.length
      else result.retrying += group.length
      getLogger().warn(
        { worker: OUTBOX_SENDER, mails: group.length, attempts, giveUp, reason: outcome.reason },
        'mail not sent',
      )
      break
    }
  }
}

/** Gives back claimed groups that were not tried (a 429 stopped the round): due when the wait ends. */
async function release(groups: ClaimedEmail[][], until: number, now: number) {
  const ids = JSON.stringify(groups.flatMap((group) => group.map((row) => row.id)))
  await getDb().run(sql`update email_outbox
    set status = 'pending', attempts = max(0, attempts - 1), next_attempt_at = ${until}, lease_until = null, updated_at = ${now}
    where id in (select value from json_each(${ids})) and status = 'sending'`)
}

/** Extends a group's lease before its call, so a round of several calls never outlives its claim. */
async function renewLease(group: ClaimedEmail[], now: number): Promise<boolean> {
  const result = await getDb().run(sql`update email_outbox set lease_until = ${now + LEASE_MS}
    where id in (select value from json_each(${idsJson(group)})) and status = 'sending'`)
  return result.rowsAffected === group.length
}

export interface SendOptions {
  now?: () => number
  config?: SenderConfig
  /** Rows claimed in this round (default: a couple of batch calls' worth). */
  limit?: number
}

/** One round: claim what is due, send it group by group, settle each group after its call. */
export async function sendDueEmails({
  now = Date.now,
  config = senderConfig(),
  limit = CLAIM_LIMIT,
}: SendOptions = {}): Promise<SendRoundResult> {
  const result = emptyResult()
  const start = now()
  if (!(await hasDueEmails(start))) return result
  if (!config.apiKey) {
    result.captured = result.handled = await captureDue(start)
    return result
  }
  if (rateLimit.until > start) return result
  const groups = await claimDue(start, limit)
  for (let index = 0; index < groups.length; index++) {
    const group = groups[index]
    const at = now()
    if (index > 0 && !(await renewLease(group, at))) continue
    const outcome = await callResend(config, group, at)
    result.calls++
    const settledAt = now()
    await settle(group, outcome, settledAt, result)
    result.handled += group.length
    if (outcome.kind === 'rate_limited') {
      rateLimit.until = settledAt + outcome.waitMs
      const rest = groups.slice(index + 1)
      if (rest.length) {
        await release(rest, rateLimit.until, settledAt)
        result.retrying += rest.reduce((sum, item) => sum + item.length, 0)
        result.handled += rest.reduce((sum, item) => sum + item.length, 0)
      }
      getLogger().warn({ worker: OUTBOX_SENDER, waitMs: outcome.waitMs }, 'Resend rate limit: waiting')
      break
    }
  }
  return result
}

/** Forgets a rate-limit wait (tests that simulate 429 and then move on). */
export function resetSenderRateLimit() {
  rateLimit.until = 0
}

export const outboxSender: Worker = {
  name: OUTBOX_SENDER,
  // enqueueEmail nudges the sender; the interval picks up retries that come due.
  idleIntervalMs: 2000,
  async runOnce() {
    // Begin on a turn of our own: a nudge comes from inside the enqueueing transaction.
    await new Promise((resolve) => setImmediate(resolve))
    const { handled } = await sendDueEmails()
    return handled
  },
}
