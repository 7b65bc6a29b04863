// Work for the linker that its feeds cannot see: a CI run whose state changed (written by
// upsertCiRun in the same transaction, so the run and its queue row commit together), a link decision,
// or a full recompute someone asked for. The linker worker empties the queue.
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
