import { Writable } from 'node:stream'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog, invites, users } from '../../db/schema'
import { getDb } from '../db.server'
import { createLogger } from '../observability/logger.server'
import { forgetSingleton, singleton } from '../utils/singleton.server'
import { sha256Hex } from '../utils/crypto.server'
import { makeRequest, userWithRole } from '../../tests/helpers/auth'
import { INVITE_LIFETIME_MS, acceptInvite, findInvite, inviteUser } from './invites.server'
import { login } from './login.server'
import { verifyPassword } from './password.server'
import { getOptionalActor } from './require.server'
import { sessionCookieName } from './session.server'
import { findUserByEmail } from './users.server'

const PASSWORD = 'correct horse battery staple'
const logLines: string[] = []

beforeAll(async () => {
  // Capture what the app logs, through the real logger and its redaction rules.
  forgetSingleton('logger')
  singleton('logger', () =>
    createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk))
          done()
        },
      }),
    ),
  )
})

afterAll(() => forgetSingleton('logger'))

async function adminActor() {
  const admin = await userWithRole('admin')
  return { userId: admin.id }
}

function cookieValue(setCookie: string) {
  return setCookie.split(';')[0]
}

async function invite(email: string, role: 'admin' | 'engineer' | 'viewer' = 'engineer', name = 'New Person') {
  const created = await inviteUser({ email, name, role }, await adminActor())
  if (!created.ok) throw new Error(created.message)
  return created
}

describe('inviteUser', () => {
  it('creates a user without a password and a 72-hour link whose token is stored only as a SHA-256', async () => {
    const before = Date.now()
    const created = await invite('  Nora@Example.com ', 'viewer', 'Nora')
    expect(created.url).toBe(`http://localhost:3000/invite/${created.token}`)
    // newSecret(): 20 random bytes, base64url.
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{27}$/)
    expect(created.expiresAt.getTime() - before).toBeGreaterThanOrEqual(INVITE_LIFETIME_MS - 1000)
    expect(created.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(INVITE_LIFETIME_MS)

    const user = await findUserByEmail('nora@example.com')
    expect(user).toMatchObject({
      email: 'nora@example.com',
      name: 'Nora',
      role: 'viewer',
      passwordHash: null,
      disabledAt: null,
    })
    const rows = await getDb().select().from(invites).where(eq(invites.userId, user!.id))
    expect(rows).toHaveLength(1)
    expect(rows[0].tokenHash).toBe(sha256Hex(created.token))
    expect(JSON.stringify(rows)).not.toContain(created.token)

    const [audit] = await getDb().select().from(auditLog).where(eq(auditLog.targetId, user!.id))
    expect(audit).toMatchObject({ action: 'user.invite', actorUserId: (await adminActor()).userId, targetType: 'user' })
    expect(audit.detail).toMatchObject({ email: 'nora@example.com', role: 'viewer', reinvite: false })
  })

  it('writes the link to the log under a key that is not redacted', async () => {
    const created = await invite('logged@example.com')
    const line = logLines
      .map((text) => JSON.parse(text))
      .find((entry) => entry.msg === 'invite created' && entry.email === 'logged@example.com')
    expect(line?.inviteUrl).toBe(created.url)
  })

  it('refuses an email that already has an account, active or disabled', async () => {
    const engineer = await userWithRole('engineer')
    const taken = await inviteUser({ email: 'ENGINEER@example.com', name: 'X', role: 'viewer' }, await adminActor())
    expect(taken).toEqual({ ok: false, reason: 'email_taken', message: 'That email already has an account' })
    expect((await findUserByEmail('engineer@example.com'))?.role).toBe(engineer.role)

    await invite('gone@example.com')
    await getDb().update(users).set({ disabledAt: new Date() }).where(eq(users.email, 'gone@example.com'))
    expect((await inviteUser({ email: 'gone@example.com', name: 'G', role: 'viewer' }, await adminActor())).ok).toBe(
      false,
    )
  })

  it('re-inviting someone who has not accepted replaces the old link and updates name and role', async () => {
    const first = await invite('twice@example.com', 'viewer', 'First Name')
    const second = await invite('twice@example.com', 'engineer', 'Second Name')
    expect(second.reinvited).toBe(true)
    expect(second.userId).toBe(first.userId)
    expect((await findInvite(first.token)).status).not.toBe('valid')
    expect(await findInvite(second.token)).toMatchObject({
      status: 'valid',
      email: 'twice@example.com',
      name: 'Second Name',
    })
    expect(await findUserByEmail('twice@example.com')).toMatchObject({ role: 'engineer', name: 'Second Name' })
    const rows = await getDb().select().from(invites).where(eq(invites.userId, first.userId))
    expect(rows).toHaveLength(1)
  })
})

describe('acceptInvite', () => {
  it('sets the password, uses up the invite, starts a session, and the person can log in', async () => {
    const created = await invite('accept@example.com', 'engineer', 'Accepting')
    const accepted = await acceptInvite(created.token, PASSWORD)
    expect(accepted.ok).toBe(true)
    if (!accepted.ok) return

    const user = await findUserByEmail('accept@example.com')
    expect(await verifyPassword(user!.passwordHash, PASSWORD)).toBe(true)
    const [row] = await getDb().select().from(invites).where(eq(invites.userId, user!.id))
    expect(row.usedAt).toBeInstanceOf(Date)

    // The cookie it hands back is a live session of that person.
    expect(accepted.cookie.startsWith(`${sessionCookieName()}=`)).toBe(true)
    const actor = await getOptionalActor(makeRequest('/', { cookie: cookieValue(accepted.cookie) }))
    expect(actor?.user).toMatchObject({ id: user!.id, email: 'accept@example.com', role: 'engineer' })

    // And the real login accepts the new password.
    const outcome = await login(makeRequest('/login', { form: { email: 'accept@example.com', password: PASSWORD } }))
    expect(outcome.kind).toBe('ok')

    const audit = await getDb().select().from(auditLog).where(eq(auditLog.action, 'invite.accept'))
    expect(audit.some((entry) => entry.actorUserId === user!.id && entry.targetId === user!.id)).toBe(true)
  })

  it('refuses a second use of the same link', async () => {
    const created = await invite('once@example.com')
    expect((await acceptInvite(created.token, PASSWORD)).ok).toBe(true)
    expect(await findInvite(created.token)).toEqual({ status: 'spent' })
    expect(await acceptInvite(created.token, 'another password entirely')).toEqual({ ok: false, reason: 'spent' })
    const user = await findUserByEmail('once@example.com')
    expect(await verifyPassword(user!.passwordHash, PASSWORD)).toBe(true)
  })

  it('lets exactly one of two simultaneous submissions win', async () => {
    const created = await invite('race@example.com')
    const results = await Promise.all([
      acceptInvite(created.token, 'first password 123'),
      acceptInvite(created.token, 'second password 456'),
    ])
    expect(results.filter((result) => result.ok)).toHaveLength(1)
    expect(results.filter((result) => !result.ok)).toEqual([{ ok: false, reason: 'spent' }])
    const user = await findUserByEmail('race@example.com')
    const winner = results[0].ok ? 'first password 123' : 'second password 456'
    expect(await verifyPassword(user!.passwordHash, winner)).toBe(true)
    const accepts = await getDb().select().from(auditLog).where(eq(auditLog.targetId, user!.id))
    expect(accepts.filter((entry) => entry.action === 'invite.accept')).toHaveLength(1)
  })

  it('refuses an expired link', async () => {
    const created = await invite('late@example.com')
    await getDb()
      .update(invites)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invites.userId, created.userId))
    expect(await findInvite(created.token)).toEqual({ status: 'spent' })
    expect(await acceptInvite(created.token, PASSWORD)).toEqual({ ok: false, reason: 'spent' })
    expect((await findUserByEmail('late@example.com'))?.passwordHash).toBeNull()
  })

  it('refuses an unknown or malformed token', async () => {
    expect(await findInvite('A'.repeat(27))).toEqual({ status: 'unknown' })
    expect(await findInvite('../../etc/passwd')).toEqual({ status: 'unknown' })
    expect(await findInvite('')).toEqual({ status: 'unknown' })
    expect(await acceptInvite('B'.repeat(27), PASSWORD)).toEqual({ ok: false, reason: 'unknown' })
  })

  it('refuses the link of a disabled account', async () => {
    const created = await invite('blocked@example.com')
    await getDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, created.userId))
    expect(await findInvite(created.token)).toEqual({ status: 'spent' })
    expect(await acceptInvite(created.token, PASSWORD)).toEqual({ ok: false, reason: 'spent' })
  })
})
