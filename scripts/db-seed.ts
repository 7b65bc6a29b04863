// `npm run db:seed`: wipes a scratch database and seeds the demo workspace into it. Refused in production.
import { closeDatabase, configureDatabase, ensureDatabaseDirectory, getClient, getDb } from '../app/db.server'
import { EnvError, getEnv } from '../app/env.server'
import { loadEnvFile } from '../app/utils/load-env-file.server'
import { migrateDatabase } from '../db/migrate'
import { seedDemoWorkspace, wipeDatabase } from '../db/seed'

loadEnvFile()

try {
  const env = getEnv()
  if (env.NODE_ENV === 'production') throw new EnvError('db:seed wipes the database and is refused when NODE_ENV=production')
  ensureDatabaseDirectory(env.DATABASE_URL)
  await configureDatabase(getClient(), env.DATABASE_URL)
  await migrateDatabase(getDb())
  await wipeDatabase(getDb())
  await seedDemoWorkspace()
  closeDatabase()
  process.stdout.write(`reseeded the demo workspace into ${env.DATABASE_URL}\n`)
} catch (error) {
  process.stderr.write(`db:seed: ${error instanceof EnvError ? error.message : String((error as Error).stack ?? error)}\n`)
  process.exit(1)
}
