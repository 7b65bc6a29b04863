import { createClient, type Client } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginCookie, startServer, type RunningServer } from '../helpers/server'

let server: RunningServer
let db: Client

beforeAll(async () => {
  server = await startServer()
  db = createClient({ url: server.databaseUrl })
})
afterAll(async () => {
  db?.close()
  await server?.stop()
})

const form = (fields: Record<string, string>) => new URLSearchParams(fields)

function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...headers },
    body: form(fields),
  })
}

async function createToken(cookie: string, fields: { name: string; scope: string; days: string }) {
  const response = await post('/settings/tokens', { intent: 'create', ...fields }, { cookie })
  expect(response.status).toBe(200)
  const token = /(inq_[A-Za-z0-9_-]+)/.exec(await response.text())?.[1]
  expect(token).toBeTruthy()
  return token!
}

describe('login', () => {
  it('starts a new session on every login, never reusing one', async () => {
    const first = await loginCookie(server, 'viewer@example.com')
    const second = await loginCookie(server, 'viewer@example.com')
    expect(first).not.toBe(second)
  })

  it('sends people back to a same-site redirectTo, and nowhere else', async () => {
    const same = await post('/login', { email: 'viewer@example.com', password: 'inquest-demo', redirectTo: '/settings/tokens?x=1' })
    expect(same.headers.get('location')).toBe('/settings/tokens?x=1')
    for (const evil of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const response = await post('/login', { email: 'viewer@example.com', password: 'inquest-demo', redirectTo: evil })
      expect(response.headers.get('location')).toBe('/')
    }
  })

  it('gives the same answer for a wrong email and a wrong password', async () => {
    const wrongEmail = await post('/login', { email: 'nobody@example.com', password: 'inquest-demo' })
    const wrongPassword = await post('/login', { email: 'admin@example.com', password: 'not-the-password' })
    expect(wrongEmail.status).toBe(401)
    expect(wrongPassword.status).toBe(401)
    const message = (html: string) => /role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1]
    expect(message(await wrongEmail.text())).toBe(message(await wrongPassword.text()))
  })

  it('answers a malformed form with 400 and the field errors', async () => {
    const response = await post('/login', { email: 'not-an-email', password: '' })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('Enter a valid email address')
  })

  it('limits failures per account: the 11th attempt in 10 minutes gets 429 with Retry-After', async () => {
    await db.execute("delete from rate_limits where key like 'login:%'")
    try {
      for (let attempt = 1; attempt <= 10; attempt++) {
        const response = await post('/login', { email: 'engineer@example.com', password: `wrong-${attempt}` })
        expect(response.status).toBe(401)
      }
      const limited = await post('/login', { email: 'engineer@example.com', password: 'inquest-demo' })
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await limited.text()).toContain('Too many failed attempts')
    } finally {
      await db.execute("delete from rate_limits where key like 'login:%'")
    }
  })

  it('writes login successes and failures to the audit log', async () => {
    await post('/login', { email: 'ghost@example.com', password: 'whatever-password' })
    const rows = await db.execute("select action, actor_label from audit_log where action like 'login.%'")
    expect(rows.rows.some((row) => row.action === 'login.failure' && row.actor_label === 'ghost@example.com')).toBe(true)
    expect(rows.rows.some((row) => row.action === 'login.success')).toBe(true)
  })
})

describe('sessions', () => {
  it('stores no value equal to any cookie', async () => {
    const cookies = await Promise.all(['admin', 'engineer', 'viewer'].map((role) => loginCookie(server, `${role}@example.com`)))
    const stored = await db.execute('select * from sessions')
    const values = stored.rows.flatMap((row) => Object.values(row).map(String))
    for (const cookie of cookies) {
      const id = cookie.split('=')[1]
      expect(values).not.toContain(id)
      expect(values.some((value) => value.includes(id))).toBe(false)
    }
  })

  it('refuses a replayed cookie after logout', async () => {
    const cookie = await loginCookie(server, 'viewer@example.com')
    expect((await fetch(`${server.url}/`, { headers: { cookie } })).status).toBe(200)
    const logout = await post('/logout', {}, { cookie })
    expect(logout.status).toBe(302)
    expect(logout.headers.get('set-cookie')).toMatch(/Max-Age=0/)
    const replay = await fetch(`${server.url}/`, { headers: { cookie }, redirect: 'manual' })
    expect(replay.status).toBe(302)
    expect(replay.headers.get('location')).toBe('/login')
  })

  it('renews a session past half its life with a cookie that carries the same id, not its hash', async () => {
    const cookie = await loginCookie(server, 'viewer@example.com')
    await db.execute({ sql: 'update sessions set expires_at = ?', args: [Math.floor(Date.now() / 1000) + 5 * 24 * 3600] })
    const response = await fetch(`${server.url}/`, { headers: { cookie } })
    expect(response.status).toBe(200)
    const renewed = response.headers.get('set-cookie') ?? ''
    expect(renewed.split(';')[0]).toBe(cookie)
    expect(renewed).toMatch(/Max-Age=2592000/)
  })

  it('ends a session idle for more than a week', async () => {
    const cookie = await loginCookie(server, 'viewer@example.com')
    await db.execute({ sql: 'update sessions set last_seen_at = ?', args: [Date.now() - 8 * 24 * 3600 * 1000] })
    const response = await fetch(`${server.url}/`, { headers: { cookie }, redirect: 'manual' })
    expect(response.status).toBe(302)
  })

  it('a password change ends the other sessions, not the current one', async () => {
    const current = await loginCookie(server, 'admin@example.com')
    const other = await loginCookie(server, 'admin@example.com')
    const change = await post(
      '/settings/password',
      { currentPassword: 'inquest-demo', newPassword: 'a-much-longer-password', confirmPassword: 'a-much-longer-password' },
      { cookie: current },
    )
    expect(change.status).toBe(200)
    expect((await fetch(`${server.url}/`, { headers: { cookie: current } })).status).toBe(200)
    expect((await fetch(`${server.url}/`, { headers: { cookie: other }, redirect: 'manual' })).status).toBe(302)
    const tooShort = await post(
      '/settings/password',
      { currentPassword: 'a-much-longer-password', newPassword: 'short', confirmPassword: 'short' },
      { cookie: current },
    )
    expect(tooShort.status).toBe(400)
    expect(await tooShort.text()).toContain('Use at least 12 characters')
    // put the demo password back for the other tests
    const back = await post(
      '/settings/password',
      { currentPassword: 'a-much-longer-password', newPassword: 'inquest-demo', confirmPassword: 'inquest-demo' },
      { cookie: current },
    )
    expect(back.status).toBe(200)
  })
})

describe('cross-site requests', () => {
  it('refuses a cross-site form POST carrying a valid session cookie, and creates nothing', async () => {
    const cookie = await loginCookie(server, 'engineer@example.com')
    const before = await db.execute('select count(*) as n from api_tokens')
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.example', cookie },
      { 'sec-fetch-site': 'cross-site', cookie, origin: server.url },
      { origin: 'null', cookie },
    ]
    for (const headers of attempts) {
      const response = await post('/settings/tokens', { intent: 'create', name: 'stolen', scope: 'read+write', days: '30' }, headers)
      expect(response.status).toBe(403)
    }
    const after = await db.execute('select count(*) as n from api_tokens')
    expect(after.rows[0].n).toBe(before.rows[0].n)
  })

  it('lets same-origin posts and bearer API calls through', async () => {
    const cookie = await loginCookie(server, 'engineer@example.com')
    const sameSite = await post('/settings/tokens', { intent: 'create', name: 'ok', scope: 'read', days: '30' }, { cookie, 'sec-fetch-site': 'same-origin' })
    expect(sameSite.status).toBe(200)
  })
})

describe('API tokens', () => {
  it('a token reads /api/v1/me; the token is stored only as a hash', async () => {
    const cookie = await loginCookie(server, 'engineer@example.com')
    const token = await createToken(cookie, { name: 'ci', scope: 'read', days: '30' })
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    const body = await me.json()
    expect(body).toMatchObject({ email: 'engineer@example.com', role: 'engineer', authenticatedBy: 'token', token: { scope: 'read' } })
    expect(body.permissions).toEqual(['workspace:read'])
    const rows = await db.execute('select * from api_tokens')
    expect(rows.rows.flatMap((row) => Object.values(row).map(String)).some((value) => value.includes(token.slice(8)))).toBe(false)
  })

  it('refuses missing, unknown, revoked and expired tokens with a JSON 401', async () => {
    const cookie = await loginCookie(server, 'engineer@example.com')
    const revoked = await createToken(cookie, { name: 'to revoke', scope: 'read', days: '30' })
    const id = (await db.execute("select id from api_tokens where name = 'to revoke'")).rows[0].id as string
    expect((await post('/settings/tokens', { intent: 'revoke', tokenId: id }, { cookie })).status).toBe(200)
    const expired = await createToken(cookie, { name: 'to expire', scope: 'read', days: '1' })
    await db.execute({ sql: "update api_tokens set expires_at = ? where name = 'to expire'", args: [Date.now() - 1000] })

    for (const authorization of [undefined, 'Bearer inq_unknown', `Bearer ${revoked}`, `Bearer ${expired}`, 'Basic abc']) {
      const response = await fetch(`${server.url}/api/v1/me`, { headers: authorization ? { authorization } : {} })
      expect(response.status, String(authorization)).toBe(401)
      expect(response.headers.get('content-type')).toContain('application/json')
      const body = await response.json()
      expect(body.error.code).toBe('unauthorized')
      expect(typeof body.error.message).toBe('string')
    }
  })

  it('a read token cannot write, and no token exceeds its owner role: JSON 403', async () => {
    const cookie = await loginCookie(server, 'engineer@example.com')
    const reader = await createToken(cookie, { name: 'reader', scope: 'read', days: '30' })
    const writer = await createToken(cookie, { name: 'writer', scope: 'read+write', days: '30' })
    const readerId = (await db.execute("select id from api_tokens where name = 'reader'")).rows[0].id as string
    const revokeWith = (token: string) =>
      fetch(`${server.url}/api/v1/tokens/${readerId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })

    const refused = await revokeWith(reader)
    expect(refused.status).toBe(403)
    expect((await refused.json()).error.code).toBe('forbidden')

    const adminOnly = await fetch(`${server.url}/api/v1/audit-events`, { headers: { authorization: `Bearer ${writer}` } })
    expect(adminOnly.status).toBe(403)
    expect((await adminOnly.json()).error.code).toBe('forbidden')

    expect((await revokeWith(writer)).status).toBe(204)
    expect((await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(401)
  })

  it('a token of a page route is refused too (403), and an admin read token reads the audit log', async () => {
    const engineer = await loginCookie(server, 'engineer@example.com')
    const reader = await createToken(engineer, { name: 'page-reader', scope: 'read', days: '30' })
    const page = await fetch(`${server.url}/settings/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: form({ intent: 'create', name: 'escalate', scope: 'read+write', days: '30' }),
    })
    expect(page.status).toBe(403)

    const admin = await loginCookie(server, 'admin@example.com')
    const auditor = await createToken(admin, { name: 'auditor', scope: 'read', days: '30' })
    const events = await fetch(`${server.url}/api/v1/audit-events?action=login.success&limit=2`, { headers: { authorization: `Bearer ${auditor}` } })
    expect(events.status).toBe(200)
    const body = await events.json()
    expect(body.events).toHaveLength(2)
    expect(body.events.every((event: { action: string }) => event.action === 'login.success')).toBe(true)
    const bad = await fetch(`${server.url}/api/v1/audit-events?limit=zero`, { headers: { authorization: `Bearer ${auditor}` } })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.fields.limit).toBeDefined()
  })

  it('refuses a token request with 400 and field errors for a bad expiry', async () => {
    const cookie = await loginCookie(server, 'viewer@example.com')
    const response = await post('/settings/tokens', { intent: 'create', name: 'too long', scope: 'read', days: '400' }, { cookie })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('At most 365 days')
  })

  it('serves the OpenAPI document to a token', async () => {
    const cookie = await loginCookie(server, 'viewer@example.com')
    const token = await createToken(cookie, { name: 'docs', scope: 'read', days: '30' })
    const response = await fetch(`${server.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    const document = await response.json()
    expect(document.openapi).toBe('3.1.0')
    expect(document.paths['/me']).toBeDefined()
    const unknown = await fetch(`${server.url}/api/v1/nothing-here`, { headers: { authorization: `Bearer ${token}` } })
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.code).toBe('not_found')
  })
})
