// Runs inside the server's background thread: every background worker and scheduled job, on a
// database connection of its own whose turns it borrows from the request thread. Started by
// background-thread.server.ts; nothing else imports this module.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { leaveCheckpointsToOthers } from '../db-checkpoints.server'
import { borrowTurns, closeDatabase, configureDatabase, getClient } from '../db.server'
import { stopReader } from '../db-reader.server'
import { getEnv } from '../env.server'
import { getLogger } from '../observability/logger.server'
import { allScheduledJobs, allWorkers } from './registry.server'
import { startScheduler, stopScheduler } from './scheduler.server'
import { nudgeWorker, startWorkers, stopWorkers } from './workers.server'

export type ToBackground = { type: 'nudge'; name: string } | { type: 'stop' }
export type FromBackground = { type: 'ready'; workers: string[] } | { type: 'stopped' }

const port = parentPort!
const { turns } = workerData as { turns: MessagePort }

borrowTurns(turns)
await configureDatabase(getClient(), getEnv().DATABASE_URL)
await leaveCheckpointsToOthers(getClient(), getEnv())
const workers = await allWorkers()
startWorkers(workers)
startScheduler(await allScheduledJobs())
port.postMessage({ type: 'ready', workers: workers.map((worker) => worker.name) } satisfies FromBackground)

port.on('message', async (message: ToBackground) => {
  if (message.type === 'nudge') nudgeWorker(message.name)
  if (message.type === 'stop') {
    try {
      await stopScheduler()
      await stopWorkers()
      await stopReader()
    } catch (error) {
      getLogger().error({ err: error }, 'the background thread did not stop cleanly')
    }
    closeDatabase()
    port.postMessage({ type: 'stopped' } satisfies FromBackground)
    turns.close()
    port.close()
  }
})
