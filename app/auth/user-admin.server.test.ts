import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { apiTokens, auditLog, sessions } from '../../db/schema'
import { getDb } from '../db.server'
import { sha256Hex } from '../utils/crypto.server'
import { ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { authenticateApiToken, createApiToken } from './api-tokens.server'
import { recordAudit, type AuditActor } from './audit.server'
import { acceptInvite, inviteUser } from './invites.server'
import { login } from './login.server'
import type { Role } from './permissions'
import { getOptionalActor, requirePermission } from './require.server'
import { createSession, sessionCookieName } from './session.server'
import { createUser, findUserById } from './users.server'
import {
  auditCsv,
  changeUserRole,
  countActiveAdmins,
  csvField,
  disableUser,
  enableUser,
  endSessionAsAdmin,
  listAllTokens,
  listAuditPage,
  listLiveSessions,
  listUsersForAdmin,
  parseAuditQuery,
  revokeTokenAsAdmin,
} from './user-admin.server'

const PASSWORD = 'a long enough password'

async function actorFor(role: Role): Promise<AuditActor & { userId: string }> {
  const user = await userWithRole(role)
  return { userId: user.id }
}

async function person(email: string, role: Role = 'engineer') {
  return createUser({ email, name: email.split('@')[0], role, password: PASSWORD })
}

async function sessionCookie(userId: string, userAgent = 'vitest') {
  const { sessionId } = await createSession(userId, { ip: '10.0.0.1', userAgent })
  return { sessionId, cookie: `${sessionCookieName()}=${sessionId}` }
}

/** What a new request with this cookie is allowed to do, decided afresh (no per-request cache). */
async function statusOf(cookie: string, permission: 'workspace:read' | 'investigation:write' | 'user:manage') {
  try {
    await requirePermission(makeRequest('/', { cookie }), permission)
    return 200
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status
    throw thrown
  }
}

async function auditOf(action: string, targetId: string) {
  const rows = await getDb().select().from(auditLog).where(eq(auditLog.targetId, targetId))
  return rows.filter((row) => row.action === action)
}

beforeAll(async () => {
  await ensureDemoUsers()
})

describe('listUsersForAdmin', () => {
  it('tells active, invited and disabled people apart', async () => {
    const admin = await actorFor('admin')
    const invited = await inviteUser(
      { email: 'invited@example.com', name: 'Invited', role: 'viewer' },
      { userId: admin.userId },
    )
    const disabled = await person('disabled-list@example.com')
    expect((await disableUser(disabled.id, admin)).ok).toBe(true)
    const list = await listUsersForAdmin()
    const byEmail = new Map(list.map((user) => [user.email, user]))
    expect(byEmail.get('admin@example.com')?.status).toBe('active')
    expect(byEmail.get('invited@example.com')).toMatchObject({ status: 'invited', inviteExpired: false })
    expect(byEmail.get('invited@example.com')?.inviteExpiresAt?.getTime()).toBe(
      invited.ok ? invited.expiresAt.getTime() : -1,
    )
    expect(byEmail.get('disabled-list@example.com')?.status).toBe('disabled')
    expect(list.map((user) => user.email)).toEqual([...list.map((user) => user.email)].sort())
  })
})

describe('role changes', () => {
  it('apply on the very next request of a logged-in person, and are audit-logged', async () => {
    const admin = await actorFor('admin')
    const target = await person('promote@example.com', 'viewer')
    const { cookie } = await sessionCookie(target.id)
    expect((await getOptionalActor(makeRequest('/', { cookie })))?.user.role).toBe('viewer')
    expect(await statusOf(cookie, 'investigation:write')).toBe(403)

    expect(await changeUserRole(target.id, 'engineer', admin)).toEqual({ ok: true, changed: true })
    expect((await getOptionalActor(makeRequest('/', { cookie })))?.user.role).toBe('engineer')
    expect(await statusOf(cookie, 'investigation:write')).toBe(200)

    expect(await changeUserRole(target.id, 'viewer', admin)).toEqual({ ok: true, changed: true })
    expect(await statusOf(cookie, 'investigation:write')).toBe(403)
    expect(await statusOf(cookie, 'workspace:read')).toBe(200)

    const entries = await auditOf('user.role_change', target.id)
    expect(entries.map((entry) => entry.detail)).toEqual([
      { email: 'promote@example.com', from: 'viewer', to: 'engineer' },
      { email: 'promote@example.com', from: 'engineer', to: 'viewer' },
    ])
    expect(entries[0].actorUserId).toBe(admin.userId)
  })

  it('answers not_found for an unknown user and records nothing for an unchanged role', async () => {
    const admin = await actorFor('admin')
    expect(await changeUserRole('no-such-user', 'viewer', admin)).toEqual({ ok: false, reason: 'not_found' })
    const same = await person('same@example.com', 'viewer')
    expect(await changeUserRole(same.id, 'viewer', admin)).toEqual({ ok: true, changed: false })
    expect(await auditOf('user.role_change', same.id)).toHaveLength(0)
  })
})

describe('the last active admin', () => {
  it('cannot be demoted or disabled; once a second admin can act, the first can step down', async () => {
    const admin = await actorFor('admin')
    expect(await countActiveAdmins()).toBe(1)
    // Someone else with an admin's permissions (an API token, say) is refused just the same.
    const other = await actorFor('engineer')
    expect(await changeUserRole(admin.userId, 'engineer', admin)).toEqual({ ok: false, reason: 'last_admin' })
    expect(await disableUser(admin.userId, other)).toEqual({ ok: false, reason: 'last_admin' })
    expect((await findUserById(admin.userId))?.role).toBe('admin')
    expect((await findUserById(admin.userId))?.disabledAt).toBeNull()

    // An invited admin who has not set a password cannot act yet, so does not count.
    const invite = await inviteUser(
      { email: 'second-admin@example.com', name: 'Second', role: 'admin' },
      { userId: admin.userId },
    )
    if (!invite.ok) throw new Error(invite.message)
    expect(await changeUserRole(admin.userId, 'engineer', admin)).toEqual({ ok: false, reason: 'last_admin' })

    expect((await acceptInvite(invite.token, PASSWORD)).ok).toBe(true)
    expect(await countActiveAdmins()).toBe(2)
    expect(await changeUserRole(admin.userId, 'engineer', admin)).toEqual({ ok: true, changed: true })
    // Now the second admin is the last one.
    const second = { userId: invite.userId }
    expect(await changeUserRole(invite.userId, 'viewer', second)).toEqual({ ok: false, reason: 'last_admin' })
    expect(await changeUserRole(admin.userId, 'admin', second)).toEqual({ ok: true, changed: true })
  })

  it('a disabled admin does not count as active', async () => {
    const admin = await actorFor('admin')
    const spare = await person('spare-admin@example.com', 'admin')
    expect(await countActiveAdmins()).toBe(3)
    expect((await disableUser(spare.id, admin)).ok).toBe(true)
    expect(await countActiveAdmins()).toBe(2)
  })
})

describe('disableUser', () => {
  it('refuses to let anyone disable themselves', async () => {
    const admin = await actorFor('admin')
    expect(await disableUser(admin.userId, admin)).toEqual({ ok: false, reason: 'self' })
    expect((await findUserById(admin.userId))?.disabledAt).toBeNull()
  })

  it('ends every session and revokes every token at once; re-enabling brings neither back', async () => {
    const admin = await actorFor('admin')
    const target = await person('leaver@example.com', 'engineer')
    const first = await sessionCookie(target.id)
    const second = await sessionCookie(target.id)
    const token = await createApiToken(
      { userId: target.id, name: 'ci', scope: 'read+write', days: 30 },
      { userId: target.id },
    )
    expect((await authenticateApiToken(token.token)).ok).toBe(true)
    expect(await statusOf(first.cookie, 'workspace:read')).toBe(200)

    expect(await disableUser(target.id, admin)).toEqual({ ok: true, changed: true })
    expect((await findUserById(target.id))?.disabledAt).toBeInstanceOf(Date)
    expect(await getDb().select().from(sessions).where(eq(sessions.userId, target.id))).toHaveLength(0)
    const [tokenRow] = await getDb().select().from(apiTokens).where(eq(apiTokens.id, token.id))
    expect(tokenRow.revokedAt).toBeInstanceOf(Date)
    expect(await authenticateApiToken(token.token)).toEqual({ ok: false, reason: 'revoked' })
    // The very next request with either old cookie is anonymous: it goes to the login page.
    expect(await getOptionalActor(makeRequest('/', { cookie: second.cookie }))).toBeNull()
    expect(await statusOf(first.cookie, 'workspace:read')).toBe(302)
    expect(
      (await login(makeRequest('/login', { form: { email: 'leaver@example.com', password: PASSWORD } }))).kind,
    ).toBe('failed')
    expect(await auditOf('user.disable', target.id)).toHaveLength(1)
    // Disabling twice changes nothing more.
    expect(await disableUser(target.id, admin)).toEqual({ ok: true, changed: false })
    expect(await auditOf('user.disable', target.id)).toHaveLength(1)

    expect(await enableUser(target.id, admin)).toEqual({ ok: true, changed: true })
    expect((await findUserById(target.id))?.disabledAt).toBeNull()
    expect(await getOptionalActor(makeRequest('/', { cookie: first.cookie }))).toBeNull()
    expect(await authenticateApiToken(token.token)).toEqual({ ok: false, reason: 'revoked' })
    expect(
      (await login(makeRequest('/login', { form: { email: 'leaver@example.com', password: PASSWORD } }))).kind,
    ).toBe('ok')
    expect(await auditOf('user.enable', target.id)).toHaveLength(1)
    expect(await enableUser('no-such-user', admin)).toEqual({ ok: false, reason: 'not_found' })
  })
})

describe('without a person acting', () => {
  it('takes a labelled actor (the command line) and records the label', async () => {
    const target = await person('by-cli@example.com')
    expect(await disableUser(target.id, { label: 'cli' })).toEqual({ ok: true, changed: true })
    const [entry] = await auditOf('user.disable', target.id)
    expect(entry).toMatchObject({ actorUserId: null, actorLabel: 'cli' })
  })
})

describe('sessions of everyone', () => {
  it('lists live sessions with a readable browser and never the stored hash', async () => {
    const admin = await actorFor('admin')
    const target = await person('browser@example.com')
    const chrome =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
    const live = await sessionCookie(target.id, chrome)
    const idle = await sessionCookie(target.id, 'curl/8.5.0')
    await getDb()
      .update(sessions)
      .set({ lastSeenAt: Date.now() - 8 * 24 * 60 * 60 * 1000 })
      .where(eq(sessions.id, sha256Hex(idle.sessionId)))
    const mine = await sessionCookie(admin.userId)

    const list = await listLiveSessions(mine.sessionId)
    const ofTarget = list.filter((session) => session.userId === target.id)
    expect(ofTarget).toHaveLength(1)
    expect(ofTarget[0]).toMatchObject({
      email: 'browser@example.com',
      browser: 'Chrome on macOS',
      ip: '10.0.0.1',
      current: false,
    })
    expect(ofTarget[0].handle).toBe(sha256Hex(live.sessionId).slice(0, 16))
    expect(JSON.stringify(list)).not.toContain(sha256Hex(live.sessionId))
    expect(list.find((session) => session.handle === sha256Hex(mine.sessionId).slice(0, 16))?.current).toBe(true)
  })

  it('ends anyone’s session by handle, audit-logged with its owner', async () => {
    const admin = await actorFor('admin')
    const target = await person('ended@example.com')
    const kept = await sessionCookie(target.id)
    const ended = await sessionCookie(target.id)
    const handle = sha256Hex(ended.sessionId).slice(0, 16)

    expect(await endSessionAsAdmin(handle, admin)).toEqual({ ok: true, ownerId: target.id })
    expect(await getOptionalActor(makeRequest('/', { cookie: ended.cookie }))).toBeNull()
    expect((await getOptionalActor(makeRequest('/', { cookie: kept.cookie })))?.user.id).toBe(target.id)
    const [entry] = await auditOf('session.end', handle)
    expect(entry).toMatchObject({ actorUserId: admin.userId, targetType: 'session' })
    expect(entry.detail).toMatchObject({ owner: target.id, ownerEmail: 'ended@example.com' })

    expect(await endSessionAsAdmin(handle, admin)).toEqual({ ok: false })
    expect(await endSessionAsAdmin('%', admin)).toEqual({ ok: false })
    expect(await endSessionAsAdmin(sha256Hex(kept.sessionId).slice(0, 15), admin)).toEqual({ ok: false })
    expect((await getOptionalActor(makeRequest('/', { cookie: kept.cookie })))?.user.id).toBe(target.id)
  })
})

describe('tokens of everyone', () => {
  it('shows each token’s status and revokes any of them once', async () => {
    const admin = await actorFor('admin')
    const owner = await person('tokens@example.com')
    const active = await createApiToken(
      { userId: owner.id, name: 'active', scope: 'read', days: 10 },
      { userId: owner.id },
    )
    const expired = await createApiToken(
      { userId: owner.id, name: 'expired', scope: 'read', days: 10 },
      { userId: owner.id },
    )
    await getDb()
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, expired.id))

    const before = await listAllTokens()
    expect(before.find((token) => token.id === active.id)).toMatchObject({
      status: 'active',
      ownerEmail: 'tokens@example.com',
    })
    expect(before.find((token) => token.id === expired.id)?.status).toBe('expired')

    expect(await revokeTokenAsAdmin(active.id, admin)).toBe('revoked')
    expect(await revokeTokenAsAdmin(active.id, admin)).toBe('already_revoked')
    expect(await revokeTokenAsAdmin('no-such-token', admin)).toBe('not_found')
    expect((await listAllTokens()).find((token) => token.id === active.id)?.status).toBe('revoked')
    expect(await authenticateApiToken(active.token)).toEqual({ ok: false, reason: 'revoked' })
    expect(await auditOf('token.revoke', active.id)).toHaveLength(1)
  })
})

describe('audit log', () => {
  it('reads filters from the query, dropping and reporting bad values', () => {
    const good = parseAuditQuery(
      new URLSearchParams({
        actor: ' Admin@Example.com ',
        action: 'user.disable',
        from: '2024-03-01',
        to: '2024-03-02',
        before: '40',
      }),
    )
    expect(good.errors).toEqual({})
    expect(good.filter).toEqual({
      actorEmail: 'admin@example.com',
      action: 'user.disable',
      from: new Date('2024-03-01T00:00:00.000Z'),
      to: new Date('2024-03-02T23:59:59.999Z'),
      before: 40,
    })
    const bad = parseAuditQuery(
      new URLSearchParams({ actor: 'nobody', from: '2024-02-30', to: 'yesterday', before: '-1' }),
    )
    expect(Object.keys(bad.errors).sort()).toEqual(['actor', 'before', 'from', 'to'])
    expect(bad.filter).toEqual({})
    const backwards = parseAuditQuery(new URLSearchParams({ from: '2024-03-05', to: '2024-03-01' }))
    expect(backwards.errors.to).toBe('The end date is before the start date')
  })

  it('pages backwards by id and names who acted', async () => {
    const admin = await actorFor('admin')
    for (let index = 0; index < 5; index++) {
      await recordAudit({ action: 'test.page', actor: { userId: admin.userId }, detail: { index } })
    }
    await recordAudit({ action: 'test.page', actor: { label: 'someone@typed.example' } })
    const first = await listAuditPage({ action: 'test.page' }, 4)
    expect(first.entries).toHaveLength(4)
    expect(first.entries[0].who).toBe('someone@typed.example')
    expect(first.entries[1]).toMatchObject({ who: 'admin@example.com', detail: { index: 4 } })
    expect(first.olderBefore).toBe(first.entries[3].id)
    const second = await listAuditPage({ action: 'test.page', before: first.olderBefore! }, 4)
    expect(second.entries.map((entry) => entry.detail)).toEqual([{ index: 1 }, { index: 0 }])
    expect(second.olderBefore).toBeNull()
  })

  it('exports escaped CSV with a header row, spreadsheet formulas defused', async () => {
    await recordAudit({
      action: 'test.csv',
      actor: { label: '=HYPERLINK("http://evil.example")' },
      targetType: 'thing',
      targetId: 'a,b',
      detail: { note: 'line one\nline "two"' },
    })
    const { csv, rows, truncated } = await auditCsv({ action: 'test.csv' })
    expect(rows).toBe(1)
    expect(truncated).toBe(false)
    const lines = csv.split('\r\n')
    expect(lines[0]).toBe('id,at,actor_email,actor_label,actor_token,ip,action,target_type,target_id,target,detail')
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`)
    expect(csv).toContain('"a,b","a,b"')
    expect(csv).toContain('"{""note"":""line one\\nline \\""two\\""""}"')
    expect(csv.endsWith('\r\n')).toBe(true)
    expect(csvField('plain')).toBe('plain')
    expect(csvField('-1+1')).toBe("'-1+1")
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField(null)).toBe('')
    expect(csvField(new Date('2024-01-02T03:04:05.000Z'))).toBe('2024-01-02T03:04:05.000Z')
  })
})
