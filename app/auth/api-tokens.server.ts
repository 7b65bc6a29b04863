import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import { apiTokens, users, type TokenScope } from '../../db/schema'
import { getDb } from '../db.server'
import { newId, newSecret, sha256Hex } from '../utils/crypto.server'
import { singleton } from '../utils/singleton.server'
import { recordAudit, type AuditActor } from './audit.server'
import type { Role } from './permissions'

export const TOKEN_PREFIX = 'inq_'
export { MAX_TOKEN_DAYS } from './limits'
const LAST_USED_RESOLUTION_MS = 60 * 1000

export interface CreatedToken {
  id: string
  token: string
  prefix: string
  expiresAt: Date
}

/** Creates a token for `userId`; the plain token is returned once and stored only as a hash. */
export async function createApiToken(
  input: { userId: string; name: string; scope: TokenScope; days: number },
  actor: AuditActor,
): Promise<CreatedToken> {
  const token = TOKEN_PREFIX + newSecret(24)
  const id = newId()
  const prefix = token.slice(0, TOKEN_PREFIX.length + 6)
  const expiresAt = new Date(Date.now() + input.days * 24 * 60 * 60 * 1000)
  await getDb().transaction(async (tx) => {
    await tx.insert(apiTokens).values({
      id,
      userId: input.userId,
      name: input.name.trim(),
      prefix,
      tokenHash: sha256Hex(token),
      scope: input.scope,
      expiresAt,
    })
    await recordAudit(
      { action: 'token.create', actor, targetType: 'api_token', targetId: id, detail: { name: input.name, scope: input.scope, owner: input.userId } },
      tx,
    )
  })
  return { id, token, prefix, expiresAt }
}

export interface TokenIdentity {
  tokenId: string
  scope: TokenScope
  user: { id: string; email: string; name: string; role: Role }
}

// The hot path of every API call: one prepared join.
function tokenLookup() {
  return singleton('api-token-lookup', () =>
    getDb()
      .select({
        id: apiTokens.id,
        scope: apiTokens.scope,
        expiresAt: apiTokens.expiresAt,
        revokedAt: apiTokens.revokedAt,
        lastUsedAt: apiTokens.lastUsedAt,
        userId: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        disabledAt: users.disabledAt,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.tokenHash, sql.placeholder('hash')))
      .prepare(),
  )
}

export type TokenCheck = { ok: true; identity: TokenIdentity } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'disabled' }

/** Checks a presented bearer token against the database; the owner's current role applies. */
export async function authenticateApiToken(token: string, ip?: string | null): Promise<TokenCheck> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return { ok: false, reason: 'unknown' }
  const row = await tokenLookup().get({ hash: sha256Hex(token) })
  if (!row) return { ok: false, reason: 'unknown' }
  if (row.revokedAt) return { ok: false, reason: 'revoked' }
  if (row.disabledAt) return { ok: false, reason: 'disabled' }
  const now = Date.now()
  if (row.expiresAt.getTime() <= now) return { ok: false, reason: 'expired' }
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await getDb()
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now), lastUsedIp: ip ?? null })
      .where(eq(apiTokens.id, row.id))
  }
  return {
    ok: true,
    identity: {
      tokenId: row.id,
      scope: row.scope,
      user: { id: row.userId, email: row.email, name: row.name, role: row.role },
    },
  }
}

export async function listTokens(filter: { userId?: string }) {
  return getDb()
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      scope: apiTokens.scope,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      lastUsedIp: apiTokens.lastUsedIp,
      revokedAt: apiTokens.revokedAt,
      createdAt: apiTokens.createdAt,
      ownerId: users.id,
      ownerEmail: users.email,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(filter.userId ? eq(apiTokens.userId, filter.userId) : undefined)
    .orderBy(desc(apiTokens.createdAt))
}

/**
 * Revokes a token. With `ownerId` the token must belong to that user (a person revoking their own);
 * without it (an admin) any token. Returns whether a live token was revoked.
 */
export async function revokeApiToken(tokenId: string, actor: AuditActor, ownerId?: string): Promise<boolean> {
  return getDb().transaction(async (tx) => {
    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(
        and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt), ownerId ? eq(apiTokens.userId, ownerId) : undefined),
      )
      .returning({ id: apiTokens.id })
    if (revoked.length === 0) return false
    await recordAudit({ action: 'token.revoke', actor, targetType: 'api_token', targetId: tokenId }, tx)
    return true
  })
}

export async function revokeAllTokensOf(userId: string, tx: Pick<ReturnType<typeof getDb>, 'update'> = getDb()) {
  await tx
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
}
