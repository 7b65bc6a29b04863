import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginCookie, runServerToExit, startServer, tempDatabaseUrl, type RunningServer } from '../helpers/server'

describe('a server started on an empty database', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('answers health and readiness', async () => {
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
  })

  it('serves the login page to strangers and sends them there from the home page', async () => {
    const home = await fetch(`${server.url}/`, { redirect: 'manual' })
    expect(home.status).toBe(302)
    expect(home.headers.get('location')).toBe('/login')
    const login = await fetch(`${server.url}/login`)
    expect(login.status).toBe(200)
    const html = await login.text()
    expect(html).toContain('Log in to Inquest')
    expect(html).toContain('admin@example.com')
  })

  it('seeded the demo users: each can log in and see the dashboard', async () => {
    for (const email of ['admin@example.com', 'engineer@example.com', 'viewer@example.com']) {
      const cookie = await loginCookie(server, email)
      const home = await fetch(`${server.url}/`, { headers: { cookie } })
      expect(home.status).toBe(200)
      expect(await home.text()).toContain('Dashboard')
    }
  })

  it('echoes a request id, or makes one', async () => {
    const given = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-123' } })
    expect(given.headers.get('x-request-id')).toBe('trace-123')
    const made = await fetch(`${server.url}/healthz`)
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('sends security headers with a fresh CSP nonce that the page scripts carry', async () => {
    const first = await fetch(`${server.url}/login`)
    const second = await fetch(`${server.url}/login`)
    const nonceOf = (response: Response) => /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1]
    const nonce = nonceOf(first)
    expect(nonce).toBeTruthy()
    expect(nonceOf(second)).not.toBe(nonce)
    expect(first.headers.get('x-powered-by')).toBeNull()
    expect(first.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await first.text()
    const scripts = html.match(/<script\b[^>]*>/g) ?? []
    expect(scripts.length).toBeGreaterThan(0)
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
  })

  it('caches fingerprinted assets for a year', async () => {
    const html = await (await fetch(`${server.url}/login`)).text()
    const asset = /\/build\/[^"]+\.js/.exec(html)?.[0]
    expect(asset).toBeTruthy()
    const response = await fetch(`${server.url}${asset}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toContain('max-age=31536000')
    expect(response.headers.get('cache-control')).toContain('immutable')
  })

  it('refuses an oversized body with 413', async () => {
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: 'email=' + 'a'.repeat(2 * 1024 * 1024),
    })
    expect(response.status).toBe(413)
  })

  it('answers unknown pages with a 404 page once logged in', async () => {
    const cookie = await loginCookie(server, 'viewer@example.com')
    const response = await fetch(`${server.url}/no/such/page`, { headers: { cookie } })
    expect(response.status).toBe(404)
    expect(await response.text()).toContain('Nothing here')
  })
})

describe('restarts', () => {
  it('SIGTERM drains and exits 0; a restart keeps sessions and data and does not reseed', async () => {
    const first = await startServer()
    const cookie = await loginCookie(first, 'engineer@example.com')
    expect(await first.stop('SIGTERM')).toBe(0)

    const second = await startServer({ DATABASE_URL: first.databaseUrl })
    try {
      const home = await fetch(`${second.url}/`, { headers: { cookie } })
      expect(home.status).toBe(200)
      expect(second.output()).not.toContain('seeded the demo workspace')
    } finally {
      await second.stop()
    }
    const client = createClient({ url: first.databaseUrl })
    const users = await client.execute('select count(*) as n from users')
    client.close()
    expect(Number(users.rows[0].n)).toBe(3)
  })
})

describe('start-up refuses bad configuration with one readable line', () => {
  it('a bad PORT', async () => {
    const { code, output } = await runServerToExit({ PORT: 'eighty', APP_URL: 'http://localhost:3000' })
    expect(code).toBe(1)
    expect(output.trim()).toMatch(/^inquest: Invalid configuration: PORT must be a whole number from 1 to 65535 \(got "eighty"\)$/)
  })

  it('a DATABASE_URL of the wrong kind', async () => {
    const { code, output } = await runServerToExit({ DATABASE_URL: 'postgres://localhost/inquest' })
    expect(code).toBe(1)
    expect(output.trim().split('\n')).toHaveLength(1)
    expect(output).toContain('DATABASE_URL must start with file:')
  })

  it('a DATABASE_URL that cannot be opened', async () => {
    const { code, output } = await runServerToExit({ DATABASE_URL: 'file:/etc/hostname/inquest/cannot.db' })
    expect(code).toBe(1)
    expect(output.trim().split('\n')).toHaveLength(1)
    expect(output).toMatch(/^inquest: cannot (open the database|create the database directory)/)
  })

  it('production without SESSION_SECRET and APP_URL', async () => {
    const { code, output } = await runServerToExit({ NODE_ENV: 'production', APP_URL: '', DATABASE_URL: tempDatabaseUrl() })
    expect(code).toBe(1)
    expect(output).toContain('SESSION_SECRET is required in production')
    expect(output).toContain('APP_URL is required in production')
  })
})

describe('request logs', () => {
  it('are JSON lines with request id, user id, method, path, status and ms, and never a cookie or token', async () => {
    const server = await startServer({ LOG_LEVEL: 'info' })
    try {
      const cookie = await loginCookie(server, 'viewer@example.com')
      await fetch(`${server.url}/settings/sessions`, { headers: { cookie, 'x-request-id': 'log-check-1' } })
      await fetch(`${server.url}/api/v1/me`, { headers: { authorization: 'Bearer inq_secret_value' } })
      await new Promise((resolve) => setTimeout(resolve, 200))
      const lines = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
      const entry = lines.find((line) => line.req?.id === 'log-check-1')
      expect(entry).toMatchObject({ req: { method: 'GET', path: '/settings/sessions' }, res: { statusCode: expect.any(Number) } })
      expect(typeof entry.responseTime).toBe('number')
      expect(entry.userId).toMatch(/^[A-Za-z0-9_-]{16}$/)
      expect(server.output()).not.toContain(cookie.split('=')[1])
      expect(server.output()).not.toContain('inq_secret_value')
    } finally {
      await server.stop()
    }
  })
})
