// The embedded database's checkpoints, in a thread of their own (started by db-checkpoints.server.ts).
//
// Plain JavaScript: worker threads do not get tsx's loader.
//
// A checkpoint copies what the write-ahead log holds into the database file. Left to SQLite, the
// connection that commits past 1,000 log pages does it, on the request thread, in the middle of a
// request: at a thousand webhook deliveries a second that is a 5-15 ms stall several times a second.
// Here a second connection checkpoints PASSIVE every few milliseconds: it copies beside the writer
// without ever blocking it, so the request thread's own checkpoints (kept, at a higher threshold, as
// a safety net) find almost nothing left to copy.
import { clearTimeout, setTimeout } from 'node:timers'
import { parentPort, workerData } from 'node:worker_threads'
import { createClient } from '@libsql/client'

/** @type {{ url: string, encryptionKey?: string, intervalMs: number }} */
const { url, encryptionKey, intervalMs } = workerData
const client = createClient({ url, encryptionKey })
let timer
let stopped = false
let failures = 0

async function checkpoint() {
  if (stopped) return
  try {
    await client.execute('PRAGMA wal_checkpoint(PASSIVE)')
    failures = 0
  } catch (error) {
    // A failure is reported once in a row; the request thread's own checkpoints carry on meanwhile.
    if (failures++ === 0) parentPort?.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  }
  if (!stopped) timer = setTimeout(checkpoint, intervalMs)
}

parentPort?.on('message', (message) => {
  if (message !== 'stop') return
  stopped = true
  clearTimeout(timer)
  client.close()
  parentPort?.close()
})

void checkpoint()
