// The one way CI runs are stored, for one run (upsertCiRun) or a batch (the delivery worker): one
// INSERT into ci_runs and one into events per batch. A run never moves back from completed, and an
// older state never overwrites a newer one; each stored change gets its event row and the linker's
// hook, in input order, as if the runs had been stored one by one.
import { sql } from 'drizzle-orm'
import { ciRuns, events } from '../../db/schema'
import { enqueueRunChanges } from '../linker/queue.server'
import type { CiRunInput } from './ci-runs.server'
import type { Tx } from './timeline.server'

// SQLite allows 32,766 bound parameters per statement: a ci_runs row binds 17, an event 10.
const MAX_ROWS = 1000

const rank = (column: string) => sql.raw(`(case ${column} when 'completed' then 2 when 'in_progress' then 1 else 0 end)`)

const identity = (input: CiRunInput) => `${input.repositoryId}\0${input.provider}\0${input.externalId}\0${input.attempt}`

/**
 * Groups of consecutive inputs in which no run appears twice. SQLite applies the rows of one INSERT in
 * order, but the order of RETURNING rows is not defined: with each run once per statement, every
 * returned row is that run's final state in the statement, and input order puts them back in order.
 */
function groups(inputs: CiRunInput[]): CiRunInput[][] {
  const out: CiRunInput[][] = []
  let current: CiRunInput[] = []
  let seen = new Set<string>()
  for (const input of inputs) {
    const key = identity(input)
    if (seen.has(key) || current.length >= MAX_ROWS) {
      out.push(current)
      current = []
      seen = new Set()
    }
    seen.add(key)
    current.push(input)
  }
  if (current.length) out.push(current)
  return out
}

/** Stores each run's state unless what is stored is newer. Returns the runs that changed. */
export async function upsertCiRuns(tx: Tx, inputs: CiRunInput[]) {
  const changed: Array<typeof ciRuns.$inferSelect> = []
  for (const group of groups(inputs)) changed.push(...(await upsertGroup(tx, group)))
  return changed
}

async function upsertGroup(tx: Tx, inputs: CiRunInput[]) {
  if (inputs.length === 0) return []
  const now = Date.now()
  const returned = await tx
    .insert(ciRuns)
    .values(inputs.map((input) => ({ ...input, sourceDeliveryId: input.sourceDeliveryId ?? null, createdAt: now })))
    .onConflictDoUpdate({
      target: [ciRuns.repositoryId, ciRuns.provider, ciRuns.externalId, ciRuns.attempt],
      set: {
        name: sql`excluded.name`,
        kind: sql`excluded.kind`,
        branch: sql`coalesce(excluded.branch, ci_runs.branch)`,
        headSha: sql`excluded.head_sha`,
        status: sql`excluded.status`,
        conclusion: sql`excluded.conclusion`,
        startedAt: sql`coalesce(excluded.started_at, ci_runs.started_at)`,
        completedAt: sql`coalesce(excluded.completed_at, ci_runs.completed_at)`,
        url: sql`coalesce(excluded.url, ci_runs.url)`,
        sourceUpdatedAt: sql`excluded.source_updated_at`,
        sourceDeliveryId: sql`excluded.source_delivery_id`,
      },
      setWhere: sql`${rank('excluded.status')} > ${rank('ci_runs.status')} or (${rank('excluded.status')} = ${rank('ci_runs.status')} and excluded.source_updated_at >= ci_runs.source_updated_at)`,
    })
    .returning()
  // No row back for a run: the stored state was newer, and stays.
  if (returned.length === 0) return []
  const order = new Map(inputs.map((input, index) => [identity(input), index]))
  const rows = returned.sort((a, b) => (order.get(identity(a)) ?? 0) - (order.get(identity(b)) ?? 0))

  // One timeline event per run, updated as the run's state changes.
  await tx
    .insert(events)
    .values(
      rows.map((row) => ({
        kind: 'ci_run' as const,
        at: row.completedAt ?? row.startedAt ?? row.sourceUpdatedAt,
        repositoryId: row.repositoryId,
        branch: row.branch,
        sha: row.headSha,
        title: `${row.name} #${row.externalId}${row.attempt > 1 ? ` (attempt ${row.attempt})` : ''}: ${row.conclusion ?? row.status.replace('_', ' ')}`,
        link: row.url,
        refId: String(row.id),
        sourceDeliveryId: row.sourceDeliveryId,
      })),
    )
    .onConflictDoUpdate({
      target: [events.kind, events.repositoryId, events.refId],
      set: {
        at: sql`excluded.at`,
        title: sql`excluded.title`,
        link: sql`excluded.link`,
        branch: sql`excluded.branch`,
        sourceDeliveryId: sql`excluded.source_delivery_id`,
      },
    })
  // The linker re-reads each run once this transaction commits, as upsertCiRun asks it to.
  await enqueueRunChanges(tx, rows)
  return rows
}
