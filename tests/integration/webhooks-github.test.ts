// GitHub webhooks end to end: GitHub's published example payloads (@octokit/webhooks-examples),
// signed with the repository's secret, through the real endpoint of a running server and its
// delivery worker, into commits, CI runs and events.
import { createClient, type Client } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginCookie, startServer, type RunningServer } from '../helpers/server'
import { countRows, deliverGithub, githubExamples, settled } from '../helpers/webhooks'

let server: RunningServer
let db: Client
let admin: string
/** Codertocat/Hello-World (push, check_suite, ping examples) and octo-org/octo-repo (workflow_run examples). */
const repos: Record<'hello' | 'octo', { id: string; secret: string }> = {} as never

async function register(cookie: string, body: Record<string, string>) {
  return fetch(`${server.url}/api/v1/repositories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  })
}

beforeAll(async () => {
  server = await startServer()
  db = createClient({ url: server.databaseUrl })
  admin = await loginCookie(server, 'admin@example.com')
  for (const [key, externalName] of [
    ['hello', 'Codertocat/Hello-World'],
    ['octo', 'octo-org/octo-repo'],
  ] as const) {
    const response = await register(admin, { name: externalName.split('/')[1], provider: 'github', externalName, defaultBranch: 'master' })
    expect(response.status).toBe(201)
    const body = await response.json()
    repos[key] = { id: body.id, secret: body.secret }
  }
})
afterAll(async () => {
  db?.close()
  await server?.stop()
})

const counts = async () => ({
  deliveries: await countRows(db, 'deliveries'),
  commits: await countRows(db, 'commits'),
  ciRuns: await countRows(db, 'ci_runs'),
  events: await countRows(db, 'events'),
  branches: await countRows(db, 'branches'),
})

describe('registering through the API', () => {
  it('returns the webhook URL and a secret of at least 128 bits, once; the database holds only ciphertext', async () => {
    const response = await register(admin, { name: 'api-made', provider: 'github', externalName: 'acme/api-made' })
    expect(response.status).toBe(201)
    const body = await response.json()
    expect(body).toMatchObject({ name: 'api-made', provider: 'github', externalName: 'acme/api-made', defaultBranch: 'main', webhookUrl: `${server.url}/webhooks/github` })
    expect(Buffer.from(body.secret, 'base64url').length).toBeGreaterThanOrEqual(16)
    const stored = await db.execute({ sql: 'select * from repositories where id = ?', args: [body.id] })
    const values = Object.values(stored.rows[0]).map(String)
    expect(values.some((value) => value.includes(body.secret))).toBe(false)
    expect(String(stored.rows[0].webhook_secret)).not.toBe('')

    const list = await fetch(`${server.url}/api/v1/repositories`, { headers: { cookie: admin } })
    const listed = await list.json()
    expect(listed.repositories.map((repository: { name: string }) => repository.name)).toContain('api-made')
    expect(JSON.stringify(listed)).not.toContain(body.secret)
    expect(JSON.stringify(listed)).not.toContain(String(stored.rows[0].webhook_secret))
  })

  it('answers 400 with field errors, 409 on a duplicate name, 415 to a body that is not JSON, 403 to an engineer', async () => {
    const invalid = await register(admin, { name: '', provider: 'github' })
    expect(invalid.status).toBe(400)
    const error = (await invalid.json()).error
    expect(error.code).toBe('validation_failed')
    expect(Object.keys(error.fields).sort()).toEqual(['externalName', 'name'])

    const duplicate = await register(admin, { name: 'Hello-World', provider: 'github', externalName: 'someone/else' })
    expect(duplicate.status).toBe(409)
    expect((await duplicate.json()).error.code).toBe('conflict')

    const form = await fetch(`${server.url}/api/v1/repositories`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: admin }, body: 'name=x' })
    expect(form.status).toBe(415)

    const engineer = await loginCookie(server, 'engineer@example.com')
    const refused = await register(engineer, { name: 'nope', provider: 'git', gitPath: 'nope.git' })
    expect(refused.status).toBe(403)
  })
})

describe('the repository pages', () => {
  it('viewers see repositories read-only: no register, rotate or import buttons', async () => {
    const viewer = await loginCookie(server, 'viewer@example.com')
    const index = await fetch(`${server.url}/repositories`, { headers: { cookie: viewer } })
    expect(index.status).toBe(200)
    const html = await index.text()
    expect(html).toContain('Hello-World')
    expect(html).not.toContain('Register a repository')
    const page = await (await fetch(`${server.url}/repositories/${repos.hello.id}`, { headers: { cookie: viewer } })).text()
    const main = page.slice(page.indexOf('<main'), page.indexOf('</main>'))
    expect(main).toContain('Connection health')
    // The header's log-out button is the only one on the page.
    expect(main).not.toContain('<button')
    expect((await fetch(`${server.url}/repositories/new`, { headers: { cookie: viewer } })).status).toBe(403)

    const adminIndex = await (await fetch(`${server.url}/repositories`, { headers: { cookie: admin } })).text()
    expect(adminIndex).toContain('Register a repository')
    const adminPage = await (await fetch(`${server.url}/repositories/${repos.hello.id}`, { headers: { cookie: admin } })).text()
    expect(adminPage).toContain('Rotate secret')
  })
})

describe('POST /webhooks/github', () => {
  it('answers a signed ping with 200', async () => {
    // GitHub's ping examples are for repositories registered nowhere here: ?repository= names ours.
    const [ping] = githubExamples('ping')
    const { response, deliveryId } = await deliverGithub(server.url, 'ping', ping, { secret: repos.hello.secret, query: `?repository=${repos.hello.id}` })
    expect(response.status).toBe(200)
    expect((await settled(db, 'github', deliveryId)).status).toBe('processed')
  })

  it('push: 202, then the commit, its changed files, the branch head and a push event', async () => {
    const push = githubExamples('push').find((example) => example.ref === 'refs/heads/master')!
    const { response, deliveryId, json } = await deliverGithub(server.url, 'push', push, { secret: repos.hello.secret })
    expect(response.status).toBe(202)
    expect(json).toMatchObject({ received: true, status: 'pending', event: 'push' })
    const delivery = await settled(db, 'github', deliveryId)
    expect(delivery.status).toBe('processed')

    const sha = '6113728f27ae82c7b1a177c8d03f9e96e0adf246'
    const commit = (await db.execute({ sql: 'select * from commits where sha = ?', args: [sha] })).rows[0]
    expect(commit).toMatchObject({ repository_id: repos.hello.id, subject: 'Initial commit', author_name: 'Codertocat', committed_at: Date.parse('2019-05-15T15:19:25Z'), files_changed: 1 })
    // The push created the branch: no parent is known.
    expect((await db.execute({ sql: 'select * from commit_parents where sha = ?', args: [sha] })).rows).toHaveLength(0)
    const files = (await db.execute({ sql: 'select * from commit_files where sha = ?', args: [sha] })).rows
    expect(files).toEqual([expect.objectContaining({ path: 'README.md', additions: null, deletions: null })])
    const branch = (await db.execute({ sql: 'select * from branches where repository_id = ? and name = ?', args: [repos.hello.id, 'master'] })).rows[0]
    expect(branch.head_sha).toBe(sha)
    const timeline = (await db.execute({ sql: 'select kind, sha, branch, title, source_delivery_id from events where repository_id = ? order by id', args: [repos.hello.id] })).rows
    expect(timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'commit', sha, branch: 'master', title: 'Initial commit', source_delivery_id: delivery.id }),
        expect.objectContaining({ kind: 'push', sha, branch: 'master', title: 'Codertocat created master with 1 commit' }),
      ]),
    )
  })

  it('push of several commits: each commit`s parent is the one before it, the first`s is `before`', async () => {
    const push = githubExamples('push').find((example) => example.ref === 'refs/heads/master')!
    const template = (push.commits as Array<Record<string, unknown>>)[0]
    const before = push.after as string
    const shas = ['a'.repeat(40), 'b'.repeat(40)]
    Object.assign(push, {
      before,
      after: shas[1],
      created: false,
      commits: shas.map((id, index) => ({ ...template, id, message: `Change ${index + 1}\n\nWith a body`, added: [], modified: ['README.md'], removed: index ? ['old.txt'] : [] })),
      repository: { ...(push.repository as object), pushed_at: 1_900_000_000 },
    })
    const { response, deliveryId } = await deliverGithub(server.url, 'push', push, { secret: repos.hello.secret })
    expect(response.status).toBe(202)
    expect((await settled(db, 'github', deliveryId)).status).toBe('processed')
    const parents = (await db.execute({ sql: 'select sha, parent_sha from commit_parents where repository_id = ? order by sha', args: [repos.hello.id] })).rows
    expect(parents.map((row) => [row.sha, row.parent_sha])).toEqual([
      [shas[0], before],
      [shas[1], shas[0]],
    ])
    const second = (await db.execute({ sql: 'select subject, body, files_changed from commits where sha = ?', args: [shas[1]] })).rows[0]
    expect(second).toMatchObject({ subject: 'Change 2', body: 'With a body', files_changed: 2 })
    const branch = (await db.execute({ sql: "select head_sha from branches where repository_id = ? and name = 'master'", args: [repos.hello.id] })).rows[0]
    expect(branch.head_sha).toBe(shas[1])
  })

  it('workflow_run requested, in_progress, completed: one run that ends completed, with one timeline event', async () => {
    const examples = githubExamples('workflow_run')
    const requested = examples.find((example) => example.action === 'requested' && (example.workflow_run as { status: string }).status === 'queued')!
    const completed = examples.find((example) => example.action === 'completed' && (example.workflow_run as { status: string }).status === 'completed')!
    // GitHub publishes no in_progress example: the requested one as GitHub sends it once the run starts.
    const inProgress = structuredClone(requested)
    Object.assign(inProgress, { action: 'in_progress' })
    Object.assign(inProgress.workflow_run as object, { status: 'in_progress', updated_at: '2020-10-05T16:33:30Z' })

    for (const payload of [requested, inProgress, completed]) {
      const { response, deliveryId } = await deliverGithub(server.url, 'workflow_run', payload, { secret: repos.octo.secret })
      expect(response.status).toBe(202)
      expect((await settled(db, 'github', deliveryId)).status).toBe('processed')
    }
    const runs = (await db.execute({ sql: 'select * from ci_runs where repository_id = ?', args: [repos.octo.id] })).rows
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({
      provider: 'github',
      kind: 'workflow_run',
      external_id: '289782451',
      attempt: 1,
      name: 'test',
      branch: 'master',
      head_sha: '3484a3fb816e0859fd6e1cea078d76385ff50625',
      status: 'completed',
      conclusion: 'success',
      started_at: Date.parse('2020-10-05T16:33:49Z'),
      completed_at: Date.parse('2020-10-05T16:33:49Z'),
      url: 'https://github.com/octo-org/octo-repo/actions/runs/289782451',
    })
    const timeline = (await db.execute({ sql: "select title from events where kind = 'ci_run' and ref_id = ?", args: [String(runs[0].id)] })).rows
    expect(timeline).toEqual([{ title: 'test #289782451: success' }])
  })

  it('out of order: completed delivered before in_progress stays completed', async () => {
    const completed = githubExamples('workflow_run').find((example) => (example.workflow_run as { status: string }).status === 'completed' && example.action === 'completed')!
    Object.assign(completed.workflow_run as object, { id: 777, conclusion: 'failure' })
    const late = structuredClone(completed)
    Object.assign(late.workflow_run as object, { status: 'in_progress', conclusion: null, updated_at: '2020-10-05T16:33:30Z' })
    for (const payload of [completed, late]) {
      const { deliveryId } = await deliverGithub(server.url, 'workflow_run', payload, { secret: repos.octo.secret })
      expect((await settled(db, 'github', deliveryId)).status).toBe('processed')
    }
    const run = (await db.execute("select status, conclusion from ci_runs where external_id = '777'")).rows[0]
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' })
  })

  it('check_suite: a run of kind check_suite named after the app', async () => {
    const suite = githubExamples('check_suite').find((example) => example.action === 'completed')!
    const { response, deliveryId } = await deliverGithub(server.url, 'check_suite', suite, { secret: repos.hello.secret })
    expect(response.status).toBe(202)
    expect((await settled(db, 'github', deliveryId)).status).toBe('processed')
    const run = (await db.execute("select * from ci_runs where kind = 'check_suite'")).rows[0]
    expect(run).toMatchObject({
      repository_id: repos.hello.id,
      external_id: '118578147',
      name: 'octocoders-linter',
      head_sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      status: 'completed',
      conclusion: 'success',
      completed_at: Date.parse('2019-05-15T15:21:14Z'),
      url: 'https://api.github.com/repos/Codertocat/Hello-World/check-suites/118578147',
    })
  })

  it('a redelivery (same X-GitHub-Delivery) answers 200 and changes nothing', async () => {
    const suite = githubExamples('check_suite').find((example) => example.action === 'requested')!
    const first = await deliverGithub(server.url, 'check_suite', suite, { secret: repos.hello.secret })
    expect(first.response.status).toBe(202)
    await settled(db, 'github', first.deliveryId)
    const before = await counts()
    const again = await deliverGithub(server.url, 'check_suite', suite, { secret: repos.hello.secret, deliveryId: first.deliveryId })
    expect(again.response.status).toBe(200)
    expect(again.json).toMatchObject({ duplicate: true })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await counts()).toEqual(before)
  })

  it('acknowledges other events with 202 and records them as ignored', async () => {
    const { response, deliveryId } = await deliverGithub(server.url, 'issues', { action: 'opened', repository: { full_name: 'Codertocat/Hello-World' } }, { secret: repos.hello.secret })
    expect(response.status).toBe(202)
    expect((await settled(db, 'github', deliveryId)).status).toBe('ignored')
  })

  it('finds the repository by ?repository=<id> when the payload names another, or none', async () => {
    const pings = githubExamples('ping')
    const unnamed = pings.find((example) => !example.repository)!
    expect((await deliverGithub(server.url, 'ping', unnamed, { secret: repos.octo.secret })).response.status).toBe(404)
    expect((await deliverGithub(server.url, 'ping', unnamed, { secret: repos.octo.secret, query: `?repository=${repos.octo.id}` })).response.status).toBe(200)
    expect((await deliverGithub(server.url, 'ping', pings[0], { secret: repos.octo.secret, query: `?repository=${repos.octo.id}` })).response.status).toBe(200)
  })

  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    const push = githubExamples('push').find((example) => example.ref === 'refs/heads/master')!
    const before = await counts()
    for (const options of [{ secret: 'not-the-secret' }, { signature: null }, { secret: repos.octo.secret }, { signature: 'sha256=zz' }]) {
      const { response, json } = await deliverGithub(server.url, 'push', push, options)
      expect(response.status).toBe(401)
      expect((json as { error: { code: string } }).error.code).toBe('unauthorized')
    }
    expect(await counts()).toEqual(before)
  })

  it('refuses a body that is not JSON (400), an unknown repository (404) and a chunked body over 25 MB (413)', async () => {
    const before = await counts()
    const notJson = await deliverGithub(server.url, 'push', null, { body: 'payload=%7B%7D', secret: repos.hello.secret })
    expect(notJson.response.status).toBe(400)
    expect((notJson.json as { error: { code: string } }).error.code).toBe('bad_request')

    const unknown = await deliverGithub(server.url, 'push', { repository: { full_name: 'nobody/nothing' } }, { secret: repos.hello.secret })
    expect(unknown.response.status).toBe(404)
    expect((unknown.json as { error: { code: string } }).error.code).toBe('not_found')

    const chunk = new Uint8Array(1024 * 1024).fill(0x20)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 27) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const tooLarge = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'too-large' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(tooLarge.status).toBe(413)
    expect((await tooLarge.json()).error.code).toBe('payload_too_large')
    expect(await counts()).toEqual(before)
  })

  it('rotating the secret: the old one verifies during its grace period, not after', async () => {
    const oldSecret = repos.hello.secret
    const page = await fetch(`${server.url}/repositories/${repos.hello.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: admin },
      body: new URLSearchParams({ intent: 'rotate' }),
    })
    expect(page.status).toBe(200)
    const newSecret = /data-testid="webhook-secret"[^>]*value="([^"]+)"/.exec(await page.text())?.[1]
    expect(newSecret).toBeTruthy()
    expect(newSecret).not.toBe(oldSecret)

    const [ping] = githubExamples('ping')
    Object.assign(ping.repository as object, { full_name: 'Codertocat/Hello-World' })
    expect((await deliverGithub(server.url, 'ping', ping, { secret: newSecret })).response.status).toBe(200)
    expect((await deliverGithub(server.url, 'ping', ping, { secret: oldSecret })).response.status).toBe(200)

    // The grace ends (here written from outside the server, as another replica or the passing of
    // time would): the server keeps a repository's secrets for up to two seconds, then refuses.
    await db.execute({ sql: 'update repositories set previous_secret_expires_at = ? where id = ?', args: [Date.now() - 1000, repos.hello.id] })
    const refusedBy = Date.now() + 2500
    let status = 0
    while ((status = (await deliverGithub(server.url, 'ping', ping, { secret: oldSecret })).response.status) !== 401 && Date.now() < refusedBy) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(status).toBe(401)
    expect((await deliverGithub(server.url, 'ping', ping, { secret: newSecret })).response.status).toBe(200)
    repos.hello.secret = newSecret!

    const audit = (await db.execute({ sql: "select action from audit_log where target_id = ? order by id", args: [repos.hello.id] })).rows.map((row) => row.action)
    expect(audit).toEqual(['repository.create', 'repository.rotate_secret'])
  })

  it('a delivery that cannot be processed fails with its error, shows on the repository page, and can be replayed', async () => {
    const broken = githubExamples('workflow_run')[1]
    delete (broken.workflow_run as Record<string, unknown>).head_sha
    const { response, deliveryId } = await deliverGithub(server.url, 'workflow_run', broken, { secret: repos.octo.secret })
    expect(response.status).toBe(202)
    const row = await settled(db, 'github', deliveryId)
    expect(row).toMatchObject({ status: 'failed', attempts: 1 })
    expect(String(row.last_error)).toContain('head_sha')

    const viewer = await loginCookie(server, 'viewer@example.com')
    const overview = await (await fetch(`${server.url}/repositories/${repos.octo.id}`, { headers: { cookie: viewer } })).text()
    expect(overview).toContain('head_sha')
    expect(overview).toMatch(/data-testid="failed-count">1</)
    expect(overview).not.toContain('Rotate secret')

    const pagePath = `/repositories/${repos.octo.id}/deliveries/${row.id}`
    const asViewer = await (await fetch(`${server.url}${pagePath}`, { headers: { cookie: viewer } })).text()
    expect(asViewer).toContain('&quot;head_branch&quot;: &quot;master&quot;')
    expect(asViewer).not.toContain('>Replay<')
    const asAdmin = await (await fetch(`${server.url}${pagePath}`, { headers: { cookie: admin } })).text()
    expect(asAdmin).toContain('>Replay<')

    await db.execute({ sql: 'update delivery_payloads set payload = ? where delivery_id = ?', args: [JSON.stringify(githubExamples('workflow_run')[1]), row.id] })
    const replay = await fetch(`${server.url}${pagePath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: admin },
      body: new URLSearchParams({ intent: 'replay' }),
    })
    expect(replay.status).toBe(200)
    expect(await settled(db, 'github', deliveryId)).toMatchObject({ status: 'processed', last_error: null })
    const audit = (await db.execute({ sql: "select action from audit_log where action = 'delivery.replay' and target_id = ?", args: [String(row.id)] })).rows
    expect(audit).toHaveLength(1)
    const engineer = await loginCookie(server, 'engineer@example.com')
    const refused = await fetch(`${server.url}${pagePath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: engineer },
      body: new URLSearchParams({ intent: 'replay' }),
    })
    expect(refused.status).toBe(403)
  })

  it('the payload page escapes what it shows', async () => {
    const [ping] = githubExamples('ping')
    Object.assign(ping, { zen: '<script>alert(1)</script>' })
    const { deliveryId } = await deliverGithub(server.url, 'ping', ping, { secret: repos.hello.secret, query: `?repository=${repos.hello.id}` })
    const row = await settled(db, 'github', deliveryId)
    const html = await (await fetch(`${server.url}/repositories/${repos.hello.id}/deliveries/${row.id}`, { headers: { cookie: admin } })).text()
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>alert(1)</script>')
  })
})
