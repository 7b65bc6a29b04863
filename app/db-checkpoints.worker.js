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
//
// Copying is not enough: the log starts over from its beginning only when a writer finds all of it
// copied, and under a steady stream of writes each pass is overtaken by the commits made while it
// copies. The log then grew to the safety net and the request thread checkpointed there after all
// (10-20 ms, every ~0.6 s at a thousand deliveries a second). So once the log is past restartAtPages,
// a pass runs in the request thread's turn to write (asked for over `turns`, as the background thread
// asks): nothing is committed meanwhile, it copies only what came since the last pass (a few
// milliseconds), and the next commit starts the log over.
import { clearTimeout, setTimeout } from 'node:timers'
import { parentPort, workerData } from 'node:worker_threads'
import { createClient } from '@libsql/client'

/** @type {{ url: string, encryptionKey?: string, intervalMs: number, restartAtPages: number, turnBackoffMs: number, turns: import('node:worker_threads').MessagePort }} */
const { url, encryptionKey, intervalMs, restartAtPages, turnBackoffMs, turns } = workerData
const client = createClient({ url, encryptionKey })
let timer
let stopped = false
let failures = 0
let nextTurn = 1
// A pass in the turn is not tried again for turnBackoffMs: a reader still on an old snapshot may keep
// the log from starting over, and writers should not wait for a pass every few milliseconds meanwhile.
let noTurnBefore = 0
/** @type {Map<number, (granted: boolean) => void>} */
const asked = new Map()

turns.on('message', (message) => {
  if (message.turn !== 'granted' && message.turn !== 'refused') return
  asked.get(message.id)?.(message.turn === 'granted')
  asked.delete(message.id)
})

/** Runs `work` in the request thread's turn to write; false (and nothing run) if the turn was refused. */
async function inWriteTurn(work) {
  const id = nextTurn++
  const granted = await new Promise((resolve) => {
    asked.set(id, resolve)
    turns.postMessage({ turn: 'take', id })
  })
  if (!granted) return false
  try {
    await work()
  } finally {
    turns.postMessage({ turn: 'give' })
  }
  return true
}

/** Pages in the log after a pass (the second column of wal_checkpoint's answer). */
async function pass() {
  const result = await client.execute('PRAGMA wal_checkpoint(PASSIVE)')
  return Number(result.rows[0]?.[1] ?? 0)
}

async function checkpoint() {
  if (stopped) return
  try {
    const logPages = await pass()
    if (logPages >= restartAtPages && !stopped && Date.now() >= noTurnBefore) {
      noTurnBefore = Date.now() + turnBackoffMs
      await inWriteTurn(pass)
    }
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
  turns.close()
  parentPort?.close()
})

void checkpoint()
