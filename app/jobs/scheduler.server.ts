// Scheduled jobs inside the server process: croner calls each job on its pattern (every minute for
// digests), and a job's tick runs only while this replica holds the job's lease in the database, so
// several replicas on one database run each tick once. A tick that is still running when the next
// minute comes is not started again (croner's `protect`).
import { Cron } from 'croner'
import { getLogger } from '../observability/logger.server'
import { singleton } from '../utils/singleton.server'
import { withLease } from './leases.server'

export interface ScheduledJob {
  name: string
  /** A cron pattern (croner syntax; six fields include seconds). */
  pattern: string
  /** How long a tick may hold the lease without renewing it (it renews while it runs). */
  leaseMs: number
  /** One tick, as at `now`. Returns something worth a log line. Stops early (between transactions) once `signal` aborts. */
  tick(now: number, signal?: AbortSignal): Promise<unknown>
}

interface SchedulerState {
  crons: Cron[]
  running: Set<Promise<unknown>>
  stopping: AbortController
}

const state = singleton<SchedulerState>('scheduler', () => ({
  crons: [],
  running: new Set(),
  stopping: new AbortController(),
}))

/** One tick under the job's lease: `{ ran: false }` when another replica holds it. */
export async function runScheduledTick(job: ScheduledJob, now = Date.now(), signal?: AbortSignal) {
  return withLease(`job:${job.name}`, job.leaseMs, () => job.tick(now, signal))
}

/** Starts every job's schedule once per process. */
export function startScheduler(jobs: ScheduledJob[]) {
  if (state.crons.length) return
  state.stopping = new AbortController()
  const { signal } = state.stopping
  const logger = getLogger()
  for (const job of jobs) {
    const cron = new Cron(job.pattern, { name: `inquest:${job.name}`, protect: true }, async () => {
      const run = runScheduledTick(job, Date.now(), signal)
      state.running.add(run)
      try {
        const outcome = await run
        if (outcome.ran) logger.debug({ job: job.name, result: outcome.result }, 'scheduled tick')
      } catch (error) {
        logger.error({ err: error, job: job.name }, 'scheduled tick failed')
      } finally {
        state.running.delete(run)
      }
    })
    state.crons.push(cron)
  }
}

/** Stops the schedules, asks ticks in progress to stop after their current transaction, and waits for them. */
export async function stopScheduler() {
  state.stopping.abort()
  for (const cron of state.crons) cron.stop()
  state.crons = []
  await Promise.allSettled([...state.running])
}
