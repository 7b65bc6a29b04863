// The repository pages' loaders and actions as Remix calls them: permissions, field errors, intents.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { beforeAll, describe, expect, it } from 'vitest'
import { listRepositories } from '../connectors/repositories.server'
import { cookieFor, ensureDemoUsers, makeRequest } from '../../tests/helpers/auth'
import * as list from './repositories._index'
import * as register from './repositories.new'
import * as detail from './repositories.$id'
import * as delivery from './repositories.$id.deliveries.$deliveryId'

type Role = 'admin' | 'engineer' | 'viewer'
const cookies: Partial<Record<Role, string>> = {}

interface Outcome {
  status: number
  body: Record<string, unknown> & { result?: { error?: Record<string, string[] | null> } | null }
}

async function settle(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    const value = await run()
    if (value instanceof Response) return { status: value.status, body: {} }
    if (value && typeof value === 'object' && 'type' in value && value.type === 'DataWithResponseInit') {
      const wrapped = value as unknown as { data: Outcome['body']; init: ResponseInit | null }
      return { status: wrapped.init?.status ?? 200, body: wrapped.data }
    }
    return { status: 200, body: value as Outcome['body'] }
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, body: {} }
    throw thrown
  }
}

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} }) as unknown as ActionFunctionArgs & LoaderFunctionArgs
const submit = (role: Role, form: Record<string, string>) => settle(() => register.action(args(makeRequest('/repositories/new', { cookie: cookies[role], form }))))

beforeAll(async () => {
  await ensureDemoUsers()
  for (const role of ['admin', 'engineer', 'viewer'] as const) cookies[role] = await cookieFor(role)
})

describe('registering a repository', () => {
  it('answers 400 with the error beside each field', async () => {
    const github = await submit('admin', { intent: 'create', name: '', provider: 'github' })
    expect(github.status).toBe(400)
    expect(github.body.result?.error).toMatchObject({ name: ['Enter a name'], externalName: ['Enter the repository as owner/repo'] })
    const git = await submit('admin', { intent: 'create', name: 'local', provider: 'git', defaultBranch: 'two words' })
    expect(git.status).toBe(400)
    expect(git.body.result?.error).toMatchObject({ gitPath: ['Enter the path of the repository on the server'], defaultBranch: ['Enter a valid branch name, such as main'] })
    expect((await submit('admin', { intent: 'delete' })).status).toBe(400)
    expect(await listRepositories()).toHaveLength(0)
  })

  it('is for admins: engineers and viewers get 403 from the page and the action', async () => {
    for (const role of ['engineer', 'viewer'] as const) {
      expect((await submit(role, { intent: 'create', name: 'x', provider: 'git', gitPath: 'x.git' })).status).toBe(403)
      expect((await settle(() => register.loader(args(makeRequest('/repositories/new', { cookie: cookies[role] }))))).status).toBe(403)
    }
    expect(await listRepositories()).toHaveLength(0)
  })

  it('shows the secret and the setup steps once, and 409 for a name in use', async () => {
    const created = await submit('admin', { intent: 'create', name: 'web', provider: 'gitlab', externalName: 'acme/web' })
    expect(created.status).toBe(200)
    const shown = created.body.created as { secret: string; steps: Array<{ text: string; value?: string }> }
    expect(shown.secret).toBeTruthy()
    expect(shown.steps.map((step) => step.value)).toEqual(expect.arrayContaining(['http://localhost:3000/webhooks/gitlab', shown.secret]))
    const again = await submit('admin', { intent: 'create', name: 'web', provider: 'gitlab', externalName: 'acme/other' })
    expect(again.status).toBe(409)
    expect(again.body.result?.error?.name).toEqual(['A repository with that name exists already.'])
  })
})

describe('reading repositories', () => {
  it('everyone with workspace:read sees them; only admins may manage', async () => {
    const [repository] = await listRepositories()
    for (const role of ['viewer', 'engineer', 'admin'] as const) {
      const index = await settle(() => list.loader(args(makeRequest('/repositories', { cookie: cookies[role] }))))
      expect(index.body.canManage).toBe(role === 'admin')
      const page = await settle(() => detail.loader(args(makeRequest(`/repositories/${repository.id}`, { cookie: cookies[role] }), { id: repository.id })))
      expect(page.status).toBe(200)
      expect(page.body.canManage).toBe(role === 'admin')
      expect(JSON.stringify(page.body)).not.toMatch(/webhookSecret|"secret"/)
    }
    const missing = await settle(() => detail.loader(args(makeRequest('/repositories/nope', { cookie: cookies.viewer }), { id: 'nope' })))
    expect(missing.status).toBe(404)
  })

  it('rotating is for admins; an unknown intent is 400', async () => {
    const [repository] = await listRepositories()
    const rotate = (role: Role, intent = 'rotate') =>
      settle(() => detail.action(args(makeRequest(`/repositories/${repository.id}`, { cookie: cookies[role], form: { intent } }), { id: repository.id })))
    expect((await rotate('engineer')).status).toBe(403)
    expect((await rotate('admin', 'explode')).status).toBe(400)
    const rotated = await rotate('admin')
    expect(rotated.status).toBe(200)
    expect((rotated.body.rotated as { secret: string }).secret).toBeTruthy()
  })

  it('a delivery of another repository, or none, is 404', async () => {
    const [repository] = await listRepositories()
    for (const deliveryId of ['1', 'abc', '-1']) {
      const outcome = await settle(() => delivery.loader(args(makeRequest(`/repositories/${repository.id}/deliveries/${deliveryId}`, { cookie: cookies.viewer }), { id: repository.id, deliveryId })))
      expect(outcome.status).toBe(404)
    }
  })
})
