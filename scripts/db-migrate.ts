// `npm run db:migrate`: applies pending migrations to DATABASE_URL (the server also does this on start).
import { closeDatabase, configureDatabase, ensureDatabaseDirectory, getClient, getDb } from '../app/db.server'
import { EnvError, getEnv } from '../app/env.server'
import { loadEnvFile } from '../app/utils/load-env-file.server'
import { migrateDatabase } from '../db/migrate'

loadEnvFile()

try {
  const env = getEnv()
  ensureDatabaseDirectory(env.DATABASE_URL)
  await configureDatabase(getClient(), env.DATABASE_URL)
  await migrateDatabase(getDb())
  closeDatabase()
  process.stdout.write(`migrated ${env.DATABASE_URL}\n`)
} catch (error) {
  process.stderr.write(`db:migrate: ${error instanceof EnvError ? error.message : String((error as Error).stack ?? error)}\n`)
  process.exit(1)
}
