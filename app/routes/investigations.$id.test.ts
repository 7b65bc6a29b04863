import { beforeAll, describe, expect, it } from 'vitest'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { rows } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { createInvestigation } from '../investigations/investigations.server'
import { action, loader } from './investigations.$id'

type Body = {
  notice?: string | null
  target?: string | null
  result?: { status?: string; error?: Record<string, string[] | null> } | null
  investigation?: { status: string; title: string; ownerId: string | null; watchers: Array<{ id: string }> }
  moves?: string[]
  people?: Array<{ id: string }>
  can?: { edit: boolean; delete: boolean }
  watching?: boolean
  timeline?: { entries: Array<{ text: string; category: string; html: string | null }>; filter: string }
  evidence?: Array<{ id: number; kind: string; label: string }>
}

type Role = 'viewer' | 'engineer' | 'admin'
let cookies: Record<Role, string>
let id = 0

beforeAll(async () => {
  await ensureDemoUsers()
  cookies = {
    viewer: await cookieFor('viewer'),
    engineer: await cookieFor('engineer'),
    admin: await cookieFor('admin'),
  }
  const engineer = await userWithRole('engineer')
  id = await createInvestigation(
    {
      title: 'Nightly build red',
      kind: 'failing_build',
      severity: 'sev3',
      evidence: [{ kind: 'link', ref: 'https://ci.example.com/nightly/41', label: 'Nightly #41' }],
    },
    engineer.id,
  )
})

const load = (role: Role, investigationId = String(id), search = '') =>
  settle<Body>(() =>
    loader(
      routeArgs(makeRequest(`/investigations/${investigationId}${search}`, { cookie: cookies[role] }), {
        id: investigationId,
      }),
    ),
  )
const post = (role: Role, form: Record<string, string>, investigationId = String(id)) =>
  settle<Body>(() =>
    action(
      routeArgs(makeRequest(`/investigations/${investigationId}`, { cookie: cookies[role], form }), {
        id: investigationId,
      }),
    ),
  )

describe('/investigations/$id', () => {
  it('shows a viewer everything but no edit controls, and refuses every change with 403', async () => {
    const page = await load('viewer')
    expect(page.status).toBe(200)
    expect(page.body.investigation).toMatchObject({ title: 'Nightly build red', status: 'open' })
    expect(page.body.evidence?.map((item) => item.label)).toEqual(['Nightly #41'])
    expect(page.body.can).toEqual({ edit: false, delete: false })
    expect(page.body.people).toEqual([])
    const forms: Array<Record<string, string>> = [
      { intent: 'status', status: 'investigating' },
      { intent: 'note', body: 'hello' },
      { intent: 'delete' },
    ]
    for (const form of forms) {
      expect((await post('viewer', form)).status).toBe(403)
    }
    expect((await load('viewer')).body.investigation?.status).toBe('open')
  })

  it('answers 404 for a missing or malformed id, to the page and to its actions', async () => {
    expect((await load('viewer', '999999')).status).toBe(404)
    expect((await load('viewer', 'abc')).status).toBe(404)
    expect((await post('engineer', { intent: 'note', body: 'hi' }, '999999')).status).toBe(404)
  })

  it('lets an engineer move the status, change the owner, take notes and add evidence', async () => {
    const page = await load('engineer')
    expect(page.body.can).toEqual({ edit: true, delete: false })
    expect(page.body.moves).toEqual(['investigating', 'identified', 'closed'])

    expect(await post('engineer', { intent: 'status', status: 'investigating' })).toMatchObject({
      status: 200,
      body: { notice: 'Moved to investigating.' },
    })
    const admin = await userWithRole('admin')
    expect((await post('engineer', { intent: 'owner', ownerId: admin.id })).status).toBe(200)
    const note = await post('engineer', { intent: 'note', body: 'Looks like the cache, @admin' })
    expect(note.body.notice).toBe('Note added. 1 mentioned person will hear of it.')
    const added = await post('engineer', {
      intent: 'add-evidence',
      kind: 'deploy',
      url: 'https://deploys.example.com/7',
      title: 'v7',
      occurredAt: '2026-01-02T03:04',
    })
    expect(added.status).toBe(200)

    const after = await load('engineer')
    expect(after.body.investigation).toMatchObject({ status: 'investigating', ownerId: admin.id })
    // The creator watches what they opened (unwatching has its own endpoint, investigations.$id_.watch).
    expect(after.body.watching).toBe(true)
    // In the order things happened: the deploy (2026-01-02) before the link added today without a time.
    expect(after.body.evidence?.map((item) => item.label)).toEqual(['v7', 'Nightly #41'])
    const texts = after.body.timeline!.entries.map((entry) => entry.text)
    expect(texts).toContain('Eli Engineer moved this to investigating')
    expect(texts).toContain('Eli Engineer added a note')
    expect(texts).toContain('Deployed: v7')

    const notes = await load('engineer', String(id), '?kind=notes')
    expect(notes.body.timeline?.filter).toBe('notes')
    expect(notes.body.timeline?.entries.map((entry) => entry.category)).toEqual(['notes'])

    const v7 = after.body.evidence!.find((item) => item.label === 'v7')!
    expect((await post('engineer', { intent: 'remove-evidence', evidenceId: String(v7.id) })).status).toBe(200)
    expect((await load('viewer')).body.evidence?.map((item) => item.label)).toEqual(['Nightly #41'])
  })

  it('answers 400 with field errors to bad input, a refused status move and an unknown intent', async () => {
    expect((await post('engineer', { intent: 'shrug' })).status).toBe(400)
    expect((await post('engineer', {})).status).toBe(400)

    // investigating -> closed is allowed; closed -> mitigated is not.
    expect((await post('engineer', { intent: 'status', status: 'closed' })).status).toBe(200)
    const wrong = await post('engineer', { intent: 'status', status: 'mitigated' })
    expect(wrong.status).toBe(400)
    expect(wrong.body.result?.error?.status?.[0]).toMatch(/cannot move to mitigated/)
    expect((await post('engineer', { intent: 'status', status: 'on fire' })).status).toBe(400)

    const note = await post('engineer', { intent: 'note', body: '   ' })
    expect(note.status).toBe(400)
    expect(note.body.result?.error?.body).toEqual(['Write something first'])

    const link = await post('engineer', { intent: 'add-evidence', kind: 'link', url: 'javascript:alert(1)', title: '' })
    expect(link.status).toBe(400)
    expect(link.body.result?.error?.url?.length).toBeGreaterThan(0)
    expect(link.body.result?.error?.title).toEqual(['Give it a title'])

    const details = await post('engineer', { intent: 'details', title: 'x', kind: 'incident', severity: 'sev9' })
    expect(details.status).toBe(400)
    expect(Object.keys(details.body.result?.error ?? {}).sort()).toEqual(['severity', 'title'])

    const viewer = await userWithRole('viewer')
    const owner = await post('engineer', { intent: 'owner', ownerId: viewer.id })
    expect(owner.status).toBe(400)
    expect(owner.body.result?.error?.ownerId?.[0]).toMatch(/engineer or admin/)
  })

  it('lets only an admin delete: soft delete, audit-logged, then redirect to the list and 404', async () => {
    expect((await post('engineer', { intent: 'delete' })).status).toBe(403)
    expect((await load('admin')).body.can).toEqual({ edit: true, delete: true })
    const deleted = await post('admin', { intent: 'delete' })
    expect(deleted.status).toBe(302)
    expect(deleted.location).toBe('/investigations')
    expect((await load('admin')).status).toBe(404)
    expect((await post('admin', { intent: 'note', body: 'still here?' })).status).toBe(404)
    const audit = await rows<{ action: string }>(
      `select action from audit_log where target_type = 'investigation' and target_id = ?`,
      String(id),
    )
    expect(audit).toEqual([{ action: 'investigation.delete' }])
  })
})
