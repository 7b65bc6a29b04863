// GitLab webhooks end to end: the Push, Pipeline and Job Hook payloads of GitLab's documentation
// (tests/fixtures/gitlab), through the real endpoint of a running server and its delivery worker.
import { createClient, type Client } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginCookie, startServer, type RunningServer } from '../helpers/server'
import { countRows, deliverGitlab, gitlabFixture, settled } from '../helpers/webhooks'

let server: RunningServer
let db: Client
const projects: Record<'diaspora' | 'test', { id: string; secret: string }> = {} as never

beforeAll(async () => {
  server = await startServer()
  db = createClient({ url: server.databaseUrl })
  const admin = await loginCookie(server, 'admin@example.com')
  for (const [key, externalName] of [
    ['diaspora', 'mike/diaspora'],
    ['test', 'gitlab-org/gitlab-test'],
  ] as const) {
    const response = await fetch(`${server.url}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin },
      body: JSON.stringify({ name: key, provider: 'gitlab', externalName, defaultBranch: 'master' }),
    })
    expect(response.status).toBe(201)
    const body = await response.json()
    expect(body.webhookUrl).toBe(`${server.url}/webhooks/gitlab`)
    projects[key] = { id: body.id, secret: body.secret }
  }
})
afterAll(async () => {
  db?.close()
  await server?.stop()
})

const deliveryIdOf = (idempotencyKey: string | null) => idempotencyKey ?? ''

describe('POST /webhooks/gitlab', () => {
  it('Push Hook: 202, then the listed commits (the first without a parent: GitLab cut the list), files, branch and push event', async () => {
    const push = gitlabFixture('push-hook')
    const { response, idempotencyKey } = await deliverGitlab(server.url, 'Push Hook', push, { token: projects.diaspora.secret })
    expect(response.status).toBe(202)
    expect((await settled(db, 'gitlab', deliveryIdOf(idempotencyKey))).status).toBe('processed')

    const commits = (await db.execute({ sql: 'select sha, subject, body, author_name, committed_at, files_changed from commits where repository_id = ? order by committed_at', args: [projects.diaspora.id] })).rows
    expect(commits).toEqual([
      {
        sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
        subject: 'Update Catalan translation to e38cb41.',
        body: 'See https://gitlab.com/gitlab-org/gitlab for more information',
        author_name: 'Jordi Mallach',
        committed_at: Date.parse('2011-12-12T14:27:31+02:00'),
        files_changed: 2,
      },
      { sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', subject: 'fixed readme', body: '', author_name: 'GitLab dev user', committed_at: Date.parse('2012-01-03T23:36:29+02:00'), files_changed: 2 },
    ])
    // total_commits_count is 4 but two are listed: `before` is not the first listed commit's parent.
    const parents = (await db.execute({ sql: 'select sha, parent_sha from commit_parents where repository_id = ?', args: [projects.diaspora.id] })).rows
    expect(parents).toEqual([{ sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', parent_sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327' }])
    const files = (await db.execute({ sql: 'select path, additions from commit_files where sha = ? order by path', args: ['b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327'] })).rows
    expect(files).toEqual([
      { path: 'CHANGELOG', additions: null },
      { path: 'app/controller/application.rb', additions: null },
    ])
    const branch = (await db.execute({ sql: 'select head_sha from branches where repository_id = ?', args: [projects.diaspora.id] })).rows
    expect(branch).toEqual([{ head_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' }])
    const push_events = (await db.execute({ sql: "select title, branch, sha from events where kind = 'push' and repository_id = ?", args: [projects.diaspora.id] })).rows
    expect(push_events).toEqual([{ title: 'John Smith pushed 2 commits to master', branch: 'master', sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' }])
  })

  it('Pipeline Hook: a completed pipeline run, success, named by the pipeline', async () => {
    const { response, idempotencyKey } = await deliverGitlab(server.url, 'Pipeline Hook', gitlabFixture('pipeline-hook'), { token: projects.test.secret })
    expect(response.status).toBe(202)
    expect((await settled(db, 'gitlab', deliveryIdOf(idempotencyKey))).status).toBe('processed')
    const run = (await db.execute("select * from ci_runs where kind = 'pipeline'")).rows[0]
    expect(run).toMatchObject({
      repository_id: projects.test.id,
      provider: 'gitlab',
      external_id: '31',
      name: 'Pipeline for branch: master',
      branch: 'master',
      head_sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      status: 'completed',
      conclusion: 'success',
      started_at: Date.parse('2016-08-12T15:23:28Z'),
      completed_at: Date.parse('2016-08-12T15:26:29Z'),
      url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
    })
  })

  it('Pipeline Hook statuses map onto ours; a late running never undoes failed', async () => {
    const pipeline = gitlabFixture('pipeline-hook')
    const attributes = pipeline.object_attributes as Record<string, unknown>
    Object.assign(attributes, { id: 32, status: 'failed' })
    const failed = await deliverGitlab(server.url, 'Pipeline Hook', pipeline, { token: projects.test.secret })
    await settled(db, 'gitlab', deliveryIdOf(failed.idempotencyKey))
    Object.assign(attributes, { status: 'running', finished_at: null })
    const running = await deliverGitlab(server.url, 'Pipeline Hook', pipeline, { token: projects.test.secret })
    await settled(db, 'gitlab', deliveryIdOf(running.idempotencyKey))
    const run = (await db.execute("select status, conclusion from ci_runs where external_id = '32'")).rows[0]
    expect(run).toEqual({ status: 'completed', conclusion: 'failure' })
  })

  it('Job Hook: a queued job run with its retry as the attempt', async () => {
    const { response, idempotencyKey } = await deliverGitlab(server.url, 'Job Hook', gitlabFixture('job-hook'), { token: projects.test.secret })
    expect(response.status).toBe(202)
    expect((await settled(db, 'gitlab', deliveryIdOf(idempotencyKey))).status).toBe('processed')
    const run = (await db.execute("select * from ci_runs where kind = 'job'")).rows[0]
    expect(run).toMatchObject({
      external_id: '1977',
      attempt: 3,
      name: 'test',
      branch: 'gitlab-script-trigger',
      head_sha: '2293ada6b400935a1378653304eaf6221e0fdb8f',
      status: 'queued',
      conclusion: null,
      url: 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/1977',
    })
  })

  it('a redelivery answers 200 and changes nothing: by Idempotency-Key, by X-Gitlab-Event-UUID, or by the body', async () => {
    const job = gitlabFixture('job-hook')
    Object.assign(job, { build_id: 2000, build_status: 'running', build_started_at: '2021-02-23 02:42:00 UTC' })
    const first = await deliverGitlab(server.url, 'Job Hook', job, { token: projects.test.secret })
    await settled(db, 'gitlab', deliveryIdOf(first.idempotencyKey))
    const before = { deliveries: await countRows(db, 'deliveries'), runs: await countRows(db, 'ci_runs'), events: await countRows(db, 'events') }
    const again = await deliverGitlab(server.url, 'Job Hook', job, { token: projects.test.secret, idempotencyKey: first.idempotencyKey })
    expect(again.response.status).toBe(200)

    Object.assign(job, { build_id: 2001 })
    const byUuid = await deliverGitlab(server.url, 'Job Hook', job, { token: projects.test.secret, idempotencyKey: null, eventUuid: 'b3c1b0c4-4a5e-4f6b-9d37-2f1c7a1e0a01' })
    expect(byUuid.response.status).toBe(202)
    expect((await deliverGitlab(server.url, 'Job Hook', job, { token: projects.test.secret, idempotencyKey: null, eventUuid: 'b3c1b0c4-4a5e-4f6b-9d37-2f1c7a1e0a01' })).response.status).toBe(200)

    Object.assign(job, { build_id: 2002 })
    const byBody = await deliverGitlab(server.url, 'Job Hook', job, { token: projects.test.secret, idempotencyKey: null })
    expect(byBody.response.status).toBe(202)
    expect((await deliverGitlab(server.url, 'Job Hook', job, { token: projects.test.secret, idempotencyKey: null })).response.status).toBe(200)
    expect(await countRows(db, 'deliveries')).toBe(before.deliveries + 2)
  })

  it('refuses a wrong or missing token with 401 and stores nothing; an unknown project with 404', async () => {
    const before = await countRows(db, 'deliveries')
    for (const token of ['wrong', null, projects.diaspora.secret]) {
      const { response, json } = await deliverGitlab(server.url, 'Pipeline Hook', gitlabFixture('pipeline-hook'), { token })
      expect(response.status).toBe(401)
      expect((json as { error: { code: string } }).error.code).toBe('unauthorized')
    }
    const unknown = gitlabFixture('push-hook')
    Object.assign(unknown.project as object, { path_with_namespace: 'nobody/nothing' })
    expect((await deliverGitlab(server.url, 'Push Hook', unknown, { token: projects.diaspora.secret })).response.status).toBe(404)
    expect((await deliverGitlab(server.url, 'Push Hook', null, { body: '{not json', token: projects.diaspora.secret })).response.status).toBe(400)
    expect(await countRows(db, 'deliveries')).toBe(before)
  })

  it('acknowledges other events (Tag Push Hook) with 202 and ignores them', async () => {
    const tag = { ...gitlabFixture('push-hook'), object_kind: 'tag_push', ref: 'refs/tags/v1.0.0', commits: [] }
    const { response, idempotencyKey } = await deliverGitlab(server.url, 'Tag Push Hook', tag, { token: projects.diaspora.secret })
    expect(response.status).toBe(202)
    expect((await settled(db, 'gitlab', deliveryIdOf(idempotencyKey))).status).toBe('ignored')
  })
})
