import type { Worker } from './workers.server'

/** Every background worker the server runs. Each area adds its worker here. */
export async function allWorkers(): Promise<Worker[]> {
  return []
}
