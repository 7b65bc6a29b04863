// The only module that knows Lucia. Replacing Lucia (deprecated upstream) means replacing this file.
import { DrizzleSQLiteAdapter } from '@lucia-auth/adapter-drizzle'
import { and, desc, eq, lte, ne, or, sql } from 'drizzle-orm'
import { Lucia, TimeSpan, type Adapter, type DatabaseSession, type DatabaseUser } from 'lucia'
import { sessions, users } from '../../db/schema'
import { getDb, type Database } from '../db.server'
import { getEnv } from '../env.server'
import { sha256Hex } from '../utils/crypto.server'
import { singleton } from '../utils/singleton.server'
import type { Role } from './permissions'

export const SESSION_LIFETIME = new TimeSpan(30, 'd')
/** A session unused for this long ends even though it has not expired. */
export const SESSION_IDLE_LIMIT_MS = 7 * 24 * 60 * 60 * 1000
/** last_seen_at is written at most this often per session, so that reads stay reads. */
const LAST_SEEN_RESOLUTION_MS = 60 * 1000

/**
 * Stores SHA-256(session id) instead of the id, so a copy of the database yields no usable cookie.
 * Lucia hands us the caller's id; we hand back the caller's id, never the hash, or a renewed cookie
 * would carry the hash.
 */
class HashedSessionAdapter implements Adapter {
  // The hot path of every request: one prepared join that never loads the password hash.
  private sessionAndUser

  constructor(
    private inner: Adapter,
    db: Database,
  ) {
    this.sessionAndUser = db
      .select({
        userId: sessions.userId,
        expiresAt: sessions.expiresAt,
        createdAt: sessions.createdAt,
        lastSeenAt: sessions.lastSeenAt,
        ip: sessions.ip,
        userAgent: sessions.userAgent,
        email: users.email,
        name: users.name,
        role: users.role,
        disabledAt: users.disabledAt,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sql.placeholder('id')))
      .prepare()
  }

  async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const row = await this.sessionAndUser.get({ id: sha256Hex(sessionId) })
    if (!row) return [null, null]
    return [
      {
        id: sessionId,
        userId: row.userId,
        expiresAt: new Date(row.expiresAt * 1000),
        attributes: { createdAt: row.createdAt, lastSeenAt: row.lastSeenAt, ip: row.ip, userAgent: row.userAgent },
      },
      { id: row.userId, attributes: { email: row.email, name: row.name, role: row.role, disabledAt: row.disabledAt } },
    ]
  }
  getUserSessions(userId: string) {
    return this.inner.getUserSessions(userId)
  }
  setSession(session: DatabaseSession) {
    return this.inner.setSession({ ...session, id: sha256Hex(session.id) })
  }
  updateSessionExpiration(sessionId: string, expiresAt: Date) {
    return this.inner.updateSessionExpiration(sha256Hex(sessionId), expiresAt)
  }
  deleteSession(sessionId: string) {
    return this.inner.deleteSession(sha256Hex(sessionId))
  }
  deleteUserSessions(userId: string) {
    return this.inner.deleteUserSessions(userId)
  }
  deleteExpiredSessions() {
    return this.inner.deleteExpiredSessions()
  }
}

function createLucia(db: Database, production: boolean) {
  const adapter = new HashedSessionAdapter(new DrizzleSQLiteAdapter(db, sessions, users), db)
  return new Lucia(adapter, {
    sessionExpiresIn: SESSION_LIFETIME,
    sessionCookie: {
      name: production ? '__Host-inquest_session' : 'inquest_session',
      expires: true,
      attributes: { secure: production, sameSite: 'lax' },
    },
    getSessionAttributes: (attributes) => attributes,
    getUserAttributes: (attributes) => ({
      email: attributes.email,
      name: attributes.name,
      role: attributes.role,
      disabledAt: attributes.disabledAt,
    }),
  })
}

type AppLucia = ReturnType<typeof createLucia>

declare module 'lucia' {
  interface Register {
    Lucia: AppLucia
    DatabaseSessionAttributes: {
      createdAt: number
      lastSeenAt: number
      ip: string | null
      userAgent: string | null
    }
    DatabaseUserAttributes: {
      email: string
      name: string
      role: Role
      disabledAt: Date | null
    }
  }
}

function lucia(): AppLucia {
  return singleton('lucia', () => createLucia(getDb(), getEnv().NODE_ENV === 'production'))
}

export function sessionCookieName() {
  return lucia().sessionCookieName
}

export interface SessionUser {
  id: string
  email: string
  name: string
  role: Role
}

export interface ValidSession {
  sessionId: string
  user: SessionUser
  /** A renewed cookie to send back, when the session was extended. */
  renewedCookie?: string
}

export function readSessionId(cookieHeader: string | null): string | null {
  return cookieHeader ? lucia().readSessionCookie(cookieHeader) : null
}

/** Validates a session id: expired, idle, or belonging to a disabled user means no session. */
export async function validateSession(sessionId: string): Promise<ValidSession | null> {
  const { session, user } = await lucia().validateSession(sessionId)
  if (!session || !user) return null
  const now = Date.now()
  if (user.disabledAt || now - session.lastSeenAt > SESSION_IDLE_LIMIT_MS) {
    await lucia().invalidateSession(sessionId)
    return null
  }
  if (now - session.lastSeenAt > LAST_SEEN_RESOLUTION_MS) {
    await getDb().update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, sha256Hex(sessionId)))
  }
  return {
    sessionId,
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    renewedCookie: session.fresh ? lucia().createSessionCookie(session.id).serialize() : undefined,
  }
}

/** Starts a new session (never reuses one) and returns its Set-Cookie value. */
export async function createSession(userId: string, meta: { ip?: string | null; userAgent?: string | null }) {
  const now = Date.now()
  // Housekeeping on the way in: the user's expired and idle sessions go.
  await getDb()
    .delete(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        or(lte(sessions.expiresAt, Math.floor(now / 1000)), lte(sessions.lastSeenAt, now - SESSION_IDLE_LIMIT_MS)),
      ),
    )
  const session = await lucia().createSession(userId, {
    createdAt: now,
    lastSeenAt: now,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  })
  return { sessionId: session.id, cookie: lucia().createSessionCookie(session.id).serialize() }
}

export async function endSession(sessionId: string) {
  await lucia().invalidateSession(sessionId)
}

export function blankSessionCookie() {
  return lucia().createBlankSessionCookie().serialize()
}

export async function endAllSessionsOf(userId: string) {
  await lucia().invalidateUserSessions(userId)
}

export async function endOtherSessionsOf(userId: string, keepSessionId: string) {
  await getDb()
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), ne(sessions.id, sha256Hex(keepSessionId))))
}

export interface SessionListItem {
  /** A handle for the session that is not the secret: the first 16 hex digits of its hash. */
  handle: string
  createdAt: number
  lastSeenAt: number
  expiresAt: number
  ip: string | null
  userAgent: string | null
  current: boolean
}

/** A user's live sessions, newest activity first. */
export async function listSessionsOf(userId: string, currentSessionId?: string): Promise<SessionListItem[]> {
  const currentHash = currentSessionId ? sha256Hex(currentSessionId) : undefined
  const rows = await getDb()
    .select()
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.lastSeenAt))
  const now = Date.now()
  return rows
    .filter((row) => row.expiresAt * 1000 > now && now - row.lastSeenAt <= SESSION_IDLE_LIMIT_MS)
    .map((row) => ({
      handle: row.id.slice(0, 16),
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      expiresAt: row.expiresAt * 1000,
      ip: row.ip,
      userAgent: row.userAgent,
      current: row.id === currentHash,
    }))
}

/** Ends one of a user's sessions by its handle; scoped to that user. Returns whether one ended. */
export async function endSessionByHandle(userId: string, handle: string): Promise<boolean> {
  if (!/^[0-9a-f]{16}$/.test(handle)) return false
  const rows = await getDb()
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.userId, userId))
  const match = rows.find((row) => row.id.startsWith(handle))
  if (!match) return false
  await getDb().delete(sessions).where(and(eq(sessions.id, match.id), eq(sessions.userId, userId)))
  return true
}
