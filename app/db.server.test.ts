import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { MessageChannel } from 'node:worker_threads'
import { borrowTurns, lendTurns, openDatabase } from './db.server'

const directory = mkdtempSync(path.join(tmpdir(), 'inquest-db-turns-'))
const lender = openDatabase({ DATABASE_URL: `file:${path.join(directory, 'turns.db')}` } as Parameters<typeof openDatabase>[0])

const { client, db } = lender

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

describe('a second connection that borrows its turns (the background thread)', () => {
  it('waits for the lender’s transaction without blocking it, reads beside it, and makes the lender’s writes (not its reads) wait in turn', async () => {
    const { port1, port2 } = new MessageChannel()
    const returnTurns = lendTurns(port1, lender)
    borrowTurns(port2)
    const borrower = openDatabase({ DATABASE_URL: `file:${path.join(directory, 'turns.db')}` } as Parameters<typeof openDatabase>[0])
    borrowTurns(null)
    try {
      await client.execute('create table if not exists lent (who text not null)')
      const order: string[] = []
      // The lender writes across a pause; the borrower's write and read arrive meanwhile.
      const lenderWrite = db.transaction(async (tx) => {
        await tx.run(sql`insert into lent (who) values ('lender')`)
        await new Promise((resolve) => setTimeout(resolve, 50))
        order.push('lender committed')
      })
      await new Promise((resolve) => setTimeout(resolve, 5))
      const borrowerRead = borrower.client.execute('select count(*) from lent').then((result) => {
        order.push('borrower read')
        return Number(result.rows[0][0])
      })
      const borrowerWrite = borrower.client.execute("insert into lent (who) values ('borrower')").then(() => order.push('borrower wrote'))
      await Promise.all([lenderWrite, borrowerRead, borrowerWrite])
      // The read did not wait, and saw what was committed (nothing yet); the write waited its turn.
      expect(await borrowerRead).toBe(0)
      expect(order).toEqual(['borrower read', 'lender committed', 'borrower wrote'])

      // Now the borrower holds a transaction: the lender's write waits for it, and its thread keeps running.
      const ticks: number[] = []
      const ticker = setInterval(() => ticks.push(Date.now()), 5)
      const borrowerTransaction = borrower.db.transaction(async (tx) => {
        await tx.run(sql`insert into lent (who) values ('borrower again')`)
        await new Promise((resolve) => setTimeout(resolve, 60))
      })
      await new Promise((resolve) => setTimeout(resolve, 5))
      const seen: string[] = []
      const lenderWrite2 = client.execute("insert into lent (who) values ('lender again')").then(() => seen.push('lender wrote'))
      // A read on the lender's connection does not wait for the borrower's write.
      await client.execute('select count(*) from lent').then(() => seen.push('lender read'))
      await Promise.all([lenderWrite2, borrowerTransaction])
      expect(seen).toEqual(['lender read', 'lender wrote'])
      clearInterval(ticker)
      expect(ticks.length).toBeGreaterThan(5)
      const rows = await db.all<{ who: string }>(sql`select who from lent order by rowid`)
      expect(rows.map((row) => row.who)).toEqual(['lender', 'borrower', 'borrower again', 'lender again'])
    } finally {
      borrower.client.close()
      returnTurns()
      port1.close()
      port2.close()
    }
  })
})
