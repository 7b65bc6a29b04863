// Big reads beside the caller's work. libSQL's embedded database runs on the calling thread, so a
// read of a few hundred milliseconds holds that thread still; for one whose result is needed only
// later, a second connection in a worker thread runs it on the other core, and can work on what it
// read there too (callBeside): the linker's full recompute has it read and build the commit graph
// while this thread reads every run, and score suspects while this thread writes. WAL lets it read
// beside the writer; it sees what was committed when it starts, as a read on the main connection
// outside a transaction would. The thread starts at the first read (or when warmed) and keeps its
// connection; it keeps the process alive only while a read is out.
import { Worker } from 'node:worker_threads'
import { localDatabaseFile } from './db.server'
import { getEnv } from './env.server'

export type Arg = string | number | null

interface Reader {
  worker: Worker
  next: number
  waiting: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; onHand?: (value: unknown) => void }>
}

function startReader(url: string, encryptionKey: string | undefined): Reader {
  const worker = new Worker(new URL('./db-reader.worker.js', import.meta.url), { workerData: { url, encryptionKey } })
  worker.unref()
  const reader: Reader = { worker, next: 1, waiting: new Map() }
  worker.on('message', (message: { id: number; value?: unknown; error?: string; handed?: unknown }) => {
    const waiting = reader.waiting.get(message.id)
    if (!waiting) return
    // A part of the answer handed back early (BesideReader.hand): the call goes on.
    if ('handed' in message) return void waiting.onHand?.(message.handed)
    reader.waiting.delete(message.id)
    if (reader.waiting.size === 0) worker.unref()
    if (message.error !== undefined) waiting.reject(new Error(message.error))
    else waiting.resolve(message.value ?? null)
  })
  const failAll = (error: Error) => {
    for (const waiting of reader.waiting.values()) waiting.reject(error)
    reader.waiting.clear()
    forgetReader(reader)
  }
  worker.on('error', failAll)
  worker.on('exit', (code) => failAll(new Error(`the database reader thread ended (exit code ${code})`)))
  return reader
}

let current: Reader | null = null

function forgetReader(reader: Reader) {
  if (current === reader) current = null
}

function readerFor(env: ReturnType<typeof getEnv>): Reader | null {
  if (!canReadBeside()) return null
  return (current ??= startReader(env.DATABASE_URL, env.DATABASE_ENCRYPTION_KEY))
}

/** Ends the reader thread, if it runs (a read still out fails); the next read starts another. */
export async function stopReader() {
  const reader = current
  if (!reader) return
  forgetReader(reader)
  await reader.worker.terminate()
}

/** True when reads can go beside this thread (an embedded database file); readTextBeside reads here otherwise. */
export function canReadBeside(): boolean {
  return localDatabaseFile(getEnv()) !== undefined
}

/**
 * Starts the reader thread now, if it is not running: starting it (a thread, a module, a
 * connection) takes about 0.2 s, which the first read would otherwise wait for. It keeps nothing
 * alive.
 */
export function warmReader() {
  readerFor(getEnv())
}

/**
 * The first column of the first row of `sql` as text (null if none), read on the reader thread's
 * connection when the database is an embedded file, or else on `fallback` (a remote server, or an
 * embedded replica, which reads through its own connection).
 */
export function readTextBeside(sql: string, args: Arg[], fallback: () => Promise<string | null>): Promise<string | null> {
  const reader = readerFor(getEnv())
  if (!reader) return fallback()
  return ask<string | null>(reader, { sql, args })
}

/** What a function called beside gets first: reads on the reader thread's connection. */
export interface BesideReader {
  /** The first column of the first row of `sql` as text, null if none (as readTextBeside). */
  readText(sql: string, args: Arg[]): Promise<string | null>
  /**
   * Hands a part of the answer back before the function returns (plain data, copied): the caller's
   * `onHand` gets it at once, and can use it while the rest is worked out.
   */
  hand(value: unknown): void
}

/** What a function called beside returns: its value, and the buffers of that value to move back rather than copy. */
export interface BesideResult<T> {
  value: T
  transfer?: ArrayBuffer[]
}

/** A function exported by a module, called by name on the reader thread (see callBeside). */
export interface BesideFunction {
  module: URL
  name: string
}

/**
 * Calls `fn(reader, ...args)` on the reader thread: work on a big read that would otherwise hold
 * this thread, such as building a whole commit graph from its text (whose typed arrays then come
 * back moved, not copied) or scoring suspects from what they need. Arguments and the value are
 * copied between threads, so both should be plain data; what the function hands back early
 * (`reader.hand`) goes to `onHand`. Where there is no reader thread, the caller's `here` runs the
 * same function on this thread's connection (with a reader whose `hand` calls `onHand`).
 */
export function callBeside<T>(fn: BesideFunction, args: unknown[], here: () => Promise<T>, onHand?: (value: unknown) => void): Promise<T> {
  const reader = readerFor(getEnv())
  if (!reader) return here()
  return ask<T>(reader, { call: { module: fn.module.href, name: fn.name }, args }, onHand)
}

function ask<T>(reader: Reader, request: object, onHand?: (value: unknown) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = reader.next++
    reader.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, onHand })
    // Kept alive while a read is out: a process with nothing else to do would otherwise exit waiting.
    reader.worker.ref()
    reader.worker.postMessage({ id, ...request })
  })
}
