import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { userWithRole } from '../../tests/helpers/auth'
import { setWatching, softDeleteInvestigation, updateInvestigation } from './changes.server'
import { createInvestigation, getInvestigation } from './investigations.server'

type User = Awaited<ReturnType<typeof userWithRole>>
let engineer: User
let admin: User
let viewer: User

beforeAll(async () => {
  engineer = await userWithRole('engineer')
  admin = await userWithRole('admin')
  viewer = await userWithRole('viewer')
})

const newInvestigation = () =>
  createInvestigation({ title: 'Deploys stuck', kind: 'incident', severity: 'sev3' }, engineer.id)
const activities = (id: number) =>
  getDb().all<{ kind: string; actor_id: string | null; data: string }>(
    sql`select kind, actor_id, data from activity where investigation_id = ${id} order by id`,
  )

describe('updateInvestigation', () => {
  it('moves the status along an allowed transition and records who moved it from where to where', async () => {
    const id = await newInvestigation()
    expect(await updateInvestigation(id, { status: 'investigating' }, engineer.id)).toEqual({ ok: true, changed: true })
    expect(await updateInvestigation(id, { status: 'identified' }, admin.id)).toEqual({ ok: true, changed: true })
    expect((await getInvestigation(id))?.status).toBe('identified')
    const rows = (await activities(id)).filter((row) => row.kind === 'status_changed')
    expect(rows.map((row) => [row.actor_id, JSON.parse(row.data)])).toEqual([
      [engineer.id, { from: 'open', to: 'investigating' }],
      [admin.id, { from: 'investigating', to: 'identified' }],
    ])
  })

  it('refuses a move the transitions do not allow and changes nothing', async () => {
    const id = await newInvestigation()
    const outcome = await updateInvestigation(id, { status: 'mitigated', title: 'Renamed' }, engineer.id)
    expect(outcome).toMatchObject({ ok: false, reason: 'bad_transition' })
    expect(await getInvestigation(id)).toMatchObject({ status: 'open', title: 'Deploys stuck' })
    expect((await activities(id)).map((row) => row.kind)).toEqual(['created'])
  })

  it('changes the owner, who starts watching, and refuses an unknown owner', async () => {
    const id = await newInvestigation()
    expect(await updateInvestigation(id, { ownerId: admin.id }, engineer.id)).toEqual({ ok: true, changed: true })
    const view = await getInvestigation(id)
    expect(view?.ownerId).toBe(admin.id)
    expect(view?.watchers.map((watcher) => watcher.id)).toContain(admin.id)
    expect(await updateInvestigation(id, { ownerId: 'nobody' }, engineer.id)).toMatchObject({
      ok: false,
      reason: 'unknown_owner',
    })
    // A viewer may not edit, so may not own either.
    expect(await updateInvestigation(id, { ownerId: viewer.id }, engineer.id)).toMatchObject({
      ok: false,
      reason: 'unknown_owner',
    })
    expect(await updateInvestigation(id, { ownerId: null }, engineer.id)).toEqual({ ok: true, changed: true })
    const owners = (await activities(id))
      .filter((row) => row.kind === 'owner_changed')
      .map((row) => JSON.parse(row.data))
    expect(owners).toEqual([
      { from: null, to: admin.id },
      { from: admin.id, to: null },
    ])
  })

  it('writes one activity per kind of change and nothing when nothing changes', async () => {
    const id = await newInvestigation()
    const outcome = await updateInvestigation(
      id,
      { title: 'Deploys stuck in eu-west', environment: 'production', severity: 'sev1', kind: 'incident' },
      engineer.id,
    )
    expect(outcome).toEqual({ ok: true, changed: true })
    const rows = await activities(id)
    expect(rows.map((row) => row.kind)).toEqual(['created', 'details_changed', 'severity_changed'])
    expect(JSON.parse(rows[1].data)).toEqual({ fields: ['title', 'environment'] })
    expect(JSON.parse(rows[2].data)).toEqual({ from: 'sev3', to: 'sev1' })
    expect(await updateInvestigation(id, { title: 'Deploys stuck in eu-west', severity: 'sev1' }, engineer.id)).toEqual(
      { ok: true, changed: false },
    )
    expect(await activities(id)).toHaveLength(3)
  })

  it('answers not_found for an unknown investigation', async () => {
    expect(await updateInvestigation(987654, { title: 'x' }, engineer.id)).toMatchObject({
      ok: false,
      reason: 'not_found',
    })
  })
})

describe('setWatching', () => {
  it('toggles watching for a user with an activity each time it changes', async () => {
    const id = await newInvestigation()
    expect(await setWatching(id, viewer.id, true)).toEqual({ ok: true, changed: true })
    expect((await getInvestigation(id))?.watchers.map((watcher) => watcher.id)).toContain(viewer.id)
    expect(await setWatching(id, viewer.id, true)).toEqual({ ok: true, changed: false })
    expect(await setWatching(id, viewer.id, false)).toEqual({ ok: true, changed: true })
    expect((await getInvestigation(id))?.watchers.map((watcher) => watcher.id)).not.toContain(viewer.id)
    const rows = (await activities(id)).filter((row) => row.kind.startsWith('watcher_'))
    expect(rows.map((row) => [row.kind, JSON.parse(row.data)])).toEqual([
      ['watcher_added', { userId: viewer.id }],
      ['watcher_removed', { userId: viewer.id }],
    ])
  })
})

describe('softDeleteInvestigation', () => {
  it('hides the investigation, writes a deleted activity and an audit row, once', async () => {
    const id = await newInvestigation()
    expect(await softDeleteInvestigation(id, { userId: admin.id })).toEqual({ ok: true })
    expect(await getInvestigation(id)).toBeNull()
    expect((await activities(id)).map((row) => row.kind)).toEqual(['created', 'deleted'])
    const audit = await getDb().all<{ action: string; actor_user_id: string }>(
      sql`select action, actor_user_id from audit_log where target_type = 'investigation' and target_id = ${String(id)}`,
    )
    expect(audit).toEqual([{ action: 'investigation.delete', actor_user_id: admin.id }])
    expect(await softDeleteInvestigation(id, { userId: admin.id })).toMatchObject({ ok: false, reason: 'not_found' })
    expect(await updateInvestigation(id, { title: 'Back?' }, engineer.id)).toMatchObject({
      ok: false,
      reason: 'not_found',
    })
  })
})
