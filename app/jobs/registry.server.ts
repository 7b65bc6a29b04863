import type { Worker } from './workers.server'

/** Every background worker the server runs. Each area adds its worker here. */
export async function allWorkers(): Promise<Worker[]> {
  return [
    (await import('../connectors/webhooks/delivery-worker.server')).deliveryWorker,
    (await import('../linker/worker.server')).linkerWorker,
    (await import('../connectors/git-import.server')).gitImportWorker,
  ]
}
