// Investigations through the real server: a script with a token opens, lists, changes and exports one
// over HTTP (PATCH included, which the cross-site check must let through for bearer calls), and a
// logged-in viewer downloads the case file from the page's export link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginCookie, startServer, type RunningServer } from '../helpers/server'

let server: RunningServer
const tokens: Record<'writer' | 'reader', string> = { writer: '', reader: '' }

async function createToken(email: string, scope: 'read' | 'read+write') {
  const cookie = await loginCookie(server, email)
  const response = await fetch(`${server.url}/settings/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
    body: new URLSearchParams({ intent: 'create', name: `investigations-${scope}`, scope, days: '30' }),
  })
  return /(inq_[A-Za-z0-9_-]+)/.exec(await response.text())![1]
}

const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${server.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } })
const send = (method: string, path: string, token: string, body: unknown) =>
  api(path, token, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

beforeAll(async () => {
  server = await startServer()
  tokens.writer = await createToken('engineer@example.com', 'read+write')
  tokens.reader = await createToken('engineer@example.com', 'read')
})

afterAll(async () => {
  await server?.stop()
})

describe('investigations over HTTP', () => {
  it('opens, finds, moves and exports an investigation with a token', async () => {
    const created = await send('POST', '/investigations', tokens.writer, {
      title: 'Payments webhook drops events',
      kind: 'incident',
      severity: 'sev2',
      evidence: [{ kind: 'link', ref: 'https://status.example.com/incidents/9', label: 'Status | page' }],
    })
    expect(created.status).toBe(201)
    const investigation = await created.json()
    expect(created.headers.get('location')).toBe(`/api/v1/investigations/${investigation.id}`)
    expect((await send('POST', '/investigations', tokens.reader, { title: 'Read only', kind: 'incident', severity: 'sev3' })).status).toBe(403)

    const found = await (await api('/investigations?q=webhook%20payments&status=open', tokens.reader)).json()
    expect(found.investigations.map((item: { id: number }) => item.id)).toContain(investigation.id)

    const moved = await send('PATCH', `/investigations/${investigation.id}`, tokens.writer, { status: 'investigating' })
    expect(moved.status).toBe(200)
    expect((await moved.json()).investigation.status).toBe('investigating')
    const reopened = await send('PATCH', `/investigations/${investigation.id}`, tokens.writer, { status: 'open' })
    expect(reopened.status).toBe(200)
    const conflict = await send('PATCH', `/investigations/${investigation.id}`, tokens.writer, { status: 'mitigated' })
    expect(conflict.status).toBe(409)
    expect((await conflict.json()).error.message).toContain('investigating, identified, closed')

    const exported = await api(`/investigations/${investigation.id}/export?format=json`, tokens.reader)
    expect(exported.status).toBe(200)
    expect(exported.headers.get('content-disposition')).toBe(`attachment; filename="investigation-${investigation.id}.json"`)
    const file = await exported.json()
    expect(file).toMatchObject({ format: 'inquest.case-file', version: 1, investigation: { id: investigation.id, url: `${server.url}/investigations/${investigation.id}` } })
    expect(file.timeline.map((entry: { kind: string }) => entry.kind)).toEqual(['created', 'status_changed', 'status_changed'])
  })

  it('serves the case file download to a logged-in viewer', async () => {
    const created = await (await send('POST', '/investigations', tokens.writer, { title: 'Nightly export is empty', kind: 'regression', severity: 'sev3' })).json()
    const cookie = await loginCookie(server, 'viewer@example.com')
    const response = await fetch(`${server.url}/investigations/${created.id}/export?format=md`, { headers: { cookie } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="investigation-${created.id}.md"`)
    expect(await response.text()).toContain(`# Investigation #${created.id}: Nightly export is empty`)
    expect((await fetch(`${server.url}/investigations/${created.id}/export?format=docx`, { headers: { cookie } })).status).toBe(400)
    expect((await fetch(`${server.url}/investigations/999999/export`, { headers: { cookie } })).status).toBe(404)
  })

  it('lists the investigation paths in the OpenAPI document', async () => {
    const document = await (await api('/openapi.json', tokens.reader)).json()
    for (const path of ['/investigations', '/investigations/{id}', '/investigations/{id}/export']) expect(document.paths[path], path).toBeDefined()
    expect(document.paths['/investigations/{id}'].patch.operationId).toBe('updateInvestigation')
    expect(document.components.schemas.CaseFile.properties.version.const).toBe(1)
  })
})
