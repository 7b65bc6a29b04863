// The linker through the real server: commits and runs written by the connectors' own functions into
// the server's database, the server's linker worker deriving episodes, and the API over HTTP
// (a branch name with a slash, %2F-encoded in the path).
import { createClient, type Client } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as schema from '../../db/schema'
import { upsertCiRun } from '../../app/connectors/ci-runs.server'
import { upsertCommits } from '../../app/connectors/timeline.server'
import { commitInput, sha } from '../helpers/linker'
import { loginCookie, startServer, type RunningServer } from '../helpers/server'

let server: RunningServer
let client: Client
const tokens: Record<'writer' | 'viewer', string> = { writer: '', viewer: '' }

async function createToken(email: string, scope: 'read' | 'read+write') {
  const cookie = await loginCookie(server, email)
  const response = await fetch(`${server.url}/settings/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
    body: new URLSearchParams({ intent: 'create', name: `linker-${scope}`, scope, days: '30' }),
  })
  return /(inq_[A-Za-z0-9_-]+)/.exec(await response.text())![1]
}

const api = (path: string, token = tokens.viewer, init: RequestInit = {}) =>
  fetch(`${server.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } })

beforeAll(async () => {
  server = await startServer()
  client = createClient({ url: server.databaseUrl })
  const db = drizzle(client, { schema })
  await db.insert(schema.repositories).values({ id: 'repo-shop', name: 'shop', provider: 'github', externalName: 'acme/shop' })
  const commits = [
    { label: 'main-1' },
    { label: 'main-2', parents: ['main-1'] },
    { label: 'login-1', parents: ['main-2'], files: ['src/login.ts'] },
    { label: 'login-2', parents: ['login-1'], files: ['README.md'] },
  ]
  // A push of main, then one of the branch, as the webhook would store them.
  await db.transaction((tx) => upsertCommits(tx, 'repo-shop', commits.slice(0, 2).map(commitInput), { branch: 'main' }))
  await db.transaction((tx) => upsertCommits(tx, 'repo-shop', commits.slice(2).map(commitInput), { branch: 'feature/login' }))
  const run = (externalId: string, commit: string, branch: string, conclusion: string, at: number) =>
    db.transaction((tx) =>
      upsertCiRun(tx, {
        repositoryId: 'repo-shop',
        provider: 'github',
        kind: 'workflow_run',
        externalId,
        attempt: 1,
        name: 'CI',
        branch,
        headSha: sha(commit),
        status: 'completed',
        conclusion,
        startedAt: at - 1000,
        completedAt: at,
        url: `https://github.com/acme/shop/actions/runs/${externalId}`,
        sourceUpdatedAt: at,
      }),
    )
  await run('1', 'main-2', 'main', 'success', 1_700_000_100_000)
  await run('2', 'login-2', 'feature/login', 'failure', 1_700_000_200_000)
  tokens.writer = await createToken('engineer@example.com', 'read+write')
  tokens.viewer = await createToken('viewer@example.com', 'read+write')
})

afterAll(async () => {
  client?.close()
  await server?.stop()
})

describe('the linker in a running server', () => {
  it('serves the branch status with a %2F-encoded branch once the worker has linked the runs', async () => {
    let body: { state: string; workflows: Array<{ lastGreen: { sha: string; base: string }; firstRed: { sha: string }; episode: { id: number; range: { size: number } } }> } | null = null
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      const response = await api('/repositories/repo-shop/branches/feature%2Flogin/status')
      expect(response.status).toBe(200)
      body = await response.json()
      if (body!.state === 'red') break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(body).toMatchObject({
      state: 'red',
      workflows: [{ lastGreen: { sha: sha('main-2'), base: 'default_branch' }, firstRed: { sha: sha('login-2') }, episode: { range: { size: 2 } } }],
    })
    // An unencoded slash is another path altogether.
    expect((await api('/repositories/repo-shop/branches/feature/login/status')).status).toBe(404)

    const episodeId = body!.workflows[0].episode.id
    const suspects = await (await api(`/episodes/${episodeId}/suspects`)).json()
    expect(suspects.suspects.map((suspect: { sha: string }) => suspect.sha)).toEqual(expect.arrayContaining([sha('login-1'), sha('login-2')]))
    const decide = (token: string) =>
      api(`/episodes/${episodeId}/suspects`, token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sha: sha('login-1'), status: 'accepted' }) })
    expect((await decide(tokens.viewer)).status).toBe(403)
    const accepted = await decide(tokens.writer)
    expect(accepted.status).toBe(200)
    expect((await accepted.json()).suspect).toMatchObject({ status: 'accepted', decidedBy: 'Eli Engineer' })
  })

  it('lists the linker’s paths in the OpenAPI document', async () => {
    const document = await (await api('/openapi.json')).json()
    for (const path of ['/repositories/{id}/branches/{branch}/status', '/episodes/{id}/suspects', '/flaky-tests', '/links', '/links/{id}']) {
      expect(document.paths[path], path).toBeDefined()
    }
    expect(document.components.schemas.BranchStatus).toBeDefined()
  })

  it('shows the episode page and the red branches page', async () => {
    const cookie = await loginCookie(server, 'viewer@example.com')
    const page = await fetch(`${server.url}/branches`, { headers: { cookie } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('feature/login')
    const id = /\/episodes\/(\d+)/.exec(html)![1]
    const episode = await fetch(`${server.url}/episodes/${id}`, { headers: { cookie } })
    expect(episode.status).toBe(200)
    expect(await episode.text()).toContain('no green run on this branch yet')
    expect((await fetch(`${server.url}/flaky-tests`, { headers: { cookie } })).status).toBe(200)
  })
})
