// The linker as a background worker. One process at a time holds the linker's lease (a row in
// linker_state), so replicas never derive the same thing twice; a process that takes the lease over
// from another drops its caches first, since the other may have written in between.
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { sql } from 'drizzle-orm'
import { getDb } from '../db.server'
import { warmReader } from '../db-reader.server'
import { HELD_ELSEWHERE, type Worker } from '../jobs/workers.server'
import { getLogger } from '../observability/logger.server'
import { singleton } from '../utils/singleton.server'
import { Linker } from './engine.server'
import { firstRow } from './sql.server'
import { LINKER_WORKER } from './queue.server'

/** A lease outlives a slow round many times over; a crashed holder is replaced after this. */
const LEASE_MS = 60_000

const holder = singleton('linker-holder', () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`)

/** The process's one linker and its caches. */
export function getLinker(): Linker {
  return singleton('linker', () => new Linker())
}

/** Cheap reads only: is anything waiting (queue, new events or test results, a finished import)? */
export async function linkerHasWork(): Promise<boolean> {
  const row = await getDb().get<{
    queued: number
    events: number | null
    tests: number | null
    imports: number | null
    events_after: number | null
    tests_after: number | null
    imports_after: number | null
    initialized: number | null
  }>(sql`
    select exists (select 1 from linker_queue) as queued,
      (select max(id) from events) as events,
      (select max(id) from test_results) as tests,
      (select max(finished_at) from git_imports where status = 'succeeded') as imports,
      (select int_value from linker_state where key = 'events_after') as events_after,
      (select int_value from linker_state where key = 'tests_after') as tests_after,
      (select int_value from linker_state where key = 'imports_after') as imports_after,
      (select int_value from linker_state where key = 'initialized') as initialized`)
  if (!row) return false
  return (
    !row.initialized ||
    row.queued === 1 ||
    (row.events ?? 0) > (row.events_after ?? 0) ||
    (row.tests ?? 0) > (row.tests_after ?? 0) ||
    (row.imports ?? 0) > (row.imports_after ?? 0)
  )
}

/** Takes or renews the lease. `takenOver`: someone else held it last, so caches are stale. */
async function acquireLease(): Promise<{ held: boolean; takenOver: boolean }> {
  const db = getDb()
  const now = Date.now()
  const before = await firstRow<{ text_value: string | null }>(db, sql`select text_value from linker_state where key = 'lease'`)
  const row = await firstRow<{ key: string }>(
    db,
    sql`
    insert into linker_state (key, text_value, int_value, updated_at) values ('lease', ${holder}, ${now + LEASE_MS}, ${now})
    on conflict (key) do update set text_value = excluded.text_value, int_value = excluded.int_value, updated_at = excluded.updated_at
    where linker_state.text_value = excluded.text_value or linker_state.int_value < ${now}
    returning key`,
  )
  return { held: !!row, takenOver: before?.text_value !== holder }
}

/**
 * Hands the lease back at once, if this process holds it, so that the next process (a restarted
 * server, or the server after a seed) takes over now rather than when the lease runs out.
 */
export async function releaseLinkerLease() {
  await getDb().run(sql`update linker_state set int_value = 0, updated_at = ${Date.now()} where key = 'lease' and text_value = ${holder}`)
}

/** One round of the worker: how much it handled (0 when idle), or HELD_ELSEWHERE when another process holds the lease. */
export async function runLinkerRound(): Promise<number | typeof HELD_ELSEWHERE> {
  if (!(await linkerHasWork())) return 0
  const lease = await acquireLease()
  if (!lease.held) return HELD_ELSEWHERE
  const linker = getLinker()
  // A full recompute reads beside this thread: have the reader ready before the first one.
  warmReader()
  if (lease.takenOver) linker.reset()
  const started = performance.now()
  const stats = await linker.runRound({ holder })
  if (stats.recomputed.length || stats.episodesWritten || stats.episodesDeleted) {
    getLogger().info({ worker: LINKER_WORKER, ...stats, ms: Math.round(performance.now() - started) }, 'linker round')
  }
  return stats.handled
}

/**
 * After a round that did something, how long the linker lets more work gather before the next. A
 * round costs about the same for one run as for a hundred (its reads and its transaction), and under
 * a stream of deliveries every batch nudges it: without the pause it would run a round per batch.
 */
const GATHER_MS = 100

export const linkerWorker: Worker = {
  name: LINKER_WORKER,
  // upsertCiRun nudges the worker; the interval picks up pushes, imports and test results.
  idleIntervalMs: 1000,
  async runOnce() {
    const handled = await runLinkerRound()
    if (typeof handled === 'number' && handled > 0) await new Promise((resolve) => setTimeout(resolve, GATHER_MS))
    return handled
  },
  stop: releaseLinkerLease,
}
