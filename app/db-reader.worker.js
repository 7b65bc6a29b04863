// A second connection to the embedded database, in a thread of its own, for a big read that can run
// while the caller's thread does something else (see db-reader.server.ts).
//
// Plain JavaScript: worker threads do not get tsx's loader.
import { parentPort, workerData } from 'node:worker_threads'
import { createClient } from '@libsql/client'

/** @type {{ url: string, encryptionKey?: string }} */
const { url, encryptionKey } = workerData
const client = createClient({ url, encryptionKey })

parentPort?.on('message', async (/** @type {{ id: number, sql: string, args: Array<string | number | null> }} */ request) => {
  try {
    const result = await client.execute({ sql: request.sql, args: request.args })
    const value = result.rows[0]?.[0] ?? null
    parentPort?.postMessage({ id: request.id, value: value === null ? null : String(value) })
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) })
  }
})
