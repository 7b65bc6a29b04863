// Bulk reads and writes for the linker. A big read comes back as one JSON array built by SQLite
// (json_group_array): with the embedded client that is several times faster than one JS object
// per row. Bulk writes go in as one JSON parameter unpacked by json_each, as the git import does.
import type { SQL } from 'drizzle-orm'
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core'
import type { Tx } from '../connectors/timeline.server'
import type { BesideReader } from '../db-reader.server'

export type { Tx }

/** Runs a query that selects `json_group_array(json_array(...)) as j` and returns its rows as tuples. */
export async function readTuples<T extends unknown[]>(db: Tx, query: SQL): Promise<T[]> {
  const row = await db.get<{ j: string | null }>(query)
  return row?.j ? (JSON.parse(row.j) as T[]) : []
}

/** Reads tuples (see readTuples) somewhere: on a connection, or beside this thread. */
export type TupleReader = <T extends unknown[]>(query: SQL) => Promise<T[]>

export const tuplesOn =
  (db: Tx): TupleReader =>
  (query) =>
    readTuples(db, query)

const dialect = new SQLiteAsyncDialect()

/** readTuples through a reader of text: the reader thread's own connection, in a function called there. */
export const tuplesFrom =
  (reader: BesideReader): TupleReader =>
  async <T extends unknown[]>(query: SQL) => {
    const { sql: text, params } = dialect.sqlToQuery(query)
    const j = await reader.readText(text, params as Array<string | number | null>)
    return j ? (JSON.parse(j) as T[]) : []
  }

/** The first row, or undefined (drizzle's libsql `get` throws when there is none). */
export async function firstRow<T>(db: Tx, query: SQL): Promise<T | undefined> {
  return (await db.all<T>(query))[0]
}

/** Splits a list so that each JSON parameter stays a reasonable size. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export const json = (value: unknown) => JSON.stringify(value)

