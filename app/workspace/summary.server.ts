import { and, count, gte, isNull } from 'drizzle-orm'
import { auditLog, sessions, users } from '../../db/schema'
import { getDb } from '../db.server'
import { SESSION_IDLE_LIMIT_MS } from '../auth/session.server'

/** Headline counts for the dashboard. */
export async function getWorkspaceSummary() {
  const db = getDb()
  const startOfDay = new Date()
  startOfDay.setUTCHours(0, 0, 0, 0)
  const [[people], [active], [audits]] = await Promise.all([
    db.select({ n: count() }).from(users).where(isNull(users.disabledAt)),
    db
      .select({ n: count() })
      .from(sessions)
      .where(and(gte(sessions.expiresAt, Math.floor(Date.now() / 1000)), gte(sessions.lastSeenAt, Date.now() - SESSION_IDLE_LIMIT_MS))),
    db.select({ n: count() }).from(auditLog).where(gte(auditLog.at, startOfDay)),
  ])
  return { users: people.n, activeSessions: active.n, auditEventsToday: audits.n }
}
