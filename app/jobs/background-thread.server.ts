// Background work in a thread of its own. libSQL's embedded database runs on the calling thread, so
// while a worker processes a batch of webhook deliveries, a git import writes 5,000 commits or the
// linker recomputes a repository, nothing else on that thread moves: every request waits. Here the
// request thread serves requests, and a worker thread (background-main.server.ts) runs every
// background worker and scheduled job on its own connection, on the machine's other core. The two
// connections never write at once: the background thread borrows its turns from the request
// thread's queue (lendTurns / borrowTurns in db.server.ts), so a request waits for a background
// write without blocking, as it would for a transaction of its own. Nudges from requests (a new
// delivery, a queued import, a mail) are forwarded to the thread. A thread that ends unexpectedly is
// started again.
//
// Imported by server.ts only: the thread's entry is found next to this module's source.
import { MessageChannel, Worker } from 'node:worker_threads'
import { lendTurns } from '../db.server'
import { getLogger } from '../observability/logger.server'
import type { FromBackground, ToBackground } from './background-main.server'
import { forwardNudges } from './workers.server'

/** How long the thread may take to finish its rounds at shutdown before it is ended. */
const STOP_TIMEOUT_MS = 30_000
const RESTART_DELAY_MS = 1000

export interface BackgroundThread {
  stop(): Promise<void>
}

export function startBackgroundThread(): BackgroundThread {
  const logger = getLogger().child({ component: 'background-thread' })
  let stopping = false
  let current: { worker: Worker; workers: string[]; returnTurns: () => void } | null = null

  const start = () => {
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(new URL('./background.worker.js', import.meta.url), { workerData: { turns: port2 }, transferList: [port2] })
    const running = { worker, workers: [] as string[], returnTurns: lendTurns(port1) }
    current = running
    worker.on('message', (message: FromBackground) => {
      if (message.type !== 'ready') return
      running.workers = message.workers
      forwardNudges(message.workers, (name) => worker.postMessage({ type: 'nudge', name } satisfies ToBackground))
      // Work may have come in while the thread was starting.
      for (const name of message.workers) worker.postMessage({ type: 'nudge', name } satisfies ToBackground)
    })
    worker.on('error', (error) => logger.error({ err: error }, 'the background thread failed'))
    worker.on('exit', (code) => {
      forwardNudges(running.workers, null)
      running.returnTurns()
      port1.close()
      if (current === running) current = null
      if (stopping) return
      logger.error({ code }, `the background thread ended (exit code ${code}); starting it again`)
      setTimeout(() => {
        if (!stopping) start()
      }, RESTART_DELAY_MS).unref()
    })
  }
  start()

  return {
    async stop() {
      stopping = true
      const running = current
      if (!running) return
      const exited = new Promise<void>((resolve) => running.worker.once('exit', () => resolve()))
      running.worker.postMessage({ type: 'stop' } satisfies ToBackground)
      const timer = setTimeout(() => {
        logger.warn('the background thread did not stop in time; ending it')
        void running.worker.terminate()
      }, STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    },
  }
}
