// A second connection to the embedded database, in a thread of its own, for a big read (and work on
// what it read) that can run while the caller's thread does something else (see db-reader.server.ts).
//
// Plain JavaScript: a worker thread does not inherit tsx's loader, so it registers it, for the
// TypeScript modules whose functions it is asked to call.
import { parentPort, workerData } from 'node:worker_threads'
import { createClient } from '@libsql/client'
import { register } from 'tsx/esm/api'

register()

/** @type {{ url: string, encryptionKey?: string }} */
const { url, encryptionKey } = workerData
const client = createClient({ url, encryptionKey })

/**
 * @typedef {{ id: number, args: Array<string | number | null>, sql: string }} TextRequest
 * @typedef {{ id: number, args: unknown[], call: { module: string, name: string } }} CallRequest
 */

/** @type {import('./db-reader.server').BesideReader['readText']} */
async function readText(sql, args) {
  const result = await client.execute({ sql, args })
  const value = result.rows[0]?.[0] ?? null
  return value === null ? null : String(value)
}

parentPort?.on('message', async (/** @type {TextRequest | CallRequest} */ request) => {
  try {
    if ('sql' in request) {
      parentPort?.postMessage({ id: request.id, value: await readText(request.sql, request.args) })
      return
    }
    const module = await import(request.call.module)
    /** @type {import('./db-reader.server').BesideReader} */
    const reader = { readText, hand: (handed) => parentPort?.postMessage({ id: request.id, handed }) }
    /** @type {import('./db-reader.server').BesideResult<unknown>} */
    const { value, transfer } = await module[request.call.name](reader, ...request.args)
    parentPort?.postMessage({ id: request.id, value }, transfer ?? [])
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) })
  }
})
