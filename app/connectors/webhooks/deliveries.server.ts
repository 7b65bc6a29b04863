// Webhook deliveries: recorded before anything else (idempotency on provider + delivery id, and the
// raw payload), then claimed, processed and settled by the delivery worker.
import { and, desc, eq, gt, gte, inArray, ne, sql, type SQL } from 'drizzle-orm'
import { deliveries, deliveryPayloads, repositories, type Provider } from '../../../db/schema'
import { recordAudit, type AuditActor } from '../../auth/audit.server'
import { getClient, getDb, preparedWrites } from '../../db.server'
import type { Tx } from '../timeline.server'
import type { Json } from './normalize.server'

export type DeliveryStatus = (typeof deliveries.$inferSelect)['status']

/** A delivery worth retrying is tried this often, then marked failed. */
export const MAX_ATTEMPTS = 8
const RETRY_BASE_MS = 10_000
const RETRY_CAP_MS = 60 * 60 * 1000
/** How long a claim holds: past it, another worker (or replica) may take the delivery over. */
export const LEASE_MS = 60_000
const DAY_MS = 24 * 60 * 60 * 1000
/** Deliveries written in one INSERT (each row binds 8 values, its payload 3; SQLite allows 32,766). */
const MAX_GROUP = 500

export interface NewDelivery {
  provider: Provider
  deliveryId: string
  repositoryId: string
  event: string
  payload: string
  /** pending (the worker will process it), or already settled: ignored, or processed (a ping). */
  status: Extract<DeliveryStatus, 'pending' | 'ignored' | 'processed'>
}

export type Recorded = { id: number; duplicate: false } | { id: number | null; duplicate: true }

interface Waiting {
  row: NewDelivery
  receivedAt: number
  resolve: (value: Recorded) => void
  reject: (error: unknown) => void
}

// Group commit. Every commit of the embedded database waits for the disk (milliseconds), and the
// call blocks the process while it does; so deliveries that arrive together are written by one
// INSERT, and each request gets its answer once that INSERT is committed. Under no load a group is
// one delivery and costs no waiting: the flush runs right after the current I/O callbacks.
const waiting: Waiting[] = []
let flushScheduled = false

/**
 * Stores a delivery unless one with the same provider and delivery id is stored already (a
 * redelivery: nothing changes). Resolves once the row is committed.
 */
export function recordDelivery(row: NewDelivery): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    waiting.push({ row, receivedAt: Date.now(), resolve, reject })
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flushWaiting)
    }
  })
}

async function flushWaiting() {
  flushScheduled = false
  while (waiting.length > 0) {
    const group = waiting.splice(0, MAX_GROUP)
    try {
      await insertWithRetry(group)
    } catch {
      // One bad row (its repository deleted a moment ago) must not fail the others: one by one.
      for (const entry of group) {
        try {
          await insertWithRetry([entry])
        } catch (error) {
          entry.reject(error)
        }
      }
    }
  }
}

const BUSY_RETRIES = 5

function isBusy(error: unknown): boolean {
  for (let current = error as { code?: string; message?: string; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current.code?.startsWith('SQLITE_BUSY') || current.message?.includes('database is locked')) return true
  }
  return false
}

// GitHub does not send a failed delivery again by itself: a write that meets another writer's lock
// waits a moment, on a later turn of the event loop, and tries again before the request gets a 500.
async function insertWithRetry(group: Waiting[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await insertGroup(group)
    } catch (error) {
      if (!isBusy(error) || attempt >= BUSY_RETRIES) throw error
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt))
    }
  }
}

const INSERT_COLUMNS = 'provider, delivery_id, repository_id, event, status, attempts, next_attempt_at, received_at, processed_at'
const ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, 0, ?, ?, ?)'
// A redelivery's payload is not stored again: its row exists already, and so does its payload.
const PAYLOAD_PLACEHOLDERS = '((select id from deliveries where provider = ? and delivery_id = ?), ?)'

// Written without the query builder: this runs for every delivery, and building a multi-row INSERT
// through Drizzle costs more than the insert itself. The rows and their payloads commit together.
async function insertGroup(group: Waiting[]) {
  const writes = preparedWrites()
  if (!writes) return insertGroupThroughClient(group)
  // An embedded file: statements prepared once, a row at a time (a redelivery, even of a delivery
  // earlier in the group, inserts nothing and returns nothing).
  const ids = await writes.transaction((statement) => {
    const insertRow = statement(`insert into deliveries (${INSERT_COLUMNS}) values ${ROW_PLACEHOLDERS} on conflict do nothing returning id`)
    const insertPayload = statement('insert into delivery_payloads (delivery_id, payload) values (?, ?)')
    return group.map(({ row, receivedAt }) => {
      const created = insertRow.get(row.provider, row.deliveryId, row.repositoryId, row.event, row.status, receivedAt, receivedAt, row.status === 'pending' ? null : receivedAt) as
        | { id: number }
        | undefined
      if (created) insertPayload.run(created.id, row.payload)
      return created ? Number(created.id) : null
    })
  })
  group.forEach((entry, index) => {
    const id = ids[index]
    entry.resolve(id === null ? { id: null, duplicate: true } : { id, duplicate: false })
  })
}

/** insertGroup for a database server or an embedded replica, through the client. */
async function insertGroupThroughClient(group: Waiting[]) {
  const rowArgs: Array<string | number | null> = []
  const payloadArgs: Array<string | number | null> = []
  for (const { row, receivedAt } of group) {
    rowArgs.push(row.provider, row.deliveryId, row.repositoryId, row.event, row.status, receivedAt, receivedAt, row.status === 'pending' ? null : receivedAt)
    payloadArgs.push(row.provider, row.deliveryId, row.payload)
  }
  const [result] = await getClient().batch(
    [
      {
        sql: `insert into deliveries (${INSERT_COLUMNS}) values ${group.map(() => ROW_PLACEHOLDERS).join(', ')} on conflict do nothing returning id, provider, delivery_id`,
        args: rowArgs,
      },
      {
        sql: `insert into delivery_payloads (delivery_id, payload) values ${group.map(() => PAYLOAD_PLACEHOLDERS).join(', ')} on conflict do nothing`,
        args: payloadArgs,
      },
    ],
    'write',
  )
  const rows = result.rows.map((row) => ({ id: Number(row.id), provider: String(row.provider), deliveryId: String(row.delivery_id) }))
  const created = new Map(rows.map((row) => [`${row.provider}\0${row.deliveryId}`, row.id]))
  for (const entry of group) {
    const key = `${entry.row.provider}\0${entry.row.deliveryId}`
    const id = created.get(key)
    // The first of two copies in one group is the delivery; the second a redelivery.
    if (id !== undefined) {
      created.delete(key)
      entry.resolve({ id, duplicate: false })
    } else {
      entry.resolve({ id: null, duplicate: true })
    }
  }
}

export interface ClaimedDelivery {
  id: number
  provider: Provider
  deliveryId: string
  repositoryId: string
  event: string
  /** The raw payload; null if it could not be read. */
  payload: string | null
  /** The payload already parsed, when it was read and parsed before the claim. */
  parsed?: Json
  attempts: number
  receivedAt: number
}

/** A claimed delivery's payload as JSON (a SyntaxError for a payload that is not JSON). */
export function payloadOf(delivery: ClaimedDelivery): Json {
  return delivery.parsed ?? (JSON.parse(delivery.payload ?? '') as Json)
}

// Claims pick due rows from the queue index alone (status, next_attempt_at, id): claims that ran out
// first (there are few), then pending deliveries, oldest first.
function dueIds(limit: number, now: number) {
  return sql`select id from (select id from deliveries where status = 'processing' and leased_until <= ${now} limit ${limit})
    union all
    select id from (select id from deliveries where status = 'pending' and next_attempt_at <= ${now} order by next_attempt_at, id limit ${limit})
    limit ${limit}`
}

function claim(tx: Tx, ids: SQL, now: number) {
  return tx.all<Record<string, unknown>>(sql`update deliveries
    set status = 'processing', leased_until = ${now + LEASE_MS}, attempts = attempts + 1
    where id in (${ids})
    returning id, provider, delivery_id, repository_id, event, attempts, received_at`)
}

function toClaimed(rows: Record<string, unknown>[]): ClaimedDelivery[] {
  return rows
    .map((row) => ({
      id: Number(row.id),
      provider: String(row.provider) as Provider,
      deliveryId: String(row.delivery_id),
      repositoryId: String(row.repository_id),
      event: String(row.event),
      payload: null,
      attempts: Number(row.attempts),
      receivedAt: Number(row.received_at),
    }))
    .sort((a, b) => a.id - b.id)
}

/** Gives each claimed delivery its stored payload. */
async function withPayloads(tx: Tx, claimed: ClaimedDelivery[]): Promise<ClaimedDelivery[]> {
  if (claimed.length === 0) return claimed
  const rows = await tx.all<{ id: number; payload: string }>(
    sql`select delivery_id as id, payload from delivery_payloads where delivery_id in (select value from json_each(${JSON.stringify(claimed.map((delivery) => delivery.id))}))`,
  )
  const payloads = new Map(rows.map((row) => [Number(row.id), String(row.payload)]))
  for (const delivery of claimed) delivery.payload = payloads.get(delivery.id) ?? null
  return claimed
}

export interface PeekedDelivery {
  id: number
  payload: string | null
  parsed?: Json
}

/**
 * Due deliveries and their payloads, parsed, read without claiming them: the worker does this
 * before it takes the write turn (see claimPeeked), so the turn lasts only as long as the writes.
 * Another worker may claim some of them meanwhile; only those still due are claimed then.
 */
export async function peekDueDeliveries(limit: number, now = Date.now()): Promise<PeekedDelivery[]> {
  const rows = await getDb().all<{ id: number; payload: string | null }>(
    sql`select d.id as id, p.payload as payload from (${dueIds(limit, now)}) d left join delivery_payloads p on p.delivery_id = d.id`,
  )
  return rows.map((row) => {
    const peeked: PeekedDelivery = { id: Number(row.id), payload: row.payload === null ? null : String(row.payload) }
    try {
      if (peeked.payload !== null) peeked.parsed = JSON.parse(peeked.payload) as Json
    } catch {
      // Processing parses it again and fails it for good, with the reason.
    }
    return peeked
  })
}

/**
 * Inside the processing transaction: takes those of `peeked` still due and marks them processed, in
 * one statement. The transaction commits that with their processing, or rolls both back: a claim
 * with a lease and then a settlement would write each row twice for a state no one else could see.
 * Those that turn out to be of no interest are marked so afterwards (markIgnored).
 */
export async function takePeeked(tx: Tx, peeked: PeekedDelivery[], now = Date.now()): Promise<ClaimedDelivery[]> {
  if (peeked.length === 0) return []
  const rows = await tx.all<Record<string, unknown>>(sql`update deliveries
    set status = 'processed', processed_at = ${now}, leased_until = null, last_error = null, attempts = attempts + 1
    where id in (select value from json_each(${JSON.stringify(peeked.map((delivery) => delivery.id))}))
      and ((status = 'pending' and next_attempt_at <= ${now}) or (status = 'processing' and leased_until <= ${now}))
    returning id, provider, delivery_id, repository_id, event, attempts, received_at`)
  const byId = new Map(peeked.map((delivery) => [delivery.id, delivery]))
  const taken = toClaimed(rows)
  for (const delivery of taken) {
    delivery.payload = byId.get(delivery.id)?.payload ?? null
    delivery.parsed = byId.get(delivery.id)?.parsed
  }
  return taken
}

/** Inside the transaction that took them (takePeeked): these deliveries were of no interest after all. */
export async function markIgnored(tx: Tx, ids: number[]) {
  if (ids.length === 0) return
  await tx.run(sql`update deliveries set status = 'ignored' where id in (select value from json_each(${JSON.stringify(ids)}))`)
}

/** Claims one delivery by id if it is still due. */
export async function claimDelivery(id: number, now = Date.now()): Promise<ClaimedDelivery | undefined> {
  const ids = sql`select id from deliveries where id = ${id} and ((status = 'pending' and next_attempt_at <= ${now}) or (status = 'processing' and leased_until <= ${now}))`
  const db = getDb()
  const [delivery] = toClaimed(await claim(db, ids, now))
  if (!delivery) return undefined
  const [claimed] = await withPayloads(db, [delivery])
  return claimed
}

export type Settlement =
  | { id: number; status: 'processed' | 'ignored' }
  | { id: number; status: 'error'; attempts: number; error: string; permanent: boolean }

/** When a delivery that failed on its n-th attempt is tried again: 10 s, 20 s, 40 s, ... at most an hour, ±20%. */
export function retryDelayMs(attempts: number, random = Math.random()) {
  const base = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1))
  return Math.round(base * (0.8 + 0.4 * random))
}

/** Records how each claimed delivery went: done, or back in line with its error, or failed for good. */
export async function settleDeliveries(tx: Tx, settlements: Settlement[], now = Date.now()) {
  const claimedOnly = eq(deliveries.status, 'processing')
  for (const status of ['processed', 'ignored'] as const) {
    const ids = settlements.filter((settlement) => settlement.status === status).map((settlement) => settlement.id)
    if (ids.length === 0) continue
    await tx
      .update(deliveries)
      .set({ status, processedAt: now, leasedUntil: null, lastError: null })
      .where(and(inArray(deliveries.id, ids), claimedOnly))
  }
  for (const settlement of settlements) {
    if (settlement.status !== 'error') continue
    const giveUp = settlement.permanent || settlement.attempts >= MAX_ATTEMPTS
    await tx
      .update(deliveries)
      .set({
        status: giveUp ? 'failed' : 'pending',
        leasedUntil: null,
        lastError: settlement.error.slice(0, 2000),
        nextAttemptAt: giveUp ? now : now + retryDelayMs(settlement.attempts),
        processedAt: giveUp ? now : null,
      })
      .where(and(eq(deliveries.id, settlement.id), claimedOnly))
  }
}

export type ReplayResult = { ok: true } | { ok: false; reason: 'not_found' | 'busy' }

/** Puts a delivery back in line as if it had just arrived (an admin's replay). */
export async function replayDelivery(repositoryId: string, id: number, actor: AuditActor): Promise<ReplayResult> {
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ status: deliveries.status, deliveryId: deliveries.deliveryId, event: deliveries.event })
      .from(deliveries)
      .where(and(eq(deliveries.id, id), eq(deliveries.repositoryId, repositoryId)))
    if (!row) return { ok: false, reason: 'not_found' } as const
    if (row.status === 'processing') return { ok: false, reason: 'busy' } as const
    const now = Date.now()
    await tx
      .update(deliveries)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: now, leasedUntil: null, lastError: null, processedAt: null })
      .where(and(eq(deliveries.id, id), eq(deliveries.repositoryId, repositoryId), ne(deliveries.status, 'processing')))
    await recordAudit(
      {
        action: 'delivery.replay',
        actor,
        targetType: 'delivery',
        targetId: String(id),
        detail: { repositoryId, deliveryId: row.deliveryId, event: row.event, previousStatus: row.status },
      },
      tx,
    )
    return { ok: true } as const
  })
}

const listColumns = {
  id: deliveries.id,
  deliveryId: deliveries.deliveryId,
  event: deliveries.event,
  status: deliveries.status,
  attempts: deliveries.attempts,
  lastError: deliveries.lastError,
  receivedAt: deliveries.receivedAt,
  processedAt: deliveries.processedAt,
  nextAttemptAt: deliveries.nextAttemptAt,
}

export async function getDelivery(repositoryId: string, id: number) {
  const [row] = await getDb()
    .select({ ...listColumns, provider: deliveries.provider, payload: deliveryPayloads.payload, repositoryName: repositories.name })
    .from(deliveries)
    .innerJoin(repositories, eq(repositories.id, deliveries.repositoryId))
    .innerJoin(deliveryPayloads, eq(deliveryPayloads.deliveryId, deliveries.id))
    .where(and(eq(deliveries.id, id), eq(deliveries.repositoryId, repositoryId)))
  return row
}

export async function listRecentDeliveries(repositoryId: string, limit = 25) {
  return getDb()
    .select(listColumns)
    .from(deliveries)
    .where(eq(deliveries.repositoryId, repositoryId))
    .orderBy(desc(deliveries.receivedAt), desc(deliveries.id))
    .limit(limit)
}

export const HEALTH_DAYS = 14

/**
 * A repository's connection health: its last delivery, deliveries and failures per UTC day over the
 * last HEALTH_DAYS days (oldest first, empty days included), retries waiting, and recent failures.
 *
 * Each count is answered from an index (repository + time, or status + next attempt), so that it
 * reads no delivery row. A failed delivery's next_attempt_at is when it
 * failed: failures count on the day they happened.
 */
export async function deliveryHealth(repositoryId: string, now = Date.now()) {
  const db = getDb()
  const today = Math.floor(now / DAY_MS)
  const since = (today - HEALTH_DAYS + 1) * DAY_MS
  // The divisor is written into the SQL: bound, it arrives as a REAL and the division is no longer by whole days.
  const dayOf = (column: typeof deliveries.receivedAt | typeof deliveries.nextAttemptAt) => sql<number>`${column} / ${sql.raw(String(DAY_MS))}`
  const receivedDay = dayOf(deliveries.receivedAt)
  const failedDay = dayOf(deliveries.nextAttemptAt)
  const [last, received, failedPerDay, failures, retrying] = await Promise.all([
    db.select(listColumns).from(deliveries).where(eq(deliveries.repositoryId, repositoryId)).orderBy(desc(deliveries.receivedAt), desc(deliveries.id)).limit(1),
    db
      .select({ day: receivedDay, n: sql<number>`count(*)` })
      .from(deliveries)
      .where(and(eq(deliveries.repositoryId, repositoryId), gte(deliveries.receivedAt, since)))
      .groupBy(receivedDay),
    db
      .select({ day: failedDay, n: sql<number>`count(*)` })
      .from(deliveries)
      .where(and(eq(deliveries.status, 'failed'), gte(deliveries.nextAttemptAt, since), eq(deliveries.repositoryId, repositoryId)))
      .groupBy(failedDay),
    db
      .select(listColumns)
      .from(deliveries)
      .where(and(eq(deliveries.status, 'failed'), eq(deliveries.repositoryId, repositoryId)))
      .orderBy(desc(deliveries.nextAttemptAt), desc(deliveries.id))
      .limit(5),
    // New deliveries are due at once; a pending one due later is waiting to be retried.
    db
      .select({ n: sql<number>`count(*)` })
      .from(deliveries)
      .where(and(eq(deliveries.status, 'pending'), gt(deliveries.nextAttemptAt, now), eq(deliveries.repositoryId, repositoryId))),
  ])
  const totals = new Map(received.map((row) => [Number(row.day), Number(row.n)]))
  const failed = new Map(failedPerDay.map((row) => [Number(row.day), Number(row.n)]))
  const days = Array.from({ length: HEALTH_DAYS }, (_, index) => {
    const number = today - HEALTH_DAYS + 1 + index
    return { date: new Date(number * DAY_MS).toISOString().slice(0, 10), total: totals.get(number) ?? 0, failed: failed.get(number) ?? 0 }
  })
  return {
    last: last[0] ?? null,
    days,
    failedInPeriod: days.reduce((sum, entry) => sum + entry.failed, 0),
    totalInPeriod: days.reduce((sum, entry) => sum + entry.total, 0),
    retrying: Number(retrying[0]?.n ?? 0),
    recentFailures: failures,
  }
}
