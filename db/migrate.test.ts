import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { getClient, getDb, openDatabase } from '../app/db.server'
import { migrateDatabase } from './migrate'

describe('migrations', () => {
  it('apply twice without error and leave every table in place', async () => {
    await migrateDatabase(getDb())
    await migrateDatabase(getDb())
    const tables = await getClient().execute("select name from sqlite_master where type = 'table' order by name")
    const names = tables.rows.map((row) => row.name)
    for (const table of ['users', 'sessions', 'api_tokens', 'invites', 'audit_log', 'rate_limits']) expect(names).toContain(table)
    const journal = await getClient().execute('select count(*) as n from __drizzle_migrations')
    const applied = Number(journal.rows[0].n)
    await migrateDatabase(getDb())
    const again = await getClient().execute('select count(*) as n from __drizzle_migrations')
    expect(Number(again.rows[0].n)).toBe(applied)
  })

  it('turns foreign keys on and uses WAL for an embedded file', async () => {
    expect((await getClient().execute('PRAGMA foreign_keys')).rows[0].foreign_keys).toBe(1)
    expect((await getClient().execute('PRAGMA journal_mode')).rows[0].journal_mode).toBe('wal')
  })
})

describe('encryption at rest', () => {
  const MARKER = 'plaintext-marker-4b9f1c'

  async function writeMarker(encryptionKey: string | undefined) {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'inquest-enc-')), 'db.sqlite')
    const { client, db } = openDatabase({ DATABASE_URL: `file:${file}`, DATABASE_ENCRYPTION_KEY: encryptionKey, DATABASE_AUTH_TOKEN: undefined, DATABASE_SYNC_URL: undefined })
    await migrateDatabase(db)
    await client.execute({ sql: "insert into users (id, email, name, role) values ('u1', ?, ?, 'viewer')", args: [`${MARKER}@example.com`, MARKER] })
    const back = await client.execute('select name from users')
    client.close()
    return { bytes: readFileSync(file), readBack: back.rows[0].name }
  }

  it('without a key the file holds the row in plain text (the control)', async () => {
    const { bytes } = await writeMarker(undefined)
    expect(bytes.includes(Buffer.from(MARKER))).toBe(true)
  })

  it('with DATABASE_ENCRYPTION_KEY the file holds no plaintext of a known row, and reads back', async () => {
    const { bytes, readBack } = await writeMarker('a-test-encryption-key-of-32-chars!')
    expect(readBack).toBe(MARKER)
    expect(bytes.includes(Buffer.from(MARKER))).toBe(false)
    expect(bytes.subarray(0, 16).toString()).not.toBe('SQLite format 3\u0000')
  })
})
