import type { ScheduledJob } from './scheduler.server'
import type { Worker } from './workers.server'

/** Every background worker the server runs. Each area adds its worker here. */
export async function allWorkers(): Promise<Worker[]> {
  return [
    (await import('../connectors/webhooks/delivery-worker.server')).deliveryWorker,
    (await import('../linker/worker.server')).linkerWorker,
    (await import('../connectors/git-import.server')).gitImportWorker,
    (await import('../notifications/sender.server')).outboxSender,
  ]
}

/** Every scheduled job (croner, one replica per tick through a lease). Each area adds its job here. */
export async function allScheduledJobs(): Promise<ScheduledJob[]> {
  return [(await import('../notifications/digests.server')).digestJob]
}
