// The delivery worker: claims due deliveries with a lease, turns each into commits, CI runs and
// events, and settles them, a batch per transaction.
import { getDb } from '../../db.server'
import type { Worker } from '../../jobs/workers.server'
import { getLogger } from '../../observability/logger.server'
import { upsertCiRuns } from '../ci-runs-batch.server'
import type { CiRunInput } from '../ci-runs.server'
import type { Tx } from '../timeline.server'
import { claimDelivery, markIgnored, peekDueDeliveries, settleDeliveries, takePeeked, type ClaimedDelivery, type Settlement } from './deliveries.server'
import { githubCiRunInput, processGithubDelivery } from './github.server'
import { gitlabCiRunInput, processGitlabDelivery } from './gitlab.server'
import { DELIVERY_WORKER } from './intake.server'
import { PermanentDeliveryError } from './normalize.server'

/**
 * How long one batch may hold the database's write turn. The worker runs in the background thread,
 * but while its transaction runs, webhook intake waits for the turn to record deliveries: the
 * worker sizes its batches to fit (a workflow run, batched, takes about 0.2 ms; a commit about
 * 0.5 ms whatever the batch holds). Payloads are read and parsed before the turn is taken.
 */
const BATCH_BUDGET_MS = 5
const MIN_BATCH = 4
export const MAX_BATCH = 128
let msPerDelivery = 0.5

/** How many deliveries fit in the budget, from what the last batches took. */
function batchSize() {
  return Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.floor(BATCH_BUDGET_MS / msPerDelivery)))
}

function learn(elapsedMs: number, count: number) {
  msPerDelivery = 0.7 * msPerDelivery + 0.3 * Math.max(0.05, elapsedMs / count)
}

/** The CI run a delivery stands for, if that is all it does: those are stored a batch at a time. */
function ciRunInputOf(delivery: ClaimedDelivery): CiRunInput | null {
  if (delivery.provider === 'github') return githubCiRunInput(delivery)
  if (delivery.provider === 'gitlab') return gitlabCiRunInput(delivery)
  return null
}

/** Processes claimed deliveries in order; consecutive CI run deliveries go in through one upsert. */
async function processBatch(tx: Tx, claimed: ClaimedDelivery[]): Promise<Settlement[]> {
  const settlements: Settlement[] = []
  let runs: CiRunInput[] = []
  const flushRuns = async () => {
    if (runs.length) await upsertCiRuns(tx, runs)
    runs = []
  }
  for (const delivery of claimed) {
    const run = ciRunInputOf(delivery)
    if (run) {
      runs.push(run)
      settlements.push({ id: delivery.id, status: 'processed' })
      continue
    }
    // Anything else may touch what the runs before it wrote: those go in first.
    await flushRuns()
    settlements.push({ id: delivery.id, status: await processOne(tx, delivery) })
  }
  await flushRuns()
  return settlements
}

async function processOne(tx: Tx, delivery: ClaimedDelivery): Promise<'processed' | 'ignored'> {
  if (delivery.provider === 'github') return processGithubDelivery(tx, delivery)
  if (delivery.provider === 'gitlab') return processGitlabDelivery(tx, delivery)
  return 'ignored'
}

/** The innermost cause's message: Drizzle wraps a database error in one that repeats the query and its parameters. */
function errorMessage(error: unknown): string {
  let current = error
  while (current instanceof Error && current.cause instanceof Error) current = current.cause
  return current instanceof Error ? current.message : String(current)
}

function failure(delivery: ClaimedDelivery, error: unknown): Settlement {
  const message = errorMessage(error)
  // A payload that is not JSON, or lacks what the event needs, fails the same way every time.
  const permanent = error instanceof PermanentDeliveryError || error instanceof SyntaxError
  return { id: delivery.id, status: 'error', attempts: delivery.attempts, error: message, permanent }
}

/**
 * One round, in one transaction: take up to `limit` due deliveries (read and parsed before), process
 * them and mark them done. If one of them fails, the transaction rolls back and each delivery is
 * claimed, processed and settled on its own, so one bad delivery holds up none of the others.
 * Returns how many were taken.
 */
export async function processDueDeliveries(limit = batchSize()): Promise<number> {
  // Workers start together, and other workers are nudged from inside transactions: begin on a turn
  // of the event loop of our own.
  await new Promise((resolve) => setImmediate(resolve))
  // Read and parse first, outside the transaction: it holds the write turn only for the writes.
  const peeked = await peekDueDeliveries(limit)
  if (peeked.length === 0) return 0
  // Timed from when the transaction has the write turn: waiting for it is not the batch's cost.
  let began = 0
  let claimed: ClaimedDelivery[] = []
  try {
    await getDb().transaction(async (tx) => {
      began = performance.now()
      claimed = await takePeeked(tx, peeked, Date.now())
      const settlements = await processBatch(tx, claimed)
      await markIgnored(
        tx,
        settlements.filter((settlement) => settlement.status === 'ignored').map((settlement) => settlement.id),
      )
    })
    if (claimed.length) learn(performance.now() - began, claimed.length)
    return claimed.length
  } catch (error) {
    // Nothing was claimed: the database itself failed, and the worker loop backs off.
    if (claimed.length === 0) throw error
    if (claimed.length > 1) getLogger().info({ err: error, worker: DELIVERY_WORKER, deliveries: claimed.length }, 'a batch failed; processing its deliveries one by one')
  }
  for (const { id } of claimed) await processAlone(id)
  return claimed.length
}

/** Claims one delivery (its lease committed on its own), then processes and settles it. */
async function processAlone(id: number) {
  const delivery = await claimDelivery(id)
  if (!delivery) return
  try {
    await getDb().transaction(async (tx) => settleDeliveries(tx, [{ id: delivery.id, status: await processOne(tx, delivery) }]))
  } catch (error) {
    getLogger().warn({ err: error, worker: DELIVERY_WORKER, delivery: delivery.id, event: delivery.event }, 'delivery failed')
    await getDb().transaction((tx) => settleDeliveries(tx, [failure(delivery, error)]))
  }
}

/**
 * After a small batch, how long the worker lets deliveries gather before the next one. Each batch
 * pays for its claim, settle and commit, and wakes the linker for a round of its own: under a steady
 * stream, batches of a few deliveries each spend more on that than on the deliveries. A delivery
 * waits at most this much longer to be processed; its 202 does not wait at all.
 */
const GATHER_MS = 25
const GATHER_BELOW = 64

export const deliveryWorker: Worker = {
  name: DELIVERY_WORKER,
  // Webhook requests nudge the worker; the interval picks up retries that come due.
  idleIntervalMs: 1000,
  async runOnce() {
    const limit = batchSize()
    const handled = await processDueDeliveries(limit)
    // A full batch means more are waiting: go on at once.
    if (handled > 0 && handled < Math.min(limit, GATHER_BELOW)) await new Promise((resolve) => setTimeout(resolve, GATHER_MS))
    return handled
  },
}
