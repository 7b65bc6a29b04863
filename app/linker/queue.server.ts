// Work for the linker that its feeds cannot see: a CI run whose state changed (written by
// upsertCiRun in the same transaction, so the run and its queue row commit together), a link decision,
// an episode whose suspects cite an episode that changed, or a full recompute someone asked for. The
// linker worker empties the queue.
import { sql } from 'drizzle-orm'
import { linkerQueue } from '../../db/schema'
import type { Tx } from '../connectors/timeline.server'
import { nudgeWorker } from '../jobs/workers.server'

export const LINKER_WORKER = 'linker'

/** Tells the linker that this run changed. Call inside the transaction that changed it. */
export async function enqueueRunChange(tx: Tx, repositoryId: string, runId: number) {
  await enqueueRunChanges(tx, [{ repositoryId, id: runId }])
}

/** Tells the linker that these runs changed, in one statement. Call inside the transaction that changed them. */
export async function enqueueRunChanges(tx: Tx, runs: Array<{ repositoryId: string; id: number }>) {
  if (runs.length === 0) return
  await tx.run(sql`insert into linker_queue (kind, repository_id, ref, created_at)
    select 'run', value ->> 0, value ->> 1, ${Date.now()} from json_each(${JSON.stringify(runs.map((run) => [run.repositoryId, String(run.id)]))})`)
  nudgeWorker(LINKER_WORKER)
}

/** Asks the linker to rebuild everything it derived for a repository (decisions are kept). */
export async function enqueueRecompute(tx: Tx, repositoryId: string) {
  await tx.insert(linkerQueue).values({ kind: 'recompute', repositoryId, ref: null, createdAt: Date.now() })
  nudgeWorker(LINKER_WORKER)
}

/**
 * Asks the linker to score again the later red episodes whose "same author as an earlier red
 * episode" reasons may cite `episodeIds` (optionally only their change `sha`): those that share an
 * (author, file) pair with them, as episode_file_authors holds it when this runs. Call inside the
 * transaction that changes the episodes (a range, a deletion, a suspect decision), before and after
 * the change: an episode may cite the old pairs or the new ones. `except`: episodes being scored
 * anyway. One hop is enough: scoring an episode changes no one's pairs.
 */
export async function enqueueDependentRescores(tx: Tx, episodeIds: number[], options: { sha?: string; except?: number[]; now?: number } = {}) {
  if (episodeIds.length === 0) return
  const except = JSON.stringify(options.except ?? [])
  const result = await tx.run(sql`
    insert into linker_queue (kind, repository_id, ref, created_at)
    select distinct 'rescore', theirs.repository_id, cast(theirs.episode_id as text), ${options.now ?? Date.now()}
    from episode_file_authors mine
    join episode_file_authors theirs on theirs.repository_id = mine.repository_id and theirs.path = mine.path
      and theirs.author_email = mine.author_email and theirs.opened_at > mine.opened_at
    where mine.episode_id in (select value from json_each(${JSON.stringify(episodeIds)}))
      ${options.sha === undefined ? sql`` : sql`and mine.sha = ${options.sha}`}
      and theirs.episode_id not in (select value from json_each(${JSON.stringify(episodeIds)}))
      and theirs.episode_id not in (select value from json_each(${except}))
      and not exists (select 1 from linker_queue q where q.kind = 'rescore' and q.ref = cast(theirs.episode_id as text))`)
  if (result.rowsAffected > 0) nudgeWorker(LINKER_WORKER)
}
