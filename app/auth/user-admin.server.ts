// What admins do to other people's accounts: roles, disabling, sessions, tokens, and reading the audit log.
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, like, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { apiTokens, sessions, users, type Role } from '../../db/schema'
import { getDb } from '../db.server'
import { sha256Hex } from '../utils/crypto.server'
import { describeUserAgent } from '../utils/user-agent'
import { listTokens, revokeAllTokensOf, revokeApiToken } from './api-tokens.server'
import { listAudit, recordAudit, type AuditActor, type AuditFilter } from './audit.server'
import type { Actor } from './require.server'
import { SESSION_IDLE_LIMIT_MS, endAllSessionsOf } from './session.server'

/**
 * Who is acting, as the functions below take it: a person (maybe through a token), or a label such as
 * "cli" for the command line, which has no user.
 */
export function auditActorOf(actor: Actor): AuditActor {
  return { userId: actor.user.id, tokenId: actor.tokenId ?? null }
}

// ---------------------------------------------------------------------------------------------
// Users

export type UserStatus = 'active' | 'invited' | 'disabled'

export async function listUsersForAdmin(now = Date.now()) {
  const rows = await getDb()
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      disabledAt: users.disabledAt,
      createdAt: users.createdAt,
      hasPassword: sql<number>`${users.passwordHash} is not null`,
      inviteExpiresAt: sql<
        number | null
      >`(select max(i.expires_at) from invites i where i.user_id = "users"."id" and i.used_at is null)`,
    })
    .from(users)
    .orderBy(asc(users.email))
  return rows.map(({ hasPassword, inviteExpiresAt, ...row }) => {
    const status: UserStatus = row.disabledAt ? 'disabled' : hasPassword ? 'active' : 'invited'
    return {
      ...row,
      status,
      inviteExpiresAt: status === 'invited' && inviteExpiresAt !== null ? new Date(inviteExpiresAt) : null,
      inviteExpired: status === 'invited' && (inviteExpiresAt === null || inviteExpiresAt <= now),
    }
  })
}

/** Someone other than `userId` who is an admin and can act: not disabled, has a password. */
function anotherActiveAdmin(userId: string) {
  return sql`exists (select 1 from users other where other.role = 'admin' and other.disabled_at is null and other.password_hash is not null and other.id <> ${userId})`
}

export type AdminChange = { ok: true; changed: boolean } | { ok: false; reason: 'not_found' | 'self' | 'last_admin' }

/** Changes a role. The last active admin cannot be demoted (not even by themselves). */
export async function changeUserRole(userId: string, role: Role, actor: AuditActor): Promise<AdminChange> {
  return getDb().transaction(async (tx) => {
    const [target] = await tx.select().from(users).where(eq(users.id, userId))
    if (!target) return { ok: false, reason: 'not_found' }
    if (target.role === role) return { ok: true, changed: false }
    const demotesActiveAdmin = target.role === 'admin' && !target.disabledAt && target.passwordHash !== null
    const updated = await tx
      .update(users)
      .set({ role })
      .where(
        and(
          eq(users.id, userId),
          eq(users.role, target.role),
          demotesActiveAdmin ? anotherActiveAdmin(userId) : undefined,
        ),
      )
      .returning({ id: users.id })
    if (updated.length === 0) return { ok: false, reason: 'last_admin' }
    await recordAudit(
      {
        action: 'user.role_change',
        actor,
        targetType: 'user',
        targetId: userId,
        detail: { email: target.email, from: target.role, to: role },
      },
      tx,
    )
    return { ok: true, changed: true }
  })
}

/** Disables an account, ends its sessions and revokes its tokens. Nobody disables themselves or the last active admin. */
export async function disableUser(userId: string, actor: AuditActor): Promise<AdminChange> {
  if (actor.userId && userId === actor.userId) {
    const exists = await getDb().select({ id: users.id }).from(users).where(eq(users.id, userId))
    return { ok: false, reason: exists.length ? 'self' : 'not_found' }
  }
  const outcome = await getDb().transaction(async (tx): Promise<AdminChange> => {
    const [target] = await tx.select().from(users).where(eq(users.id, userId))
    if (!target) return { ok: false, reason: 'not_found' }
    if (target.disabledAt) return { ok: true, changed: false }
    const updated = await tx
      .update(users)
      .set({ disabledAt: new Date() })
      .where(
        and(
          eq(users.id, userId),
          isNull(users.disabledAt),
          or(sql`${users.role} <> 'admin'`, isNull(users.passwordHash), anotherActiveAdmin(userId)),
        ),
      )
      .returning({ id: users.id })
    if (updated.length === 0) return { ok: false, reason: 'last_admin' }
    await revokeAllTokensOf(userId, tx)
    await recordAudit(
      {
        action: 'user.disable',
        actor,
        targetType: 'user',
        targetId: userId,
        detail: { email: target.email },
      },
      tx,
    )
    return { ok: true, changed: true }
  })
  // After the commit: the transaction holds the write lock, and Lucia writes through its own connection.
  // A session that slips in between is refused anyway, since validateSession checks disabledAt.
  if (outcome.ok && outcome.changed) await endAllSessionsOf(userId)
  return outcome
}

/** Re-enables an account. Its ended sessions and revoked tokens stay ended. */
export async function enableUser(userId: string, actor: AuditActor): Promise<AdminChange> {
  return getDb().transaction(async (tx): Promise<AdminChange> => {
    const [target] = await tx
      .select({ email: users.email, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.id, userId))
    if (!target) return { ok: false, reason: 'not_found' }
    if (!target.disabledAt) return { ok: true, changed: false }
    await tx.update(users).set({ disabledAt: null }).where(eq(users.id, userId))
    await recordAudit(
      {
        action: 'user.enable',
        actor,
        targetType: 'user',
        targetId: userId,
        detail: { email: target.email },
      },
      tx,
    )
    return { ok: true, changed: true }
  })
}

// ---------------------------------------------------------------------------------------------
// Sessions of everyone

const HANDLE_PATTERN = /^[0-9a-f]{16}$/

/** Every live session of every enabled user, most recently active first. */
export async function listLiveSessions(currentSessionId?: string, now = Date.now()) {
  const currentHash = currentSessionId ? sha256Hex(currentSessionId) : undefined
  const rows = await getDb()
    .select({
      id: sessions.id,
      userId: users.id,
      email: users.email,
      name: users.name,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      ip: sessions.ip,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        gt(sessions.expiresAt, Math.floor(now / 1000)),
        gt(sessions.lastSeenAt, now - SESSION_IDLE_LIMIT_MS),
        isNull(users.disabledAt),
      ),
    )
    .orderBy(desc(sessions.lastSeenAt))
    .limit(1000)
  // The hash never leaves the server: a 64-bit prefix identifies the session for "end".
  return rows.map(({ id, ...row }) => ({
    ...row,
    handle: id.slice(0, 16),
    browser: describeUserAgent(row.userAgent),
    current: id === currentHash,
  }))
}

/** Ends anyone's session by its handle (first 16 hex digits of the stored hash). */
export async function endSessionAsAdmin(
  handle: string,
  actor: AuditActor,
): Promise<{ ok: true; ownerId: string } | { ok: false }> {
  if (!HANDLE_PATTERN.test(handle)) return { ok: false }
  return getDb().transaction(async (tx) => {
    const matches = await tx
      .select({ id: sessions.id, userId: sessions.userId, email: users.email })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(like(sessions.id, `${handle}%`))
      .limit(2)
    // Two sessions sharing 64 bits of a SHA-256 will not happen; if they did, ending neither is the safe answer.
    if (matches.length !== 1) return { ok: false as const }
    const [match] = matches
    await tx.delete(sessions).where(eq(sessions.id, match.id))
    await recordAudit(
      {
        action: 'session.end',
        actor,
        targetType: 'session',
        targetId: handle,
        detail: { owner: match.userId, ownerEmail: match.email },
      },
      tx,
    )
    return { ok: true as const, ownerId: match.userId }
  })
}

// ---------------------------------------------------------------------------------------------
// API tokens of everyone

export type TokenStatus = 'active' | 'expired' | 'revoked'

export async function listAllTokens(now = Date.now()) {
  const rows = await listTokens({})
  return rows.map((row) => ({
    ...row,
    status: (row.revokedAt ? 'revoked' : row.expiresAt.getTime() <= now ? 'expired' : 'active') as TokenStatus,
  }))
}

/** Revokes anyone's token. `revokeApiToken` records the audit entry. */
export async function revokeTokenAsAdmin(
  tokenId: string,
  actor: AuditActor,
): Promise<'revoked' | 'already_revoked' | 'not_found'> {
  if (await revokeApiToken(tokenId, actor)) return 'revoked'
  const [row] = await getDb().select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.id, tokenId))
  return row ? 'already_revoked' : 'not_found'
}

// ---------------------------------------------------------------------------------------------
// Audit log

export const AUDIT_PAGE_SIZE = 50
export const AUDIT_CSV_MAX_ROWS = 50_000

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date as YYYY-MM-DD')
  .refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'Not a real date',
  )

const auditQuerySchema = z.object({
  actor: z.string().trim().toLowerCase().max(254, 'Too long').email('Enter a whole email address').optional(),
  action: z
    .string()
    .trim()
    .max(100, 'Too long')
    .regex(/^[a-z0-9_.:-]+$/, 'Not an action name')
    .optional(),
  from: isoDay.optional(),
  to: isoDay.optional(),
  before: z.coerce.number().int().positive().optional(),
})

export type AuditQueryValues = { actor: string; action: string; from: string; to: string }

/**
 * Reads the audit filters from a query string. Bad values are dropped (and reported per field) rather
 * than failing the page; `from`/`to` are whole UTC days, both inclusive.
 */
export function parseAuditQuery(searchParams: URLSearchParams) {
  const errors: Partial<Record<keyof AuditQueryValues | 'before', string>> = {}
  const filter: Omit<AuditFilter, 'limit'> = {}
  const raw = (name: string) => searchParams.get(name)?.trim() || undefined
  const values: AuditQueryValues = {
    actor: raw('actor') ?? '',
    action: raw('action') ?? '',
    from: raw('from') ?? '',
    to: raw('to') ?? '',
  }
  for (const key of ['actor', 'action', 'from', 'to', 'before'] as const) {
    const field = auditQuerySchema.shape[key].safeParse(raw(key))
    if (!field.success) {
      errors[key] = field.error.issues[0]?.message ?? 'Not valid'
      continue
    }
    const value = field.data
    if (value === undefined) continue
    if (key === 'actor') filter.actorEmail = value as string
    else if (key === 'action') filter.action = value as string
    else if (key === 'from') filter.from = new Date(`${value}T00:00:00.000Z`)
    else if (key === 'to') filter.to = new Date(`${value}T23:59:59.999Z`)
    else filter.before = value as number
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    errors.to = 'The end date is before the start date'
    delete filter.to
  }
  return { filter, values, errors }
}

async function describeAuditRows(rows: Awaited<ReturnType<typeof listAudit>>) {
  const tokenIds = [...new Set(rows.map((row) => row.actorTokenId).filter((id): id is string => Boolean(id)))]
  const targetUserIds = [
    ...new Set(rows.filter((row) => row.targetType === 'user' && row.targetId).map((row) => row.targetId!)),
  ]
  const [tokens, targets] = await Promise.all([
    tokenIds.length
      ? getDb()
          .select({ id: apiTokens.id, prefix: apiTokens.prefix, name: apiTokens.name })
          .from(apiTokens)
          .where(inArray(apiTokens.id, tokenIds))
      : [],
    targetUserIds.length
      ? getDb().select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, targetUserIds))
      : [],
  ])
  const tokenLabel = new Map(tokens.map((token) => [token.id, `${token.prefix}… (${token.name})`]))
  const targetEmail = new Map(targets.map((user) => [user.id, user.email]))
  return rows.map((row) => {
    const token = row.actorTokenId ? (tokenLabel.get(row.actorTokenId) ?? 'a deleted token') : null
    return {
      id: row.id,
      at: row.at,
      action: row.action,
      ip: row.ip,
      who: row.actorEmail ?? row.actorLabel ?? (token ? `token ${token}` : 'system'),
      via: row.actorEmail && token ? `token ${token}` : null,
      actorEmail: row.actorEmail,
      actorLabel: row.actorLabel,
      token,
      targetType: row.targetType,
      targetId: row.targetId,
      target:
        row.targetType === 'user' && row.targetId ? (targetEmail.get(row.targetId) ?? row.targetId) : row.targetId,
      detail: row.detail,
    }
  })
}

export async function listAuditPage(filter: Omit<AuditFilter, 'limit'>, pageSize = AUDIT_PAGE_SIZE) {
  const rows = await listAudit({ ...filter, limit: pageSize + 1 })
  const page = rows.slice(0, pageSize)
  return {
    entries: await describeAuditRows(page),
    olderBefore: rows.length > pageSize ? page[page.length - 1].id : null,
  }
}

/** "from: engineer, to: viewer" */
export function formatAuditDetail(detail: Record<string, unknown> | null | undefined): string {
  if (!detail) return ''
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ')
}

/** One CSV field (RFC 4180), neutralising spreadsheet formulas: the actor label is whatever someone typed at login. */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const CSV_COLUMNS = [
  'id',
  'at',
  'actor_email',
  'actor_label',
  'actor_token',
  'ip',
  'action',
  'target_type',
  'target_id',
  'target',
  'detail',
] as const

/** The filtered audit log as CSV (newest first, at most AUDIT_CSV_MAX_ROWS rows). */
export async function auditCsv(filter: Omit<AuditFilter, 'limit' | 'before'>) {
  const rows = await listAudit({ ...filter, limit: AUDIT_CSV_MAX_ROWS + 1 })
  const truncated = rows.length > AUDIT_CSV_MAX_ROWS
  const entries = await describeAuditRows(rows.slice(0, AUDIT_CSV_MAX_ROWS))
  const lines = [CSV_COLUMNS.join(',')]
  for (const entry of entries) {
    lines.push(
      [
        entry.id,
        entry.at,
        entry.actorEmail,
        entry.actorLabel,
        entry.token,
        entry.ip,
        entry.action,
        entry.targetType,
        entry.targetId,
        entry.target,
        entry.detail ? JSON.stringify(entry.detail) : '',
      ]
        .map(csvField)
        .join(','),
    )
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: entries.length, truncated }
}

/** How many admins can act right now: enabled and with a password. */
export async function countActiveAdmins() {
  const rows = await getDb()
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), isNotNull(users.passwordHash)))
  return rows.length
}
