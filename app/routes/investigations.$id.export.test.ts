import { beforeAll, describe, expect, it } from 'vitest'
import { softDeleteInvestigation } from '../investigations/changes.server'
import { createInvestigation } from '../investigations/investigations.server'
import { addNote } from '../investigations/notes.server'
import { cookieFor, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader } from './investigations.$id.export'

let viewerCookie = ''
let investigationId = 0
let noteId = 0

beforeAll(async () => {
  const engineer = await userWithRole('engineer')
  viewerCookie = await cookieFor('viewer')
  investigationId = await createInvestigation(
    {
      title: 'Login | SSO loops',
      kind: 'incident',
      severity: 'sev1',
      evidence: [{ kind: 'deploy', ref: 'https://deploys.example.com/1234', label: 'Deploy 1234' }],
    },
    engineer.id,
  )
  const note = await addNote(investigationId, 'Rolled back the **IdP** config.', engineer.id)
  if (note.ok) noteId = note.noteId
})

const download = (id: number | string, query = '', cookie = viewerCookie) =>
  settle(() => loader(routeArgs(makeRequest(`/investigations/${id}/export${query}`, { cookie }), { id: String(id) })))

describe('/investigations/:id/export', () => {
  it('downloads the Markdown case file for a viewer, by default', async () => {
    const { status, response } = await download(investigationId)
    expect(status).toBe(200)
    expect(response!.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    expect(response!.headers.get('content-disposition')).toBe(`attachment; filename="investigation-${investigationId}.md"`)
    const text = await response!.text()
    expect(text).toContain(`# Investigation #${investigationId}: Login \\| SSO loops`)
    expect(text).toContain('[Deploy 1234](<https://deploys.example.com/1234>)')
    expect(text).toContain(`Permalink: <http://localhost:3000/investigations/${investigationId}#note-${noteId}>`)
    expect(text).toContain('> Rolled back the **IdP** config.')
  })

  it('downloads the JSON case file with format=json', async () => {
    const { status, response } = await download(investigationId, '?format=json')
    expect(status).toBe(200)
    expect(response!.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response!.headers.get('content-disposition')).toBe(`attachment; filename="investigation-${investigationId}.json"`)
    const file = await response!.json()
    expect(file).toMatchObject({
      format: 'inquest.case-file',
      version: 1,
      investigation: { id: investigationId, title: 'Login | SSO loops', severity: 'sev1' },
      evidence: [{ kind: 'deploy', url: 'https://deploys.example.com/1234' }],
    })
  })

  it('answers 400 to an unknown format, 404 to a missing or deleted investigation, and sends strangers to log in', async () => {
    const unknown = await download(investigationId, '?format=pdf')
    expect(unknown.status).toBe(400)
    expect(await unknown.response!.text()).toContain('format=md or format=json')
    expect((await download(999_999)).status).toBe(404)
    expect((await download('nope')).status).toBe(404)
    const anonymous = await download(investigationId, '', '')
    expect(anonymous.status).toBe(302)
    expect(anonymous.location).toMatch(/^\/login\?redirectTo=/)

    const admin = await userWithRole('admin')
    await softDeleteInvestigation(investigationId, { userId: admin.id })
    expect((await download(investigationId)).status).toBe(404)
  })
})
