import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { createClient, type Client, type TransactionMode } from '@libsql/client'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import Libsql from 'libsql'
import * as schema from '../db/schema'
import { getEnv, type Env } from './env.server'
import { singleton, forgetSingleton } from './utils/singleton.server'

export type Database = LibSQLDatabase<typeof schema>

export interface DatabaseHandle {
  client: Client
  db: Database
  /** The turns its calls take (embedded databases only). */
  turns: Turns | null
  /** Its connection for prepared writes, once opened (null: none for this database). */
  prepared?: PreparedWrites | null
}

/** How long a writer waits for another writer's lock before SQLITE_BUSY, in ms. */
const BUSY_TIMEOUT_MS = 5000

/**
 * Past this many log pages (4 KiB each) a connection of the request thread checkpoints after all,
 * as SQLite would at 1,000: the safety net for background checkpoints that stopped or fell behind
 * (see db-checkpoints.server.ts).
 */
export const CHECKPOINT_SAFETY_NET_PAGES = 8192

/** The file of an embedded database URL (`file:…`), or undefined for a server or `:memory:`. */
export function embeddedDatabaseFile(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined
  const rest = url.slice('file:'.length).split('?')[0]
  return rest === ':memory:' ? undefined : rest
}

/**
 * The database file, when this process may open more connections to it: a local file, not an
 * embedded replica (whose connections each carry their own sync state). Undefined otherwise.
 */
export function localDatabaseFile(env: Pick<Env, 'DATABASE_URL' | 'DATABASE_SYNC_URL'>): string | undefined {
  return env.DATABASE_SYNC_URL ? undefined : embeddedDatabaseFile(env.DATABASE_URL)
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
 * Who may use the connection next: a call or a transaction takes a turn, and gives it back when
 * done. `kind` says whether it may write: a read need not wait for another thread's write.
 */
export interface Turns {
  take(kind: TurnKind): Promise<void>
  give(kind: TurnKind): void
}

export type TurnKind = 'read' | 'write'

/** A statement that starts with SELECT only reads; anything else (WITH, PRAGMA, ...) is taken as a write. */
function kindOf(statement: unknown): TurnKind {
  const text = typeof statement === 'string' ? statement : (statement as { sql?: unknown } | null)?.sql
  return typeof text === 'string' && /^\s*select\b/i.test(text) ? 'read' : 'write'
}

/** First come, first served; a wait past TURN_WAIT_LIMIT_MS fails with `waitedFor` in its message. */
class Queue {
  private busy = false
  private readonly waiting: Array<() => void> = []

  constructor(private readonly waitedFor: string) {}

  /** Takes the turn if it is free; false if someone holds it. */
  takeNow(): boolean {
    if (this.busy) return false
    this.busy = true
    return true
  }

  take(): Promise<void> {
    if (this.takeNow()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const start = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(start)
        if (index >= 0) this.waiting.splice(index, 1)
        reject(new Error(`Waited ${TURN_WAIT_LIMIT_MS} ms for ${this.waitedFor}`))
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
 * Turns on the one connection of an embedded database, first come first served. A transaction
 * holds its turn from BEGIN to COMMIT or ROLLBACK; any other call holds it for that call. A write
 * (a write statement or transaction) also holds the right to write, which a background thread's
 * connection may borrow (lendTurns): meanwhile this thread's reads go on, and its writes wait.
 */
class ConnectionTurns implements Turns {
  // A turn that never comes is a bug (a statement on the client inside a transaction's callback,
  // instead of on the transaction): fail loudly rather than hang.
  private readonly connection = new Queue('the database connection; is a transaction open on this path?')
  private readonly writing = new Queue('the right to write to the database')

  // A write takes the right to write before the connection, so that reads go on while it waits
  // for another thread's write; always in that order, so that no two takers wait for each other.
  // When the right to write is free, the connection is asked for at once, so that calls that do
  // not wait for another thread keep the order they were made in.
  async take(kind: TurnKind): Promise<void> {
    if (kind === 'write' && !this.writing.takeNow()) await this.writing.take()
    try {
      await this.connection.take()
    } catch (error) {
      if (kind === 'write') this.writing.give()
      throw error
    }
  }

  give(kind: TurnKind): void {
    this.connection.give()
    if (kind === 'write') this.writing.give()
  }

  /** The right to write, for another thread's connection (it does not use this one). */
  takeWriting(): Promise<void> {
    return this.writing.take()
  }

  giveWriting(): void {
    this.writing.give()
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
function takeTurns(client: Client, turns: Turns): Client {
  const execute = client.execute.bind(client) as (...args: unknown[]) => Promise<unknown>
  const batch = client.batch.bind(client) as (...args: unknown[]) => Promise<unknown>
  const executeMultiple = client.executeMultiple.bind(client)
  const migrate = client.migrate.bind(client)
  const inTurn =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>, kindFor: (...args: A) => TurnKind) =>
    async (...args: A): Promise<R> => {
      const kind = kindFor(...args)
      await turns.take(kind)
      try {
        return await call(...args)
      } finally {
        turns.give(kind)
      }
    }
  const writes = () => 'write' as const
  client.execute = inTurn(execute, kindOf) as Client['execute']
  client.batch = inTurn(batch, (_statements, mode) => (mode === 'read' ? 'read' : 'write')) as Client['batch']
  client.executeMultiple = inTurn(executeMultiple, writes)
  client.migrate = inTurn(migrate, writes)

  const begin = client.transaction.bind(client)
  client.transaction = async (mode?: TransactionMode) => {
    const kind = mode === 'read' ? 'read' : 'write'
    await turns.take(kind)
    let transaction: Awaited<ReturnType<Client['transaction']>>
    try {
      transaction = await (mode === undefined ? begin() : begin(mode))
    } catch (error) {
      turns.give(kind)
      throw error
    }
    let released = false
    const finish = () => {
      if (!released) {
        released = true
        turns.give(kind)
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

// The server's background thread (app/jobs/background-thread.server.ts) has a connection of its own
// to the same file. Two connections writing at once would make one of them wait for SQLite's lock by
// sleeping, which on the request thread stalls every request. So the background thread borrows its
// turns from the request thread's queue: it asks over a message port, the request thread queues the
// ask like any call of its own and answers when it is the thread's turn, and everything on the request
// thread waits for that turn without blocking, as it would for a transaction of its own.

type TurnMessage = { turn: 'take'; id: number } | { turn: 'granted'; id: number } | { turn: 'refused'; id: number; reason: string } | { turn: 'give' }

interface TurnPort {
  postMessage(message: TurnMessage): void
  on(event: 'message', listener: (message: TurnMessage) => void): unknown
}

/**
 * Request thread: answers a background thread's asks for turns on this process's connection (or
 * `database`'s). Returns a release for when that thread is gone.
 */
export function lendTurns(port: TurnPort, database: DatabaseHandle = handle()): () => void {
  const turns = database.turns instanceof ConnectionTurns ? database.turns : null
  let held = 0
  let gone = false
  port.on('message', (message) => {
    if (!turns || gone) return
    if (message.turn === 'take') {
      turns.takeWriting().then(
        () => {
          if (gone) return turns.giveWriting()
          held++
          port.postMessage({ turn: 'granted', id: message.id })
        },
        (error: Error) => port.postMessage({ turn: 'refused', id: message.id, reason: error.message }),
      )
    } else if (message.turn === 'give' && held > 0) {
      held--
      turns.giveWriting()
    }
  })
  // A thread that ended while holding a turn gives it back, or nothing would run again.
  return () => {
    gone = true
    for (; held > 0; held--) turns?.giveWriting()
  }
}

let turnPort: TurnPort | null = null

/**
 * Background thread, before its first database call: connections opened from now on take their
 * turns from the request thread's, asked for over `port` (null: their own again).
 */
export function borrowTurns(port: TurnPort | null) {
  turnPort = port
}

function turnsFromElsewhere(): Turns | null {
  return turnPort ? new BorrowedTurns(turnPort) : null
}

/** This thread's calls queue here first, then each asks the request thread for its turn. */
class BorrowedTurns implements Turns {
  private readonly local = new Queue('the database connection; is a transaction open on this path?')
  private next = 1
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>()

  constructor(private readonly port: TurnPort) {
    port.on('message', (message) => {
      if (message.turn !== 'granted' && message.turn !== 'refused') return
      const waiting = this.waiting.get(message.id)
      this.waiting.delete(message.id)
      if (message.turn === 'granted') waiting?.resolve()
      else waiting?.reject(new Error(message.reason))
    })
  }

  async take(kind: TurnKind): Promise<void> {
    await this.local.take()
    // WAL lets a read run beside the other connection's writer: only writes need the request thread's turn.
    if (kind === 'read') return
    const id = this.next++
    try {
      await new Promise<void>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject })
        this.port.postMessage({ turn: 'take', id })
      })
    } catch (error) {
      this.local.give()
      throw error
    }
  }

  give(kind: TurnKind): void {
    if (kind === 'write') this.port.postMessage({ turn: 'give' })
    this.local.give()
  }
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
  const turns = embedded ? (turnsFromElsewhere() ?? new ConnectionTurns()) : null
  if (turns) takeTurns(client, turns)
  return { client, db: drizzle(client, { schema }), turns }
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
  open?.prepared?.close()
  open?.client.close()
  forgetSingleton('database')
}

type PreparedStatement = Libsql.Statement

/**
 * A second connection to an embedded database file, on the request thread, whose statements are
 * prepared once: for the write made on every webhook delivery, where the client's preparing each
 * statement again (and its BEGIN and COMMIT) costs about as much as running them. A transaction
 * here takes this thread's right to write, as the client's writes do, and runs to its end without
 * awaiting, so nothing interleaves with it; reads on the client's connection go on meanwhile (WAL).
 */
export class PreparedWrites {
  private readonly statements = new Map<string, PreparedStatement>()

  constructor(
    private readonly connection: Libsql.Database,
    private readonly turns: ConnectionTurns,
  ) {}

  /** Runs `work` in one IMMEDIATE transaction once this thread may write. `work` must not await. */
  async transaction<T>(work: (statement: (sql: string) => PreparedStatement) => T): Promise<T> {
    await this.turns.takeWriting()
    try {
      this.statement('BEGIN IMMEDIATE').run()
      try {
        const result = work((sql) => this.statement(sql))
        this.statement('COMMIT').run()
        return result
      } catch (error) {
        if (this.connection.inTransaction) this.statement('ROLLBACK').run()
        throw error
      }
    } finally {
      this.turns.giveWriting()
    }
  }

  close() {
    this.connection.close()
  }

  private statement(sql: string): PreparedStatement {
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.connection.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }
}

/**
 * This thread's connection for prepared writes, opened at first use: null unless the database is
 * an embedded file that this thread's client writes to itself (not an embedded replica, whose
 * connections each carry their own sync state, nor the background thread, which borrows its turns).
 */
export function preparedWrites(): PreparedWrites | null {
  const database = handle()
  if (database.prepared !== undefined) return database.prepared
  const env = getEnv()
  const file = localDatabaseFile(env)
  if (!file || !(database.turns instanceof ConnectionTurns)) return (database.prepared = null)
  const options = { timeout: BUSY_TIMEOUT_MS, encryptionKey: env.DATABASE_ENCRYPTION_KEY }
  const connection = new Libsql(file, options as Libsql.Options)
  // Per connection, as configureDatabase sets them on the client's: no sync to disk per commit
  // (WAL keeps commits durable across a crash of the process), and checkpoints left to the
  // checkpoint thread, this connection taking over only past the safety net.
  connection.exec(`PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = ${CHECKPOINT_SAFETY_NET_PAGES}`)
  return (database.prepared = new PreparedWrites(connection, database.turns))
}
