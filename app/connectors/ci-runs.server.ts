// Creates or updates CI runs from any source (GitHub, GitLab, the CI API). Deliveries may arrive in
// any order: a run never moves back from completed, and an older state never overwrites a newer one.
import { sql } from 'drizzle-orm'
import { ciRuns, type RunStatus } from '../../db/schema'
import { enqueueRunChange } from '../linker/queue.server'
import { updateEvent, type Tx } from './timeline.server'

export interface CiRunInput {
  repositoryId: string
  provider: string
  kind: string
  externalId: string
  attempt: number
  name: string
  branch: string | null
  headSha: string
  status: RunStatus
  conclusion: string | null
  startedAt: number | null
  completedAt: number | null
  url: string | null
  /** The provider's time for this state (updated_at); decides between two deliveries of one run. */
  sourceUpdatedAt: number
  sourceDeliveryId?: number | null
}

const rank = (column: string) => sql.raw(`(case ${column} when 'completed' then 2 when 'in_progress' then 1 else 0 end)`)

/** Stores the run's state unless what is stored is newer. Returns the stored row. */
export async function upsertCiRun(tx: Tx, input: CiRunInput) {
  const now = Date.now()
  const [row] = await tx
    .insert(ciRuns)
    .values({ ...input, sourceDeliveryId: input.sourceDeliveryId ?? null, createdAt: now })
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
  // No row back: the stored state was newer, and stays.
  if (!row) return { run: null, changed: false }
  await updateEvent(tx, {
    kind: 'ci_run',
    at: row.completedAt ?? row.startedAt ?? row.sourceUpdatedAt,
    repositoryId: row.repositoryId,
    branch: row.branch,
    sha: row.headSha,
    title: `${row.name} #${row.externalId}${row.attempt > 1 ? ` (attempt ${row.attempt})` : ''}: ${row.conclusion ?? row.status.replace('_', ' ')}`,
    link: row.url,
    refId: String(row.id),
    sourceDeliveryId: row.sourceDeliveryId,
  })
  // The linker re-reads the run once this transaction commits (links, ranges, suspects).
  await enqueueRunChange(tx, row.repositoryId, row.id)
  return { run: row, changed: true }
}
