// The CI API through the real server: tokens made on the settings page, runs and JUnit reports over HTTP.
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { createClient, type Client } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repositories } from '../../db/schema'
import { loginCookie, startServer, type RunningServer } from '../helpers/server'

let server: RunningServer
let db: Client
const tokens: Record<'writer' | 'reader' | 'viewer', string> = { writer: '', reader: '', viewer: '' }
const SHA = '0123456789abcdef0123456789abcdef01234567'
const fixture = (name: string) => readFileSync(path.resolve('tests/fixtures/junit', name))

async function createToken(email: string, scope: 'read' | 'read+write') {
  const cookie = await loginCookie(server, email)
  const response = await fetch(`${server.url}/settings/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
    body: new URLSearchParams({ intent: 'create', name: `ci-${scope}`, scope, days: '30' }),
  })
  expect(response.status).toBe(200)
  const token = /(inq_[A-Za-z0-9_-]+)/.exec(await response.text())?.[1]
  expect(token).toBeTruthy()
  return token!
}

beforeAll(async () => {
  server = await startServer()
  db = createClient({ url: server.databaseUrl })
  await drizzle(db)
    .insert(repositories)
    .values([
      { id: 'repo-ci', name: 'shop', provider: 'github', externalName: 'acme/shop' },
      { id: 'repo-other', name: 'billing', provider: 'git', gitPath: 'billing' },
    ])
  tokens.writer = await createToken('engineer@example.com', 'read+write')
  tokens.reader = await createToken('engineer@example.com', 'read')
  tokens.viewer = await createToken('viewer@example.com', 'read+write')
})

afterAll(async () => {
  db?.close()
  await server?.stop()
})

const run = (overrides: Record<string, unknown> = {}) => ({
  repository: 'shop',
  provider: 'jenkins',
  externalId: '1042',
  name: 'shop-main',
  branch: 'main',
  headSha: SHA,
  status: 'in_progress',
  startedAt: '2025-03-04T09:00:00Z',
  url: 'https://jenkins.example/job/shop-main/1042/',
  ...overrides,
})

function postRun(body: unknown, { token = tokens.writer, contentType = 'application/json' } = {}) {
  return fetch(`${server.url}/api/v1/ci-runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

function postReport(runId: number | string, body: BodyInit, { token = tokens.writer, contentType = 'application/xml', query = '' } = {}) {
  return fetch(`${server.url}/api/v1/ci-runs/${runId}/test-results${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
    duplex: 'half',
  } as RequestInit)
}

async function count(sql: string, args: Array<string | number> = []) {
  return Number((await db.execute({ sql, args })).rows[0].n)
}

describe('POST /api/v1/ci-runs', () => {
  it('creates a run (201), updates it (200), and keeps a newer state over a late older one', async () => {
    const created = await postRun(run())
    expect(created.status).toBe(201)
    const body = await created.json()
    expect(body).toMatchObject({
      repositoryId: 'repo-ci',
      provider: 'jenkins',
      externalId: '1042',
      attempt: 1,
      name: 'shop-main',
      branch: 'main',
      headSha: SHA,
      status: 'in_progress',
      conclusion: null,
      startedAt: '2025-03-04T09:00:00.000Z',
      applied: true,
    })
    expect(created.headers.get('location')).toBe(`/api/v1/ci-runs/${body.id}`)

    const completed = await postRun(run({ status: 'completed', conclusion: 'failure', completedAt: '2025-03-04T09:12:30Z', headSha: SHA.toUpperCase() }))
    expect(completed.status).toBe(200)
    expect(await completed.json()).toMatchObject({ id: body.id, status: 'completed', conclusion: 'failure', completedAt: '2025-03-04T09:12:30.000Z', headSha: SHA, applied: true })

    const late = await postRun(run({ status: 'in_progress' }))
    expect(late.status).toBe(200)
    expect(await late.json()).toMatchObject({ id: body.id, status: 'completed', conclusion: 'failure', applied: false })

    // A new attempt is a new run; the repository may be named by id too.
    const retry = await postRun(run({ repository: 'repo-ci', attempt: 2, status: 'queued', externalId: 1042 }))
    expect(retry.status).toBe(201)
    expect((await retry.json()).attempt).toBe(2)
    expect(await count("select count(*) as n from events where kind = 'ci_run' and repository_id = 'repo-ci'")).toBe(2)
  })

  it('answers validation errors with 422 and the fields, and names what is wrong', async () => {
    const response = await postRun(run({ headSha: 'abc123', status: 'done', startedAt: 'yesterday', attempt: 0, provider: 'GitHub', url: 'ftp://x' }))
    expect(response.status).toBe(422)
    const { error } = await response.json()
    expect(error.code).toBe('validation_failed')
    expect(Object.keys(error.fields).sort()).toEqual(['attempt', 'headSha', 'provider', 'startedAt', 'status', 'url'])
    expect(error.fields.headSha[0]).toMatch(/40-hex-digit/)
    expect(error.fields.provider[0]).toMatch(/webhooks/)

    const conclusion = await postRun(run({ status: 'completed' }))
    expect(conclusion.status).toBe(422)
    expect((await conclusion.json()).error.fields.conclusion).toEqual(['A completed run needs a conclusion'])
    const missing = await postRun({})
    expect(missing.status).toBe(422)
    expect(Object.keys((await missing.json()).error.fields)).toEqual(expect.arrayContaining(['repository', 'provider', 'externalId', 'name', 'headSha', 'status']))
  })

  it('answers 400 to malformed JSON, 413 to a body past 64 KB, 415 to another content type, 404 to an unknown repository', async () => {
    const malformed = await postRun('{"repository": ')
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error).toMatchObject({ code: 'bad_request', message: 'The body is not valid JSON.' })
    expect((await postRun('[1,2]')).status).toBe(400)
    const form = await postRun('repository=shop', { contentType: 'application/x-www-form-urlencoded' })
    expect(form.status).toBe(415)
    expect((await form.json()).error.code).toBe('unsupported_media_type')
    const huge = await postRun(run({ name: 'x'.repeat(70 * 1024) }))
    expect(huge.status).toBe(413)
    expect((await huge.json()).error.code).toBe('payload_too_large')
    const unknown = await postRun(run({ repository: 'no-such-repo' }))
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error).toMatchObject({ code: 'not_found', fields: { repository: [expect.stringContaining('no-such-repo')] } })
  })

  it('needs ci:write: no token 401, a viewer 403, a read-scope token 403', async () => {
    const anonymous = await fetch(`${server.url}/api/v1/ci-runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(run()) })
    expect(anonymous.status).toBe(401)
    for (const token of [tokens.viewer, tokens.reader]) {
      const response = await postRun(run({ externalId: 'forbidden' }), { token })
      expect(response.status).toBe(403)
      expect((await response.json()).error.code).toBe('forbidden')
    }
    expect(await count("select count(*) as n from ci_runs where external_id = 'forbidden'")).toBe(0)
  })
})

describe('POST /api/v1/ci-runs/{id}/test-results', () => {
  let runId: number

  beforeAll(async () => {
    const response = await postRun(run({ externalId: '2001', status: 'completed', conclusion: 'failure', completedAt: '2025-03-04T10:00:00Z' }))
    runId = (await response.json()).id
  })

  const results = () => count('select count(*) as n from test_results where ci_run_id = ?', [runId])
  const failureEvents = () =>
    count("select count(*) as n from events where kind = 'test_result' and ref_id in (select cast(id as text) from test_results where ci_run_id = ?)", [runId])

  it('stores a jest-junit report, with timeline events for failures and errors only', async () => {
    const response = await postReport(runId, fixture('jest-junit.xml'))
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual({ runId, mode: 'replace', tests: 6, passed: 2, failed: 2, errors: 1, skipped: 1, replaced: 0 })
    expect(await results()).toBe(6)
    expect(await failureEvents()).toBe(3)
    const event = (await db.execute({ sql: "select * from events where kind = 'test_result' and title like '%discount%'", args: [] })).rows[0]
    expect(event).toMatchObject({
      title: 'Test failed: cart totals › applies the discount code',
      sha: SHA,
      branch: 'main',
      repository_id: 'repo-ci',
      at: Date.parse('2025-03-04T10:00:00Z'),
    })
  })

  it('replaces the run’s results on a re-upload, and appends with ?mode=append', async () => {
    const again = await postReport(runId, fixture('jest-junit.xml'), { contentType: 'text/xml; charset=utf-8' })
    expect(again.status).toBe(201)
    expect((await again.json()).replaced).toBe(6)
    expect(await results()).toBe(6)
    expect(await failureEvents()).toBe(3)
    expect(await count("select count(*) as n from events where kind = 'test_result' and repository_id = 'repo-ci'")).toBe(3)

    const appended = await postReport(runId, fixture('pytest.xml'), { query: '?mode=append' })
    expect(appended.status).toBe(201)
    expect(await appended.json()).toMatchObject({ mode: 'append', tests: 6, failed: 1, errors: 1, skipped: 2, replaced: 0 })
    expect(await results()).toBe(12)
    expect(await failureEvents()).toBe(5)
    const stored = (await db.execute({ sql: "select file, status from test_results where ci_run_id = ? and name = 'test_percent[10-90]'", args: [runId] })).rows[0]
    expect(stored).toMatchObject({ file: 'tests/test_pricing.py', status: 'failed' })
    expect((await postReport(runId, fixture('pytest.xml'), { query: '?mode=merge' })).status).toBe(400)
  })

  it('answers malformed XML with 400 and where it broke, and leaves the stored results alone', async () => {
    const before = await results()
    const response = await postReport(runId, fixture('malformed.xml'))
    expect(response.status).toBe(400)
    const { error } = await response.json()
    expect(error.code).toBe('bad_request')
    expect(error.message).toMatch(/^Malformed XML at line 8, column \d+/)
    expect(await results()).toBe(before)
    const notJUnit = await postReport(runId, '<project><modelVersion>4.0.0</modelVersion></project>')
    expect(notJUnit.status).toBe(422)
    expect(await results()).toBe(before)
  })

  it('takes reports over the usual 1 MB body limit, streamed', { timeout: 60_000 }, async () => {
    // A few tests with a lot of captured output, as Surefire writes them.
    const output = `<system-out><![CDATA[${'12:00:01.113 [main] DEBUG com.acme.shop.Cart - a log line\n'.repeat(25_000)}]]></system-out>`
    const cases = Array.from({ length: 3 }, (_, i) => `<testcase classname="com.acme.shop.BigTest" name="logs${i}" time="0.5">${output}</testcase>`).join('')
    const body = `<?xml version="1.0"?><testsuite name="com.acme.shop.BigTest">${cases}</testsuite>`
    expect(body.length).toBeGreaterThan(3 * 1024 * 1024)
    const response = await postReport(runId, body, { query: '?mode=append' })
    expect(response.status).toBe(201)
    expect((await response.json()).tests).toBe(3)
  })

  it('refuses a body over 50 MB with 413: by Content-Length at once, and by counting a chunked stream', { timeout: 60_000 }, async () => {
    const before = await results()
    const declared = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}/api/v1/ci-runs/${runId}/test-results`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/xml', 'content-length': String(60 * 1024 * 1024) },
      })
      request.on('response', (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
        request.destroy()
      })
      request.on('error', reject)
      request.write('<testsuites>')
    })
    expect(declared).toBe(413)

    // 51 MB, well-formed all the way (a test case with a big system-out), sent without a length.
    const piece = new TextEncoder().encode(`${'x'.repeat(1023)}\n`)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('<testsuites><testsuite name="huge"><testcase classname="c" name="n"><system-out>'))
      },
      pull(controller) {
        if (sent >= 51 * 1024 * 1024) {
          controller.enqueue(new TextEncoder().encode('</system-out></testcase></testsuite></testsuites>'))
          controller.close()
          return
        }
        for (let i = 0; i < 256; i++) controller.enqueue(piece)
        sent += 256 * piece.length
      },
    })
    const streamed = await postReport(runId, stream)
    expect(streamed.status).toBe(413)
    expect((await streamed.json()).error.code).toBe('payload_too_large')
    expect(await results()).toBe(before)
  })

  it('answers 415 to another content type, 404 to an unknown run, 403 without ci:write', async () => {
    const json = await postReport(runId, '{}', { contentType: 'application/json' })
    expect(json.status).toBe(415)
    expect((await json.json()).error.code).toBe('unsupported_media_type')
    expect((await postReport(999_999, fixture('pytest.xml'))).status).toBe(404)
    expect((await postReport('abc', fixture('pytest.xml'))).status).toBe(404)
    expect((await postReport(runId, fixture('pytest.xml'), { token: tokens.viewer })).status).toBe(403)
    expect((await postReport(runId, fixture('pytest.xml'), { token: tokens.reader })).status).toBe(403)
  })

  it('is in the OpenAPI document', async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${tokens.reader}` } })
    const document = await response.json()
    expect(document.paths['/ci-runs'].post.operationId).toBe('recordCiRun')
    expect(Object.keys(document.paths['/ci-runs/{id}/test-results'].post.requestBody.content)).toEqual(['application/xml', 'text/xml'])
  })
})
