import { beforeAll, describe, expect, it } from 'vitest'
import { softDeleteInvestigation } from '../investigations/changes.server'
import { getLinker } from '../linker/worker.server'
import { userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, bearerFor, chain, createRepository, episodesOf, settleLinker } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader as listLoader, action as createAction } from './api.v1.investigations'
import { loader as getLoader, action as patchAction } from './api.v1.investigations.$id'
import { loader as exportLoader } from './api.v1.investigations.$id.export'
import { loader as openApiLoader } from './api.v1.openapi[.]json'

type Token = Record<string, string>
type Investigation = {
  id: number
  title: string
  status: string
  severity: string
  allowedStatuses: string[]
  owner: { id: string; name: string } | null
  watchers: Array<{ id: string; name: string }>
  repository: { id: string; name: string } | null
  branch: string | null
  workflow: string | null
  episodeId: number | null
  firstRedRunId: number | null
  evidence?: Array<{ kind: string; ref: string; label: string }>
  url: string
}
type ErrorBody = { error: { code: string; message: string; fields?: Record<string, string[]> } }

const tokens: Record<'engineer' | 'engineerRead' | 'viewer' | 'viewerRead', Token> = { engineer: {}, engineerRead: {}, viewer: {}, viewerRead: {} }
let engineer: Awaited<ReturnType<typeof userWithRole>>
let admin: Awaited<ReturnType<typeof userWithRole>>
let repo = ''
let episodeId = 0

function request(method: string, path: string, token: Token, body?: unknown, contentType = 'application/json') {
  return new Request(`http://localhost:3000${path}`, {
    method,
    headers: { ...token, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
}

const create = (token: Token, body: unknown, contentType?: string) => settle(() => createAction(routeArgs(request('POST', '/api/v1/investigations', token, body, contentType))))
const patch = (id: number | string, token: Token, body: unknown, contentType?: string) =>
  settle(() => patchAction(routeArgs(request('PATCH', `/api/v1/investigations/${id}`, token, body, contentType), { id: String(id) })))
const get = (id: number | string, token = tokens.viewerRead) => settle(() => getLoader(routeArgs(request('GET', `/api/v1/investigations/${id}`, token), { id: String(id) })))
const list = (query: string, token = tokens.viewerRead) => settle(() => listLoader(routeArgs(request('GET', `/api/v1/investigations?${query}`, token))))
const exportFile = (id: number | string, query = '', token = tokens.viewerRead) =>
  settle(() => exportLoader(routeArgs(request('GET', `/api/v1/investigations/${id}/export${query}`, token), { id: String(id) })))
const json = async <T>(settled: { response?: Response }) => (await settled.response!.json()) as T

async function open(title: string, extra: Record<string, unknown> = {}) {
  const created = await create(tokens.engineer, { title, kind: 'incident', severity: 'sev3', ...extra })
  expect(created.status).toBe(201)
  return json<Investigation>(created)
}

beforeAll(async () => {
  getLinker().reset()
  engineer = await userWithRole('engineer')
  admin = await userWithRole('admin')
  tokens.engineer = await bearerFor('engineer')
  tokens.engineerRead = await bearerFor('engineer', 'read')
  tokens.viewer = await bearerFor('viewer')
  tokens.viewerRead = await bearerFor('viewer', 'read')
  repo = await createRepository()
  await addCommits(repo, chain('q', 3))
  await addRun(repo, { commit: 'q1', conclusion: 'success' })
  await addRun(repo, { commit: 'q3', conclusion: 'failure' })
  await settleLinker()
  episodeId = (await episodesOf(repo))[0].id
})

describe('POST /api/v1/investigations', () => {
  it('lets an engineer with a read+write token open one: 201, Location, owner and watchers', async () => {
    const created = await create(tokens.engineer, {
      title: 'Checkout times out in the EU',
      description: 'Since the **10:00** deploy',
      kind: 'incident',
      severity: 'sev2',
      environment: 'production',
      ownerId: admin.id,
      firstSeenAt: '2026-05-01T10:05:00Z',
      evidence: [{ kind: 'link', ref: 'https://status.example.com/incidents/42', label: 'Status page' }],
    })
    expect(created.status).toBe(201)
    const body = await json<Investigation>(created)
    expect(created.location).toBe(`/api/v1/investigations/${body.id}`)
    expect(body).toMatchObject({
      title: 'Checkout times out in the EU',
      status: 'open',
      severity: 'sev2',
      allowedStatuses: ['investigating', 'identified', 'closed'],
      owner: { id: admin.id, name: admin.name },
      firstSeenAt: '2026-05-01T10:05:00.000Z',
      url: `http://localhost:3000/investigations/${body.id}`,
    })
    expect(body.watchers.map((watcher) => watcher.id).sort()).toEqual([admin.id, engineer.id].sort())
    const fetched = await json<Investigation>(await get(body.id))
    expect(fetched.evidence).toEqual([expect.objectContaining({ kind: 'link', ref: 'https://status.example.com/incidents/42', label: 'Status page' })])
  })

  it('fills the scope and runs from a red episode', async () => {
    const body = await open('CI red on main', { kind: 'failing_build', episodeId })
    expect(body).toMatchObject({ repository: { id: repo, name: repo }, branch: 'main', workflow: 'CI', episodeId })
    expect(body.firstRedRunId).toEqual(expect.any(Number))
  })

  it('refuses a read token, a viewer, and a token without permission to write', async () => {
    const body = { title: 'Nope', kind: 'incident', severity: 'sev3' }
    const readToken = await create(tokens.engineerRead, body)
    expect(readToken.status).toBe(403)
    expect((await json<ErrorBody>(readToken)).error.code).toBe('forbidden')
    expect((await create(tokens.viewer, body)).status).toBe(403)
    expect((await create({}, body)).status).toBe(401)
  })

  it('answers 400 with the fields at fault, 415 for a body that is not JSON', async () => {
    const invalid = await create(tokens.engineer, {
      severity: 'sev9',
      kind: 'incident',
      colour: 'red',
      evidence: [{ kind: 'ci_run', ref: 'not-a-run' }],
      lastKnownGoodAt: 'yesterday',
    })
    expect(invalid.status).toBe(400)
    const { error } = await json<ErrorBody>(invalid)
    expect(error.code).toBe('validation_failed')
    expect(Object.keys(error.fields!).sort()).toEqual(['colour', 'evidence.0.ref', 'lastKnownGoodAt', 'severity', 'title'])
    expect(error.fields!.colour).toEqual(['Unknown field'])

    const badJson = await create(tokens.engineer, '{"title": "half', 'application/json')
    expect(badJson.status).toBe(400)
    expect((await json<ErrorBody>(badJson)).error.code).toBe('bad_request')
    expect((await create(tokens.engineer, 'title=x', 'application/x-www-form-urlencoded')).status).toBe(415)
    expect((await create(tokens.engineer, '[1, 2]')).status).toBe(400)

    const nobody = await create(tokens.engineer, { title: 'Owned by a ghost', kind: 'incident', severity: 'sev3', ownerId: 'ghost', episodeId: 999_999 })
    expect(nobody.status).toBe(400)
    expect(Object.keys((await json<ErrorBody>(nobody)).error.fields!).sort()).toEqual(['episodeId', 'ownerId'])
  })
})

describe('GET /api/v1/investigations', () => {
  it('lists with filters, search and a cursor, for a read token', async () => {
    const first = await open('Zebra crossing lights flicker', { severity: 'sev1', ownerId: engineer.id })
    const second = await open('Zebra stripes render twice', { severity: 'sev4' })
    await patch(second.id, tokens.engineer, { status: 'investigating' })

    const found = await json<{ investigations: Investigation[]; nextCursor: string | null }>(await list('q=zebra'))
    expect(found.investigations.map((item) => item.id)).toEqual([second.id, first.id])
    expect(found.investigations[0]).toMatchObject({ title: 'Zebra stripes render twice', status: 'investigating', url: `http://localhost:3000/investigations/${second.id}` })

    const mine = await json<{ investigations: Investigation[] }>(await list('q=zebra&owner=me', tokens.engineer))
    expect(mine.investigations.map((item) => item.id)).toEqual([first.id])
    const byEmail = await json<{ investigations: Investigation[] }>(await list('q=zebra&owner=engineer@example.com'))
    expect(byEmail.investigations.map((item) => item.id)).toEqual([first.id])
    const severe = await json<{ investigations: Investigation[] }>(await list('q=zebra&severity=sev1,sev2'))
    expect(severe.investigations.map((item) => item.id)).toEqual([first.id])
    const statuses = await json<{ investigations: Investigation[] }>(await list('q=zebra&status=investigating&status=identified'))
    expect(statuses.investigations.map((item) => item.id)).toEqual([second.id])
    const inRepo = await json<{ investigations: Investigation[] }>(await list(`repository=${repo}`))
    expect(inRepo.investigations.every((item) => item.repository?.id === repo)).toBe(true)
    expect(inRepo.investigations.length).toBeGreaterThan(0)
    expect((await json<{ investigations: Investigation[] }>(await list('repository=no-such-repo'))).investigations).toEqual([])

    const page1 = await json<{ investigations: Investigation[]; nextCursor: string }>(await list('q=zebra&limit=1'))
    expect(page1.investigations.map((item) => item.id)).toEqual([second.id])
    const page2 = await json<{ investigations: Investigation[]; nextCursor: string | null }>(await list(`q=zebra&limit=1&cursor=${page1.nextCursor}`))
    expect(page2.investigations.map((item) => item.id)).toEqual([first.id])
    expect(page2.nextCursor).toBeNull()
  })

  it('answers 400 to a bad filter and 401 without a token', async () => {
    const bad = await list('status=sleeping&limit=0&sort=title')
    expect(bad.status).toBe(400)
    expect(Object.keys((await json<ErrorBody>(bad)).error.fields!).sort()).toEqual(['limit', 'sort', 'status.0'])
    expect((await list('', {})).status).toBe(401)
  })
})

describe('GET and PATCH /api/v1/investigations/{id}', () => {
  it('moves the status along allowed paths and answers 409, naming the allowed moves, otherwise', async () => {
    const item = await open('Search results are stale')
    const moved = await patch(item.id, tokens.engineer, { status: 'investigating', severity: 'sev2', ownerId: engineer.id })
    expect(moved.status).toBe(200)
    expect(await json(moved)).toMatchObject({ changed: true, investigation: { status: 'investigating', severity: 'sev2', owner: { id: engineer.id } } })
    const again = await patch(item.id, tokens.engineer, { status: 'investigating' })
    expect(await json(again)).toMatchObject({ changed: false })

    const fresh = await open('Cache warms too late')
    const conflict = await patch(fresh.id, tokens.engineer, { status: 'resolved' })
    expect(conflict.status).toBe(409)
    const { error } = await json<ErrorBody>(conflict)
    expect(error.code).toBe('conflict')
    expect(error.message).toContain('investigating, identified, closed')
    expect((await json<Investigation>(await get(fresh.id))).status).toBe('open')
  })

  it('refuses read tokens and viewers, bad bodies, and unknown or deleted investigations', async () => {
    const item = await open('Emails arrive twice')
    expect((await patch(item.id, tokens.engineerRead, { title: 'Renamed' })).status).toBe(403)
    expect((await patch(item.id, tokens.viewer, { title: 'Renamed' })).status).toBe(403)
    expect((await patch(item.id, tokens.engineer, { title: 'Renamed' }, 'text/plain')).status).toBe(415)
    expect((await patch(item.id, tokens.engineer, '{not json')).status).toBe(400)
    const invalid = await patch(item.id, tokens.engineer, { severity: 'sev9', stauts: 'closed' })
    expect(invalid.status).toBe(400)
    expect(Object.keys((await json<ErrorBody>(invalid)).error.fields!).sort()).toEqual(['severity', 'stauts'])
    expect((await patch(item.id, tokens.engineer, {})).status).toBe(400)
    const ghost = await patch(item.id, tokens.engineer, { ownerId: 'ghost' })
    expect(ghost.status).toBe(400)
    expect((await json<ErrorBody>(ghost)).error.fields).toHaveProperty('ownerId')
    expect((await json<Investigation>(await get(item.id))).title).toBe('Emails arrive twice')

    expect((await patch(999_999, tokens.engineer, { title: 'Nobody' })).status).toBe(404)
    expect((await get(999_999)).status).toBe(404)
    expect((await get('abc')).status).toBe(404)
    await softDeleteInvestigation(item.id, { userId: admin.id })
    expect((await get(item.id)).status).toBe(404)
    expect((await patch(item.id, tokens.engineer, { title: 'Back from the dead' })).status).toBe(404)
    expect((await exportFile(item.id)).status).toBe(404)
  })
})

describe('GET /api/v1/investigations/{id}/export', () => {
  it('serves the case file as JSON or Markdown, as a download', async () => {
    const item = await open('Deploys stall at 90%', { episodeId })
    const asJson = await exportFile(item.id)
    expect(asJson.status).toBe(200)
    expect(asJson.response!.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(asJson.response!.headers.get('content-disposition')).toBe(`attachment; filename="investigation-${item.id}.json"`)
    const file = await json<{ format: string; version: number; investigation: { id: number; url: string }; suspects: unknown[] }>(asJson)
    expect(file).toMatchObject({ format: 'inquest.case-file', version: 1, investigation: { id: item.id, url: `http://localhost:3000/investigations/${item.id}` } })
    expect(file.suspects.length).toBeGreaterThan(0)

    const asMarkdown = await exportFile(item.id, '?format=md')
    expect(asMarkdown.response!.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    expect(asMarkdown.response!.headers.get('content-disposition')).toBe(`attachment; filename="investigation-${item.id}.md"`)
    expect(await asMarkdown.response!.text()).toContain(`# Investigation #${item.id}: Deploys stall at 90%`)

    expect((await exportFile(item.id, '?format=pdf')).status).toBe(400)
    expect((await exportFile(999_999)).status).toBe(404)
  })
})

describe('the OpenAPI document', () => {
  it('lists the investigation endpoints and the case file shape', async () => {
    const document = await json<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(
      await settle(() => openApiLoader(routeArgs(request('GET', '/api/v1/openapi.json', tokens.viewerRead)))),
    )
    expect(Object.keys(document.paths['/investigations']).sort()).toEqual(['get', 'post'])
    expect(Object.keys(document.paths['/investigations/{id}']).sort()).toEqual(['get', 'patch'])
    expect(Object.keys(document.paths['/investigations/{id}/export'])).toEqual(['get'])
    for (const schema of ['Investigation', 'InvestigationSummary', 'EvidenceInput', 'CaseFile']) expect(document.components.schemas[schema], schema).toBeDefined()
  })
})
