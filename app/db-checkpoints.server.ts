// Starts and stops the embedded database's background checkpoints (db-checkpoints.worker.js).
// Imported by server.ts and the background thread only, never by the Remix build: the worker's
// file is found next to this module's source, which a bundle would move.
import { MessageChannel, Worker } from 'node:worker_threads'
import type { Client } from '@libsql/client'
import type { Env } from './env.server'
import { CHECKPOINT_SAFETY_NET_PAGES, lendTurns, localDatabaseFile } from './db.server'
import { getLogger } from './observability/logger.server'

/** How often the background connection checkpoints. */
const INTERVAL_MS = 25
const SQLITE_DEFAULT_PAGES = 1000
/**
 * Past this many log pages (4 KiB each), a pass runs in the turn to write so that the log can start
 * over (see db-checkpoints.worker.js): well below the request thread's safety net.
 */
export const RESTART_LOG_AT_PAGES = 2048
/** At most one pass in the turn to write this often (ms). */
const TURN_BACKOFF_MS = 250

export interface BackgroundCheckpoints {
  stop(): Promise<void>
}

/**
 * Moves checkpoints off the request thread, for an embedded database file (not an embedded replica,
 * which manages its log itself). Null when there is nothing to do.
 */
export async function startBackgroundCheckpoints(
  client: Client,
  env: Pick<Env, 'DATABASE_URL' | 'DATABASE_ENCRYPTION_KEY' | 'DATABASE_SYNC_URL'>,
  options: { restartAtPages?: number; turnBackoffMs?: number; lend?: typeof lendTurns } = {},
): Promise<BackgroundCheckpoints | null> {
  if (!localDatabaseFile(env)) return null
  const logger = getLogger().child({ component: 'db-checkpoints' })
  // The thread asks for the request thread's turn to write over this channel (lend: whose turns, for tests).
  const { port1, port2 } = new MessageChannel()
  const returnTurns = (options.lend ?? lendTurns)(port1)
  const worker = new Worker(new URL('./db-checkpoints.worker.js', import.meta.url), {
    workerData: {
      url: env.DATABASE_URL,
      encryptionKey: env.DATABASE_ENCRYPTION_KEY,
      intervalMs: INTERVAL_MS,
      restartAtPages: options.restartAtPages ?? RESTART_LOG_AT_PAGES,
      turnBackoffMs: options.turnBackoffMs ?? TURN_BACKOFF_MS,
      turns: port2,
    },
    transferList: [port2],
  })
  let stopping = false
  const fallBack = (reason: string, detail: unknown) => {
    logger.warn({ err: detail }, `background checkpoints ${reason}; the request thread checkpoints itself again`)
    void client.execute(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`).catch(() => {})
  }
  worker.on('message', (message: { type: string; message?: string }) => {
    if (message.type === 'failed') logger.warn({ reason: message.message }, 'a background checkpoint failed')
  })
  worker.on('error', (error) => fallBack('stopped with an error', error))
  worker.on('exit', (code) => {
    returnTurns()
    port1.close()
    if (!stopping) fallBack(`ended (exit code ${code})`, null)
  })
  await client.execute(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_SAFETY_NET_PAGES}`)
  return {
    async stop() {
      stopping = true
      const exited = new Promise((resolve) => worker.once('exit', resolve))
      worker.postMessage('stop')
      await exited
    },
  }
}

/**
 * For the server's other connection (the background thread's): its commits never checkpoint. The
 * checkpoint thread does that, and the request thread's connection keeps the safety net. Left to
 * SQLite, a big commit there (a full recompute writes some 40 MB of log) would copy the log into
 * the database inside its write turn: ~0.1 s more for the recompute, and as long for any request
 * that waits to write meanwhile.
 */
export async function leaveCheckpointsToOthers(client: Client, env: Pick<Env, 'DATABASE_URL' | 'DATABASE_SYNC_URL'>) {
  if (localDatabaseFile(env)) await client.execute('PRAGMA wal_autocheckpoint = 0')
}
