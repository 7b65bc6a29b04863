import { fileURLToPath } from 'node:url'
import { migrate } from 'drizzle-orm/libsql/migrator'
import type { Database } from '../app/db.server'

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

/**
 * Applies every migration not yet applied. Safe to call on every start and from several processes:
 * when another process wins the race, the second attempt finds the migrations recorded.
 */
export async function migrateDatabase(db: Database) {
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  } catch (error) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }).catch(() => {
      throw error
    })
  }
}
