// The one way CI runs are stored, for one run (upsertCiRun) or a batch (the delivery worker): one
// INSERT into ci_runs and one into events per batch. A run never moves back from completed, and an
// older state never overwrites a newer one; each stored change gets its event row and the linker's
// hook, in input order, as if the runs had been stored one by one.
import { sql } from 'drizzle-orm'
import type { ciRuns } from '../../db/schema'
import { enqueueRunChanges } from '../linker/queue.server'
import { rowsTable } from '../utils/json-rows.server'
import type { CiRunInput } from './ci-runs.server'
import type { Tx } from './timeline.server'

/** Rows per statement: each goes in as one JSON parameter (see the linker's sql.server.ts). */
const MAX_ROWS = 1000

type CiRun = typeof ciRuns.$inferSelect

const rank = (column: string) => `(case ${column} when 'completed' then 2 when 'in_progress' then 1 else 0 end)`

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
  const changed: CiRun[] = []
  for (const group of groups(inputs)) changed.push(...(await upsertGroup(tx, group)))
  return changed
}

const RUN_COLUMNS =
  'id, repository_id, provider, kind, external_id, attempt, name, branch, head_sha, status, conclusion, started_at, completed_at, url, source_updated_at, source_delivery_id, created_at'

function runFromRow(row: Record<string, unknown>): CiRun {
  return {
    id: Number(row.id),
    repositoryId: String(row.repository_id),
    provider: String(row.provider),
    kind: String(row.kind),
    externalId: String(row.external_id),
    attempt: Number(row.attempt),
    name: String(row.name),
    branch: row.branch === null ? null : String(row.branch),
    headSha: String(row.head_sha),
    status: row.status as CiRun['status'],
    conclusion: row.conclusion === null ? null : String(row.conclusion),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
    url: row.url === null ? null : String(row.url),
    sourceUpdatedAt: Number(row.source_updated_at),
    sourceDeliveryId: row.source_delivery_id === null ? null : Number(row.source_delivery_id),
    createdAt: Number(row.created_at),
  }
}

// Hand-written rather than built by Drizzle: the delivery worker runs this inside the write turn
// that webhook intake waits for, and building and mapping a multi-row insert cost several times
// what SQLite takes to run it.
async function upsertGroup(tx: Tx, inputs: CiRunInput[]) {
  if (inputs.length === 0) return []
  const now = Date.now()
  const values = inputs.map((input) => [
    input.repositoryId,
    input.provider,
    input.kind,
    input.externalId,
    input.attempt,
    input.name,
    input.branch,
    input.headSha,
    input.status,
    input.conclusion,
    input.startedAt,
    input.completedAt,
    input.url,
    input.sourceUpdatedAt,
    input.sourceDeliveryId ?? null,
  ])
  const returned = await tx.all<Record<string, unknown>>(sql`
    with ${rowsTable(values)}
    insert into ci_runs (repository_id, provider, kind, external_id, attempt, name, branch, head_sha, status, conclusion,
      started_at, completed_at, url, source_updated_at, source_delivery_id, created_at)
    select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8,
      value ->> 9, value ->> 10, value ->> 11, value ->> 12, value ->> 13, value ->> 14, ${now}
    from rows where true
    on conflict (repository_id, provider, external_id, attempt) do update set
      name = excluded.name, kind = excluded.kind, branch = coalesce(excluded.branch, ci_runs.branch), head_sha = excluded.head_sha,
      status = excluded.status, conclusion = excluded.conclusion, started_at = coalesce(excluded.started_at, ci_runs.started_at),
      completed_at = coalesce(excluded.completed_at, ci_runs.completed_at), url = coalesce(excluded.url, ci_runs.url),
      source_updated_at = excluded.source_updated_at, source_delivery_id = excluded.source_delivery_id
    where ${sql.raw(rank('excluded.status'))} > ${sql.raw(rank('ci_runs.status'))}
      or (${sql.raw(rank('excluded.status'))} = ${sql.raw(rank('ci_runs.status'))} and excluded.source_updated_at >= ci_runs.source_updated_at)
    returning ${sql.raw(RUN_COLUMNS)}`)
  // No row back for a run: the stored state was newer, and stays.
  if (returned.length === 0) return []
  const order = new Map(inputs.map((input, index) => [identity(input), index]))
  const rows = returned.map(runFromRow).sort((a, b) => (order.get(identity(a)) ?? 0) - (order.get(identity(b)) ?? 0))

  // One timeline event per run, updated as the run's state changes.
  const eventValues = rows.map((row) => [
    row.completedAt ?? row.startedAt ?? row.sourceUpdatedAt,
    row.repositoryId,
    row.branch,
    row.headSha,
    `${row.name} #${row.externalId}${row.attempt > 1 ? ` (attempt ${row.attempt})` : ''}: ${row.conclusion ?? row.status.replace('_', ' ')}`,
    row.url,
    String(row.id),
    row.sourceDeliveryId,
  ])
  await tx.run(sql`
    with ${rowsTable(eventValues)}
    insert into events (kind, at, repository_id, branch, sha, title, link, ref_id, source_delivery_id)
    select 'ci_run', value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
    from rows where true
    on conflict (kind, repository_id, ref_id) do update set
      at = excluded.at, title = excluded.title, link = excluded.link, branch = excluded.branch, source_delivery_id = excluded.source_delivery_id`)
  // The linker re-reads each run once this transaction commits, as upsertCiRun asks it to.
  await enqueueRunChanges(tx, rows)
  return rows
}
