// Invitations: an admin creates a person without a password and a single-use link to set one.
import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import { invites, users, type Role } from '../../db/schema'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import { enqueueInviteMail } from '../notifications/invite-mail.server'
import { getLogger } from '../observability/logger.server'
import { getRequestContext } from '../observability/request-context.server'
import { newId, newSecret, sha256Hex } from '../utils/crypto.server'
import { isUniqueViolation } from '../utils/db-errors.server'
import { recordAudit, type AuditActor } from './audit.server'
import { hashPassword } from './password.server'
import { createSession } from './session.server'
import { normalizeEmail } from './users.server'

export const INVITE_LIFETIME_MS = 72 * 60 * 60 * 1000

// newSecret() is base64url; anything else cannot be one of ours and is not worth a query.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,128}$/

/** The email belongs to someone who has accepted an invite (or been disabled): not invitable again. */
class EmailTakenError extends Error {
  name = 'EmailTakenError'
}

export interface CreatedInvite {
  ok: true
  userId: string
  email: string
  /** The plain token; it exists only in this return value and the link. */
  token: string
  url: string
  expiresAt: Date
  /** The person had an invite that was not accepted yet; that one no longer works. */
  reinvited: boolean
}

export function inviteUrl(token: string) {
  return `${getEnv().APP_URL}/invite/${token}`
}

/**
 * Invites a person: creates the user without a password (or, for someone invited before who has not
 * accepted, updates name and role and replaces the old invite) and a new single-use link.
 */
export async function inviteUser(
  input: { email: string; name: string; role: Role },
  actor: AuditActor,
): Promise<CreatedInvite | { ok: false; reason: 'email_taken'; message: string }> {
  const email = normalizeEmail(input.email)
  const name = input.name.trim()
  const token = newSecret()
  const expiresAt = new Date(Date.now() + INVITE_LIFETIME_MS)
  let outcome: { userId: string; reinvited: boolean }
  try {
    // libSQL transactions begin IMMEDIATE: the read and the writes below cannot interleave with another invite.
    outcome = await getDb().transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: users.id, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
        .from(users)
        .where(eq(users.email, email))
      if (existing && (existing.passwordHash !== null || existing.disabledAt !== null)) {
        throw new EmailTakenError(`${email} already has an account`)
      }
      let userId: string
      if (existing) {
        userId = existing.id
        await tx.update(users).set({ name, role: input.role }).where(eq(users.id, userId))
        await tx.delete(invites).where(eq(invites.userId, userId))
      } else {
        userId = newId()
        await tx.insert(users).values({ id: userId, email, name, role: input.role, passwordHash: null })
      }
      await tx
        .insert(invites)
        .values({ id: newId(), userId, tokenHash: sha256Hex(token), invitedBy: actor.userId ?? null, expiresAt })
      await recordAudit(
        {
          action: 'user.invite',
          actor,
          targetType: 'user',
          targetId: userId,
          detail: { email, role: input.role, reinvite: Boolean(existing) },
        },
        tx,
      )
      // The mail goes with the invite or not at all; the admin still sees the link (a mail may not arrive).
      await enqueueInviteMail(tx, { userId, email, name, role: input.role, inviterId: actor.userId ?? null, url: inviteUrl(token), expiresAt })
      return { userId, reinvited: Boolean(existing) }
    })
  } catch (error) {
    if (error instanceof EmailTakenError || isUniqueViolation(error)) {
      return { ok: false, reason: 'email_taken', message: 'That email already has an account' }
    }
    throw error
  }
  const url = inviteUrl(token)
  // The log is one more place the link can be found if mail fails. `*.token` is redacted, the URL is not: on purpose.
  getLogger().info({ inviteUrl: url, email }, 'invite created')
  return { ok: true, ...outcome, email, token, url, expiresAt }
}

export type InviteLookup =
  | { status: 'valid'; inviteId: string; userId: string; email: string; name: string; expiresAt: Date }
  | { status: 'unknown' }
  | { status: 'spent' }

/**
 * What a presented invite token stands for. `spent` covers used, expired, replaced-by-acceptance and
 * disabled alike, so the answer tells a stranger nothing about whose link it was.
 */
export async function findInvite(token: string, now = new Date()): Promise<InviteLookup> {
  if (!TOKEN_PATTERN.test(token)) return { status: 'unknown' }
  const [row] = await getDb()
    .select({
      inviteId: invites.id,
      userId: users.id,
      email: users.email,
      name: users.name,
      expiresAt: invites.expiresAt,
      usedAt: invites.usedAt,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
    })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.userId))
    .where(eq(invites.tokenHash, sha256Hex(token)))
  if (!row) return { status: 'unknown' }
  if (row.usedAt || row.expiresAt.getTime() <= now.getTime() || row.passwordHash !== null || row.disabledAt) {
    return { status: 'spent' }
  }
  return {
    status: 'valid',
    inviteId: row.inviteId,
    userId: row.userId,
    email: row.email,
    name: row.name,
    expiresAt: row.expiresAt,
  }
}

export type InviteAcceptance = { ok: true; userId: string; cookie: string } | { ok: false; reason: 'unknown' | 'spent' }

/**
 * Sets the invited person's password, uses up the invite and starts their session. The invite is
 * claimed with one conditional UPDATE, so of two simultaneous submissions exactly one succeeds.
 */
export async function acceptInvite(token: string, password: string): Promise<InviteAcceptance> {
  const lookup = await findInvite(token)
  if (lookup.status !== 'valid') return { ok: false, reason: lookup.status }
  // Hashing is slow: do it before taking the write lock.
  const passwordHash = await hashPassword(password)
  const now = new Date()
  const userId = await getDb().transaction(async (tx) => {
    const [claimed] = await tx
      .update(invites)
      .set({ usedAt: now })
      .where(
        and(
          eq(invites.tokenHash, sha256Hex(token)),
          isNull(invites.usedAt),
          gt(invites.expiresAt, now),
          sql`exists (select 1 from users u where u.id = "invites"."user_id" and u.disabled_at is null and u.password_hash is null)`,
        ),
      )
      .returning({ id: invites.id, userId: invites.userId })
    if (!claimed) return null
    await tx
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, claimed.userId), isNull(users.passwordHash)))
    await recordAudit(
      {
        action: 'invite.accept',
        actor: { userId: claimed.userId },
        targetType: 'user',
        targetId: claimed.userId,
        detail: { invite: claimed.id },
      },
      tx,
    )
    return claimed.userId
  })
  if (!userId) return { ok: false, reason: 'spent' }
  const context = getRequestContext()
  const session = await createSession(userId, { ip: context?.ip, userAgent: context?.userAgent })
  return { ok: true, userId, cookie: session.cookie }
}
