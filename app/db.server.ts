import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { createClient, type Client } from '@libsql/client'
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
  if (file) mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
}

/** Opens a client for the configured database. */
export function openDatabase(
  env: Pick<Env, 'DATABASE_URL' | 'DATABASE_AUTH_TOKEN' | 'DATABASE_ENCRYPTION_KEY' | 'DATABASE_SYNC_URL'>,
): DatabaseHandle {
  ensureDatabaseDirectory(env.DATABASE_URL)
  const client = createClient({
    url: env.DATABASE_URL,
    authToken: env.DATABASE_AUTH_TOKEN,
    encryptionKey: env.DATABASE_ENCRYPTION_KEY,
    syncUrl: env.DATABASE_SYNC_URL,
    timeout: BUSY_TIMEOUT_MS,
  })
  return { client, db: drizzle(client, { schema }) }
}

/** Per-file settings: WAL lets readers run beside the one writer. Connection settings (busy timeout, foreign keys) come from the client. */
export async function configureDatabase(client: Client, url: string) {
  if (localPath(url)) await client.execute('PRAGMA journal_mode = WAL')
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
