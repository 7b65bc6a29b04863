import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { createClient, type Client, type TransactionMode } from '@libsql/client'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import * as schema from '../db/schema'
import { getEnv, type Env } from './env.server'
import { singleton, forgetSingleton } from './utils/singleton.server'

export type Database = LibSQLDatabase<typeof schema>

export interface DatabaseHandle {
  client: Client
  db: Database
}

/** How long a writer waits for another writer's lock before SQLITE_BUSY, in ms. */
const BUSY_TIMEOUT_MS = 5000

function localPath(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined
  const rest = url.slice('file:'.length).split('?')[0]
  return rest === ':memory:' ? undefined : rest
}

/** Creates the directory of an embedded database file, if the URL names one. */
export function ensureDatabaseDirectory(url: string) {
  const file = localPath(url)
  if (!file) return
  const directory = path.dirname(path.resolve(file))
  // Node's recursive mkdir never returns for some paths under these pseudo file systems.
  if (/^\/(proc|sys)(\/|$)/.test(directory)) throw new Error(`${directory} is not a place for a database file`)
  mkdirSync(directory, { recursive: true })
}

/**
 * An embedded database has one connection per process, and transactions take turns for it.
 *
 * libSQL runs SQLite in-process and synchronously: a write on a second connection while a
 * transaction on the first is open (between two awaits) waits for the lock by blocking the event
 * loop, so the transaction can never finish, and both stall until the busy timeout. With one
 * connection, other statements wait for it asynchronously instead; and since libSQL refuses a second
 * transaction while the only connection is held, this queue lets each transaction wait its turn.
 */
function serializeTransactions(client: Client): Client {
  const begin = client.transaction.bind(client)
  let queue: Promise<void> = Promise.resolve()
  client.transaction = async (mode?: TransactionMode) => {
    let release!: () => void
    const turn = new Promise<void>((resolve) => (release = resolve))
    const previous = queue
    queue = previous.then(() => turn)
    await previous
    let transaction: Awaited<ReturnType<Client['transaction']>>
    try {
      transaction = await (mode === undefined ? begin() : begin(mode))
    } catch (error) {
      release()
      throw error
    }
    let released = false
    const finish = () => {
      if (!released) {
        released = true
        release()
      }
    }
    const commit = transaction.commit.bind(transaction)
    const rollback = transaction.rollback.bind(transaction)
    const close = transaction.close.bind(transaction)
    transaction.commit = () => commit().finally(finish)
    transaction.rollback = () => rollback().finally(finish)
    transaction.close = () => {
      close()
      finish()
    }
    return transaction
  }
  return client
}

/** Opens a client for the configured database. */
export function openDatabase(
  env: Pick<Env, 'DATABASE_URL' | 'DATABASE_AUTH_TOKEN' | 'DATABASE_ENCRYPTION_KEY' | 'DATABASE_SYNC_URL'>,
): DatabaseHandle {
  ensureDatabaseDirectory(env.DATABASE_URL)
  const embedded = localPath(env.DATABASE_URL) !== undefined
  const client = createClient({
    url: env.DATABASE_URL,
    authToken: env.DATABASE_AUTH_TOKEN,
    encryptionKey: env.DATABASE_ENCRYPTION_KEY,
    syncUrl: env.DATABASE_SYNC_URL,
    timeout: BUSY_TIMEOUT_MS,
    ...(embedded ? { concurrency: 1 } : {}),
  })
  if (embedded) serializeTransactions(client)
  return { client, db: drizzle(client, { schema }) }
}

/**
 * WAL lets other processes read beside the one writer; with WAL, synchronous=NORMAL survives a crash
 * of the process (not of the machine's power) and makes a commit cost microseconds, not a disk flush.
 * Busy timeout and foreign keys come from the client.
 */
export async function configureDatabase(client: Client, url: string) {
  if (!localPath(url)) return
  await client.execute('PRAGMA journal_mode = WAL')
  await client.execute('PRAGMA synchronous = NORMAL')
}

function handle(): DatabaseHandle {
  return singleton('database', () => openDatabase(getEnv()))
}

/** The one database client of this process. */
export function getDb(): Database {
  return handle().db
}

export function getClient(): Client {
  return handle().client
}

export async function isDatabaseReady(): Promise<boolean> {
  try {
    await getClient().execute('SELECT 1')
    return true
  } catch {
    return false
  }
}

export function closeDatabase() {
  const store = globalThis as unknown as { __inquest?: Map<string, unknown> }
  const open = store.__inquest?.get('database') as DatabaseHandle | undefined
  open?.client.close()
  forgetSingleton('database')
}
