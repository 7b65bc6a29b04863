import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { recordActivity } from '../investigations/activity.server'
import { createInvestigation } from '../investigations/investigations.server'
import { getLinker } from '../linker/worker.server'
import { userWithRole } from '../../tests/helpers/auth'
import {
  addCommits,
  addRun,
  addTestResults,
  chain,
  createRepository,
  settleLinker,
  sha,
} from '../../tests/helpers/linker'
import { describeActivity, getDashboard } from './dashboard.server'

const T0 = Date.UTC(2025, 0, 1)
let engineerId = ''
let adminId = ''
let viewerId = ''
let repo = ''
const ids: Record<string, number> = {}

async function change(
  investigationId: number,
  actorId: string | null,
  kind: Parameters<typeof recordActivity>[1]['kind'],
  data: Record<string, unknown>,
  at: number,
) {
  await getDb().transaction((tx) => recordActivity(tx, { investigationId, actorId, kind, data, at }))
}

beforeAll(async () => {
  getLinker().reset()
  engineerId = (await userWithRole('engineer')).id
  adminId = (await userWithRole('admin')).id
  viewerId = (await userWithRole('viewer')).id
  repo = await createRepository()
  await addCommits(repo, [...chain('m', 3), ...chain('x', 2, 'm2')])
  await addRun(repo, { commit: 'm2', conclusion: 'success', at: T0 - 10_000 })
  await addRun(repo, { commit: 'm3', conclusion: 'failure', at: T0 - 5_000 })
  await addRun(repo, { commit: 'x2', conclusion: 'failure', branch: 'feature/login', at: T0 - 4_000 })
  // `retries upload` flakes on m1 (fails, then passes on a re-run).
  const first = await addRun(repo, {
    commit: 'm1',
    conclusion: 'failure',
    externalId: 'flaky-1',
    attempt: 1,
    name: 'tests',
    at: T0 - 60_000,
  })
  const second = await addRun(repo, {
    commit: 'm1',
    conclusion: 'success',
    externalId: 'flaky-1',
    attempt: 2,
    name: 'tests',
    at: T0 - 50_000,
  })
  await addTestResults(first, [{ name: 'retries upload', classname: 'UploadTest', status: 'failed' }])
  await addTestResults(second, [{ name: 'retries upload', classname: 'UploadTest', status: 'passed' }])
  await settleLinker()

  // The engineer owns one, watches one (created by them, owned by the admin), and follows nothing else.
  ids.owned = await createInvestigation(
    { title: 'Owned by the engineer', kind: 'failing_build', severity: 'sev2', ownerId: engineerId },
    adminId,
    T0 + 1,
  )
  ids.watched = await createInvestigation(
    { title: 'Watched by the engineer', kind: 'incident', severity: 'sev1', ownerId: adminId },
    engineerId,
    T0 + 2,
  )
  ids.other = await createInvestigation(
    { title: 'Not followed', kind: 'incident', severity: 'sev3', ownerId: viewerId },
    adminId,
    T0 + 3,
  )
  ids.resolved = await createInvestigation(
    { title: 'Resolved already', kind: 'incident', severity: 'sev3', ownerId: engineerId },
    adminId,
    T0 + 4,
  )
  ids.deleted = await createInvestigation(
    { title: 'Deleted one', kind: 'incident', severity: 'sev3', ownerId: engineerId },
    adminId,
    T0 + 5,
  )
  await getDb().run(sql`update investigations set status = 'resolved' where id = ${ids.resolved}`)
  await getDb().run(sql`update investigations set deleted_at = ${T0 + 6} where id = ${ids.deleted}`)

  await getDb().run(sql`update investigations set status = 'investigating' where id = ${ids.watched}`)
  await change(ids.watched, adminId, 'status_changed', { from: 'open', to: 'investigating' }, T0 + 10)
  await change(
    ids.owned,
    adminId,
    'note_added',
    { noteId: 1, excerpt: 'Looks like the  cache\nagain', mentions: [] },
    T0 + 11,
  )
  await change(ids.other, adminId, 'note_added', { noteId: 2, excerpt: 'Private to others', mentions: [] }, T0 + 12)
  await change(ids.watched, adminId, 'owner_changed', { from: adminId, to: viewerId }, T0 + 13)
  await change(ids.owned, null, 'suspect_found', { episodeId: 1, sha: sha('m3'), label: 'commit m3' }, T0 + 14)
})

describe('getDashboard', () => {
  it('shows my open investigations: owned or watched, not resolved, not deleted, newest first', async () => {
    const dashboard = await getDashboard(engineerId)
    expect(dashboard.myOpen.map((item) => [item.title, item.mine])).toEqual([
      ['Owned by the engineer', true],
      ['Watched by the engineer', false],
    ])
    expect(dashboard.myOpen[1]).toMatchObject({ status: 'investigating', severity: 'sev1', ownerName: 'Ada Admin' })
  })

  it('shows branches red now with first red, commit and suspect count, but not likely-flaky ones', async () => {
    const dashboard = await getDashboard(engineerId)
    const main = dashboard.redBranches.find((branch) => branch.repositoryId === repo && branch.branch === 'main')
    expect(main).toMatchObject({
      firstRedSha: sha('m3'),
      firstRedSubject: 'commit m3',
      workflow: 'CI',
      investigationId: null,
    })
    expect(main!.suspects).toBeGreaterThanOrEqual(1)
    expect(main!.redSince).toBeGreaterThan(0)
    expect(dashboard.redBranches.map((branch) => branch.branch)).toContain('feature/login')
    expect(dashboard.redCount).toBe(dashboard.redBranches.length)

    // An investigation opened from the episode shows up beside it; a likely-flaky episode leaves the list.
    const investigationId = await createInvestigation(
      { title: 'From the branch', kind: 'failing_build', severity: 'sev2', episodeId: main!.episodeId },
      adminId,
      T0 + 20,
    )
    await getDb().run(
      sql`update episodes set likely_flaky = 1 where repository_id = ${repo} and branch = 'feature/login'`,
    )
    const after = await getDashboard(engineerId)
    expect(after.redBranches.find((branch) => branch.episodeId === main!.episodeId)?.investigationId).toBe(
      investigationId,
    )
    expect(after.redBranches.map((branch) => branch.branch)).not.toContain('feature/login')
    await getDb().run(
      sql`update episodes set likely_flaky = 0 where repository_id = ${repo} and branch = 'feature/login'`,
    )
  })

  it('shows the newest flaky tests', async () => {
    const dashboard = await getDashboard(viewerId)
    expect(dashboard.flakyTests.map((test) => [test.repositoryId, test.scope, test.name])).toEqual([
      [repo, 'UploadTest', 'retries upload'],
    ])
  })

  it('words recent activity on what I own or watch for people, newest first', async () => {
    const dashboard = await getDashboard(engineerId)
    const lines = dashboard.activity.map((line) => `${line.before} [${line.title}]${line.after}`)
    expect(lines.slice(0, 4)).toEqual([
      'The linker found a new suspect for [Owned by the engineer]: “commit m3”',
      'Ada Admin assigned [Watched by the engineer] to Vera Viewer',
      'Ada Admin commented on [Owned by the engineer]: “Looks like the cache again”',
      'Ada Admin moved [Watched by the engineer] from Open to Investigating',
    ])
    expect(lines).toContain('You opened [Watched by the engineer]')
    expect(lines.join('\n')).not.toMatch(/Not followed|Deleted one/)
    // The viewer owns "Not followed" and now watches nothing else.
    const viewerLines = (await getDashboard(viewerId)).activity.map((line) => line.title)
    expect(new Set(viewerLines)).toEqual(new Set(['Not followed']))
  })
})

describe('getDashboard for people who follow a lot', () => {
  // 600 investigations, newest last; "walker" watches every third (the newest are in the window
  // the dashboard walks), "late" watches only the 160 oldest (the window holds none of them).
  const BASE = Date.UTC(2025, 5, 1)
  let firstId = 0
  const statusOf = (n: number) => (['open', 'investigating', 'resolved', 'closed'] as const)[n % 4]

  beforeAll(async () => {
    const db = getDb()
    await db.run(sql`insert into users (id, email, name, role) values ('walker', 'walker@example.com', 'Walker', 'engineer'),
      ('late', 'late@example.com', 'Late', 'engineer')`)
    const rows = Array.from({ length: 600 }, (_, n) => [`Bulk ${n}`, statusOf(n), BASE + n * 1000])
    await db.run(sql`insert into investigations (title, kind, severity, status, created_at, updated_at)
      select value ->> 0, 'incident', 'sev3', value ->> 1, value ->> 2, value ->> 2 from json_each(${JSON.stringify(rows)})`)
    firstId = (await db.all<{ id: number }>(sql`select id from investigations where title = 'Bulk 0'`))[0].id
    await db.run(sql`insert into activity (investigation_id, actor_id, kind, data, created_at)
      select id, null, 'created', json_object('title', title), created_at from investigations where id >= ${firstId}`)
    await db.run(sql`insert into investigation_watchers (investigation_id, user_id, created_at)
      select id, 'walker', created_at from investigations where id >= ${firstId} and (id - ${firstId}) % 3 = 0
      union all select id, 'late', created_at from investigations where id >= ${firstId} and id - ${firstId} < 160`)
  })

  it('walks the newest investigations for someone who follows many of them', async () => {
    const dashboard = await getDashboard('walker')
    const expected = Array.from({ length: 600 }, (_, n) => 599 - n)
      .filter((n) => n % 3 === 0 && !['resolved', 'closed'].includes(statusOf(n)))
      .slice(0, 10)
      .map((n) => `Bulk ${n}`)
    expect(dashboard.myOpen.map((item) => item.title)).toEqual(expected)
    expect(dashboard.activity.map((line) => line.title)).toEqual(
      Array.from({ length: 10 }, (_, k) => `Bulk ${597 - 3 * k}`),
    )
    expect(dashboard.activity[0]).toMatchObject({ before: 'Inquest opened', after: '' })
  })

  it('falls back to everything followed when the newest investigations hold too few', async () => {
    const dashboard = await getDashboard('late')
    const expected = Array.from({ length: 160 }, (_, n) => 159 - n)
      .filter((n) => !['resolved', 'closed'].includes(statusOf(n)))
      .slice(0, 10)
      .map((n) => `Bulk ${n}`)
    expect(dashboard.myOpen.map((item) => item.title)).toEqual(expected)
    expect(dashboard.activity.map((line) => line.title)).toEqual(
      Array.from({ length: 10 }, (_, k) => `Bulk ${159 - k}`),
    )
  })
})

describe('describeActivity', () => {
  const names = new Map([['u2', 'Bo Builder']])
  const say = (
    kind: Parameters<typeof describeActivity>[0]['kind'],
    data: Record<string, unknown>,
    actorId: string | null = 'u1',
  ) => {
    const { before, after } = describeActivity({ kind, data, actorId, actorName: 'Al Actor' }, 'me', names)
    return `${before} X${after}`
  }

  it('says who did what in plain words', () => {
    expect(say('severity_changed', { from: 'sev3', to: 'sev1' })).toBe(
      'Al Actor changed the severity of X from sev3 to sev1',
    )
    expect(say('owner_changed', { from: 'u2', to: 'me' })).toBe('Al Actor assigned X to you')
    expect(say('owner_changed', { from: 'u2', to: null })).toBe('Al Actor removed the owner of X')
    expect(say('watcher_added', { userId: 'u1' })).toBe('Al Actor started watching X')
    expect(say('watcher_added', { userId: 'u2' })).toBe('Al Actor added Bo Builder as a watcher of X')
    expect(say('details_changed', { fields: ['title', 'firstSeenAt'] })).toBe('Al Actor edited X (title, first seen)')
    expect(say('evidence_added', { kind: 'link', label: 'Status page' })).toBe(
      'Al Actor added evidence to X: “Status page”',
    )
    expect(say('suspect_rejected', { label: 'abc123 Fix it' }, 'me')).toBe(
      'You rejected a suspect on X: “abc123 Fix it”',
    )
    expect(say('status_changed', {})).toBe('Al Actor changed the status of X')
  })
})
