// Leases for scheduled jobs: one replica at a time runs a job's tick.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const jobLeases = sqliteTable('job_leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  leaseUntil: integer('lease_until').notNull(),
  updatedAt: integer('updated_at').notNull(),
})
