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

/** The file of an embedded database URL (`file:…`), or undefined for a server or `:memory:`. */
export function embeddedDatabaseFile(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined
  const rest = url.slice('file:'.length).split('?')[0]
  return rest === ':memory:' ? undefined : rest
}

/** Creates the directory of an embedded database file, if the URL names one. */
export function ensureDatabaseDirectory(url: string) {
  const file = embeddedDatabaseFile(url)
  if (!file) return
  const directory = path.dirname(path.resolve(file))
  // Node's recursive mkdir never returns for some paths under these pseudo file systems.
  if (/^\/(proc|sys)(\/|$)/.test(directory)) throw new Error(`${directory} is not a place for a database file`)
  mkdirSync(directory, { recursive: true })
}

/** How long a statement or transaction waits for its turn on the connection before it fails. */
const TURN_WAIT_LIMIT_MS = 15_000

/**
 * Turns on the one connection of an embedded database, first come first served. A transaction
 * holds its turn from BEGIN to COMMIT or ROLLBACK; any other call holds it for that call.
 */
class ConnectionTurns {
  private busy = false
  private readonly waiting: Array<() => void> = []

  take(): Promise<void> {
    if (!this.busy) {
      this.busy = true
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const start = () => {
        clearTimeout(timer)
        resolve()
      }
      // A turn that never comes is a bug (a statement on the client inside a transaction's callback,
      // instead of on the transaction): fail loudly rather than hang.
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(start)
        if (index >= 0) this.waiting.splice(index, 1)
        reject(new Error(`Waited ${TURN_WAIT_LIMIT_MS} ms for the database connection; is a transaction open on this path?`))
      }, TURN_WAIT_LIMIT_MS)
      this.waiting.push(start)
    })
  }

  give(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.busy = false
  }
}

/**
 * An embedded database has one connection per process, and everything takes turns for it.
 *
 * libSQL runs SQLite in-process and synchronously: a write on a second connection while a
 * transaction on the first is open (between two awaits) waits for the lock by blocking the event
 * loop, so the transaction can never finish, and both stall until the busy timeout. So there is one
 * connection; and since libSQL refuses (TRANSACTION_ACTIVE) any call while a transaction holds it,
 * every call and every transaction waits its turn here instead.
 */
function takeTurns(client: Client): Client {
  const turns = new ConnectionTurns()
  const execute = client.execute.bind(client) as (...args: unknown[]) => Promise<unknown>
  const batch = client.batch.bind(client) as (...args: unknown[]) => Promise<unknown>
  const executeMultiple = client.executeMultiple.bind(client)
  const migrate = client.migrate.bind(client)
  const inTurn =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await turns.take()
      try {
        return await call(...args)
      } finally {
        turns.give()
      }
    }
  client.execute = inTurn(execute) as Client['execute']
  client.batch = inTurn(batch) as Client['batch']
  client.executeMultiple = inTurn(executeMultiple)
  client.migrate = inTurn(migrate)

  const begin = client.transaction.bind(client)
  client.transaction = async (mode?: TransactionMode) => {
    await turns.take()
    let transaction: Awaited<ReturnType<Client['transaction']>>
    try {
      transaction = await (mode === undefined ? begin() : begin(mode))
    } catch (error) {
      turns.give()
      throw error
    }
    let released = false
    const finish = () => {
      if (!released) {
        released = true
        turns.give()
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
  const embedded = embeddedDatabaseFile(env.DATABASE_URL) !== undefined
  const client = createClient({
    url: env.DATABASE_URL,
    authToken: env.DATABASE_AUTH_TOKEN,
    encryptionKey: env.DATABASE_ENCRYPTION_KEY,
    syncUrl: env.DATABASE_SYNC_URL,
    timeout: BUSY_TIMEOUT_MS,
    ...(embedded ? { concurrency: 1 } : {}),
  })
  if (embedded) takeTurns(client)
  return { client, db: drizzle(client, { schema }) }
}

/**
 * WAL lets other processes read beside the one writer; with WAL, synchronous=NORMAL survives a crash
 * of the process (not of the machine's power) and makes a commit cost microseconds, not a disk flush.
 * Busy timeout and foreign keys come from the client.
 */
export async function configureDatabase(client: Client, url: string) {
  if (!embeddedDatabaseFile(url)) return
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
