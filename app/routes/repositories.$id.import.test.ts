// The git import page as Remix calls it: who may see and start imports, and what it shows.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repositories } from '../../db/schema'
import { cookieFor, ensureDemoUsers, makeRequest } from '../../tests/helpers/auth'
import { runNextGitImport } from '../connectors/git-import.server'
import { getClient, getDb } from '../db.server'
import { forgetSingleton } from '../utils/singleton.server'
import * as page from './repositories.$id.import'

type Role = 'admin' | 'engineer' | 'viewer'
const cookies: Partial<Record<Role, string>> = {}
const ROOT = mkdtempSync(path.join(tmpdir(), 'inquest-import-page-'))
const URL_PATH = '/repositories/web/import'

const args = (request: Request, id = 'web') => ({ request, params: { id }, context: {} }) as unknown as ActionFunctionArgs & LoaderFunctionArgs

async function outcome(run: () => Promise<unknown>) {
  try {
    const value = await run()
    if (value instanceof Response) return { status: value.status, location: value.headers.get('location'), body: null }
    if (value && typeof value === 'object' && 'type' in value && value.type === 'DataWithResponseInit') {
      const wrapped = value as unknown as { data: Record<string, unknown>; init: ResponseInit | null }
      return { status: wrapped.init?.status ?? 200, location: null, body: wrapped.data }
    }
    return { status: 200, location: null, body: value as Record<string, unknown> }
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, location: thrown.headers.get('location'), body: null }
    throw thrown
  }
}

const view = (role: Role, id = 'web') => outcome(() => page.loader(args(makeRequest(`/repositories/${id}/import`, { cookie: cookies[role] }), id)))
const start = (role: Role, intent = 'start', id = 'web') =>
  outcome(() => page.action(args(makeRequest(`/repositories/${id}/import`, { cookie: cookies[role], form: { intent } }), id)))

beforeAll(async () => {
  process.env.GIT_IMPORT_ROOT = ROOT
  forgetSingleton('env')
  const dir = path.join(ROOT, 'web')
  mkdirSync(dir)
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', HOME: ROOT }
  const git = (...argv: string[]) => execFileSync('git', ['-c', 'user.name=Web Dev', '-c', 'user.email=web@example.com', ...argv], { cwd: dir, env })
  git('init', '-q', '-b', 'main')
  for (let i = 1; i <= 3; i++) {
    writeFileSync(path.join(dir, 'index.html'), `<h1>version ${i}</h1>\n`)
    git('add', '.')
    git('commit', '-q', '-m', `Version ${i}`)
  }
  await getDb()
    .insert(repositories)
    .values([
      { id: 'web', name: 'web', provider: 'git', gitPath: 'web' },
      { id: 'hosted', name: 'hosted', provider: 'github', externalName: 'acme/hosted' },
    ])
  await ensureDemoUsers()
  for (const role of ['admin', 'engineer', 'viewer'] as const) cookies[role] = await cookieFor(role)
})

afterAll(() => rmSync(ROOT, { recursive: true, force: true }))

describe('the git import page', () => {
  it('shows every reader the repository, with no import yet, and start controls only to admins', async () => {
    const viewer = await view('viewer')
    expect(viewer.status).toBe(200)
    expect(viewer.body).toMatchObject({ repository: { id: 'web', gitPath: 'web' }, latest: null, commits: 0, canManage: false })
    expect((await view('admin')).body).toMatchObject({ canManage: true })
    expect((await view('viewer', 'nope')).status).toBe(404)
  })

  it('lets only repository:manage start an import, and records who did', async () => {
    for (const role of ['viewer', 'engineer'] as const) expect((await start(role)).status).toBe(403)
    const started = await start('admin')
    expect(started).toMatchObject({ status: 302, location: URL_PATH })
    const { rows } = await getClient().execute("select target_type, target_id, actor_user_id from audit_log where action = 'git_import.start'")
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ target_type: 'repository', target_id: 'web' })
    expect(rows[0].actor_user_id).toBeTruthy()
  })

  it('refuses a second import while one is queued, an unknown intent, and an unknown repository', async () => {
    const again = await start('admin')
    expect(again.status).toBe(409)
    expect(again.body?.message).toMatch(/already queued or running/)
    expect((await start('admin', 'delete')).status).toBe(400)
    expect((await start('admin', 'start', 'nope')).status).toBe(404)
    expect((await start('admin', 'start', 'hosted')).status).toBe(422)
  })

  it('shows the queued import, then the finished one with its counts and rate', async () => {
    expect((await view('viewer')).body).toMatchObject({ latest: { status: 'queued', done: 0, total: null } })
    expect(await runNextGitImport()).toBe(1)
    const done = await view('viewer')
    expect(done.body).toMatchObject({ commits: 3, branches: 1, latest: { status: 'succeeded', done: 3, total: 3, error: null, secondsLeft: null } })
    expect((done.body!.latest as { rate: number }).rate).toBeGreaterThan(0)
  })

  it('shows why an import failed, and a retry starts a new one', async () => {
    const setPath = (gitPath: string) => getClient().execute({ sql: "update repositories set git_path = ? where id = 'web'", args: [gitPath] })
    await setPath(tmpdir())
    expect((await start('admin')).status).toBe(302)
    await runNextGitImport()
    expect((await view('viewer')).body).toMatchObject({ latest: { status: 'failed', error: expect.stringMatching(/outside the import root/) } })
    await setPath('web')
    expect((await start('admin')).status).toBe(302)
    await runNextGitImport()
    expect((await view('viewer')).body).toMatchObject({ latest: { status: 'succeeded', done: 0 }, commits: 3 })
  })
})
