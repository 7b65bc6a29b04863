// Creates or updates CI runs from any source (GitHub, GitLab, the CI API). Deliveries may arrive in
// any order: a run never moves back from completed, and an older state never overwrites a newer one.
import type { RunStatus } from '../../db/schema'
import { upsertCiRuns } from './ci-runs-batch.server'
import type { Tx } from './timeline.server'

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

/** Stores the run's state unless what is stored is newer (the same path as a batch of one). */
export async function upsertCiRun(tx: Tx, input: CiRunInput) {
  const [run] = await upsertCiRuns(tx, [input])
  // Nothing back: the stored state was newer, and stays.
  return run ? { run, changed: true } : { run: null, changed: false }
}
