import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm'
import { auditLog, users } from '../../db/schema'
import { getDb, type Database } from '../db.server'
import { getRequestContext } from '../observability/request-context.server'

export interface AuditActor {
  userId?: string | null
  tokenId?: string | null
  label?: string | null
}

export interface AuditEntry {
  action: string
  actor?: AuditActor | null
  targetType?: string
  targetId?: string
  detail?: Record<string, unknown>
  ip?: string | null
}

/** Records a security-relevant event. Pass `tx` to write it in the same transaction as the change. */
export async function recordAudit(entry: AuditEntry, tx: Pick<Database, 'insert'> = getDb()) {
  await tx.insert(auditLog).values({
    at: new Date(),
    actorUserId: entry.actor?.userId ?? null,
    actorTokenId: entry.actor?.tokenId ?? null,
    actorLabel: entry.actor?.label ?? null,
    ip: entry.ip ?? getRequestContext()?.ip ?? null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    detail: entry.detail ?? null,
  })
}

export interface AuditFilter {
  actorEmail?: string
  action?: string
  from?: Date
  to?: Date
  /** Keyset cursor: entries with an id below this. */
  before?: number
  limit?: number
}

export async function listAudit(filter: AuditFilter) {
  const conditions: SQL[] = []
  if (filter.action) conditions.push(eq(auditLog.action, filter.action))
  if (filter.actorEmail) conditions.push(eq(users.email, filter.actorEmail.trim().toLowerCase()))
  if (filter.from) conditions.push(gte(auditLog.at, filter.from))
  if (filter.to) conditions.push(lte(auditLog.at, filter.to))
  if (filter.before) conditions.push(lt(auditLog.id, filter.before))
  return getDb()
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      actorUserId: auditLog.actorUserId,
      actorEmail: users.email,
      actorTokenId: auditLog.actorTokenId,
      actorLabel: auditLog.actorLabel,
      ip: auditLog.ip,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      detail: auditLog.detail,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit ?? 100)
}

export async function listAuditActions(): Promise<string[]> {
  const rows = await getDb().selectDistinct({ action: auditLog.action }).from(auditLog).orderBy(auditLog.action)
  return rows.map((row) => row.action)
}
