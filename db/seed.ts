import { sql } from 'drizzle-orm'
import { getClient, type Database } from '../app/db.server'
import { createUser, DuplicateEmailError, hasAnyUser } from '../app/auth/users.server'
import { DEMO_PASSWORD, DEMO_USERS } from './seed-accounts'
import { seedDemoInvestigation } from './seed-demo-investigation'
import { seedDemoRepository } from './seed-demo-repository'
import { getLogger } from '../app/observability/logger.server'

export { DEMO_PASSWORD, DEMO_USERS }

/** True when the database holds no workspace data yet (migrations alone do not count). */
export async function isDatabaseEmpty() {
  return !(await hasAnyUser())
}

/**
 * Seeds the demo workspace into an empty database. Each area adds its part here, in the order
 * their data depends on each other. Returns false (and changes nothing) when data is present.
 */
export async function seedDemoWorkspace(): Promise<boolean> {
  if (!(await isDatabaseEmpty())) return false
  try {
    for (const user of DEMO_USERS) {
      await createUser({ ...user, password: DEMO_PASSWORD })
    }
  } catch (error) {
    // Another process sharing the database seeded it first.
    if (error instanceof DuplicateEmailError) return false
    throw error
  }
  let repository: Awaited<ReturnType<typeof seedDemoRepository>> | null = null
  try {
    repository = await seedDemoRepository()
  } catch (error) {
    // The demo still works without its repository (no git on the machine, say).
    getLogger().warn({ err: error }, 'the demo repository was not seeded')
  }
  if (repository) {
    try {
      await seedDemoInvestigation(repository.id)
    } catch (error) {
      getLogger().warn({ err: error }, 'the demo investigation was not seeded')
    }
  }
  return true
}

/** Deletes every row of every app table (not the migration journal): for scratch databases only. */
export async function wipeDatabase(db: Database) {
  const tables = await db.all<{ name: string }>(
    sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' and name not like '%_fts%'`,
  )
  // One transaction; foreign keys are checked at commit, when every table is empty.
  await getClient().batch(
    ['PRAGMA defer_foreign_keys = ON', ...tables.map(({ name }) => `DELETE FROM "${name}"`)],
    'write',
  )
}
