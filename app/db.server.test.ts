import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from './db.server'

const directory = mkdtempSync(path.join(tmpdir(), 'inquest-db-turns-'))
const { client, db } = openDatabase({ DATABASE_URL: `file:${path.join(directory, 'turns.db')}` } as Parameters<typeof openDatabase>[0])

afterAll(() => {
  client.close()
  rmSync(directory, { recursive: true, force: true })
})

describe('the embedded database connection', () => {
  it('lets statements outside a transaction wait for it instead of failing, and they see its commit', async () => {
    await client.execute('create table counters (n integer not null)')
    const order: string[] = []
    const transaction = db.transaction(async (tx) => {
      await tx.run(sql`insert into counters (n) values (1)`)
      // The transaction is open across a pause, as a real one is across its awaits.
      await new Promise((resolve) => setTimeout(resolve, 50))
      await tx.run(sql`insert into counters (n) values (2)`)
      order.push('committed')
    })
    // Issued while the transaction holds the only connection.
    const read = db.all<{ total: number }>(sql`select sum(n) as total from counters`).then((rows) => {
      order.push('read')
      return rows[0].total
    })
    const batch = client.batch(['insert into counters (n) values (10)'], 'write').then(() => order.push('batch'))
    await Promise.all([transaction, read, batch])
    expect(await read).toBe(3)
    expect(order[0]).toBe('committed')
    expect(order.slice(1).sort()).toEqual(['batch', 'read'])
  })

  it('gives the connection back after a transaction that fails', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.run(sql`insert into counters (n) values (100)`)
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    const [row] = await db.all<{ total: number }>(sql`select sum(n) as total from counters`)
    expect(row.total).toBe(13)
  })
})
