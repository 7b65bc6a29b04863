// Background work inside the server process. Each worker claims its work through leases in the
// database, so several replicas can run the same workers without doing anything twice.
import { getLogger } from '../observability/logger.server'
import { singleton } from '../utils/singleton.server'

export interface Worker {
  name: string
  /** How often to look for work when nothing nudges the worker. */
  idleIntervalMs: number
  /**
   * Does one round of work; returns how many items it handled (0: nothing was due), or
   * HELD_ELSEWHERE when another process holds the work's lease: nudges cannot help then, so the
   * worker waits its idle interval before it asks again.
   */
  runOnce(): Promise<number | typeof HELD_ELSEWHERE>
  /** Called once its loop has ended at shutdown: hand over what the worker holds (a lease). */
  stop?(): Promise<void>
}

export const HELD_ELSEWHERE = 'held-elsewhere'

interface WorkerState {
  worker: Worker
  /** Ends the current sleep early when the worker is nudged. */
  wake?: () => void
  /** Ends the current sleep at shutdown. */
  stopping?: () => void
  nudged: boolean
  running: Promise<void>
}

interface Registry {
  started: boolean
  stopping: boolean
  states: Map<string, WorkerState>
  /** Workers that run in another thread, and how to nudge them there. */
  elsewhere: Map<string, (name: string) => void>
}

const registry = singleton<Registry>('workers', () => ({ started: false, stopping: false, states: new Map(), elsewhere: new Map() }))

const ERROR_BACKOFF_MS = 1000

async function loop(state: WorkerState) {
  const logger = getLogger().child({ worker: state.worker.name })
  while (!registry.stopping) {
    let handled: number | typeof HELD_ELSEWHERE = 0
    try {
      state.nudged = false
      handled = await state.worker.runOnce()
    } catch (error) {
      logger.error({ err: error }, 'worker round failed')
      await sleep(ERROR_BACKOFF_MS, state)
      continue
    }
    if (handled === HELD_ELSEWHERE) {
      await sleep(state.worker.idleIntervalMs, state, { wokenByNudges: false })
      continue
    }
    // More may be waiting: go again at once, but let requests in between rounds.
    if (handled > 0 || state.nudged) {
      await new Promise((resolve) => setImmediate(resolve))
      continue
    }
    await sleep(state.worker.idleIntervalMs, state)
  }
}

/** Waits `ms`, or less when shutdown begins (or, unless told otherwise, when the worker is nudged). */
function sleep(ms: number, state: WorkerState, options = { wokenByNudges: true }) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      state.wake = undefined
      state.stopping = undefined
      resolve()
    }
    if (options.wokenByNudges) state.wake = done
    state.stopping = done
  })
}

/** Starts every worker once per process. */
export function startWorkers(workers: Worker[]) {
  if (registry.started) return
  registry.started = true
  registry.stopping = false
  for (const worker of workers) {
    const state: WorkerState = { worker, nudged: false, running: Promise.resolve() }
    registry.states.set(worker.name, state)
    state.running = loop(state)
  }
}

/** Tells a worker that work is waiting, so it runs now rather than at its next interval. */
export function nudgeWorker(name: string) {
  const state = registry.states.get(name)
  if (!state) return registry.elsewhere.get(name)?.(name)
  state.nudged = true
  // Never run the worker inside the caller's turn: the caller may be in the middle of a transaction.
  setImmediate(() => state.wake?.())
}

/** Nudges for these workers go to `forward`: they run in another thread (see background-thread.server.ts). */
export function forwardNudges(names: string[], forward: ((name: string) => void) | null) {
  for (const name of names) {
    if (forward) registry.elsewhere.set(name, forward)
    else registry.elsewhere.delete(name)
  }
}

/** True once shutdown has begun: long rounds (a git import) stop at their next safe point. */
export function isShuttingDown(): boolean {
  return registry.stopping
}

/** Lets each worker finish its current round, then stops them all. */
export async function stopWorkers() {
  registry.stopping = true
  for (const state of registry.states.values()) state.stopping?.()
  await Promise.all([...registry.states.values()].map((state) => state.running))
  for (const state of registry.states.values()) {
    try {
      await state.worker.stop?.()
    } catch (error) {
      getLogger().warn({ err: error, worker: state.worker.name }, 'a worker did not stop cleanly')
    }
  }
  registry.states.clear()
  registry.started = false
}
