// Every test file gets its own database file, migrated before its tests run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from 'vitest'

const directory = mkdtempSync(path.join(tmpdir(), `inquest-test-${process.env.VITEST_POOL_ID ?? '0'}-`))
process.env.DATABASE_URL = `file:${path.join(directory, 'test.db')}`
process.env.NODE_ENV = 'test'
process.env.LOG_LEVEL ??= 'silent'
process.env.APP_URL = 'http://localhost:3000'

beforeAll(async () => {
  const { getDb, configureDatabase, getClient } = await import('../../app/db.server')
  const { migrateDatabase } = await import('../../db/migrate')
  await configureDatabase(getClient(), process.env.DATABASE_URL!)
  await migrateDatabase(getDb())
})

afterAll(async () => {
  const { closeDatabase } = await import('../../app/db.server')
  closeDatabase()
  rmSync(directory, { recursive: true, force: true })
})
