import { beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { ciRuns, events, repositories } from '../../db/schema'
import { getDb } from '../db.server'
import { upsertCiRun, type CiRunInput } from './ci-runs.server'

const base: CiRunInput = {
  repositoryId: 'repo-1',
  provider: 'github',
  kind: 'workflow_run',
  externalId: '42',
  attempt: 1,
  name: 'CI',
  branch: 'main',
  headSha: 'a'.repeat(40),
  status: 'queued',
  conclusion: null,
  startedAt: null,
  completedAt: null,
  url: 'https://ci.example/42',
  sourceUpdatedAt: 1000,
}

beforeAll(async () => {
  await getDb().insert(repositories).values({ id: 'repo-1', name: 'demo', provider: 'github' })
})

describe('upsertCiRun', () => {
  it('ends in the right state when completed arrives before in_progress', async () => {
    const db = getDb()
    await upsertCiRun(db, { ...base, externalId: 'ooo', status: 'completed', conclusion: 'failure', startedAt: 1000, completedAt: 3000, sourceUpdatedAt: 3000 })
    const late = await upsertCiRun(db, { ...base, externalId: 'ooo', status: 'in_progress', startedAt: 1000, sourceUpdatedAt: 2000 })
    expect(late.changed).toBe(false)
    const [row] = await db.select().from(ciRuns).where(eq(ciRuns.externalId, 'ooo'))
    expect(row).toMatchObject({ status: 'completed', conclusion: 'failure', completedAt: 3000 })
  })

  it('moves forward through queued, in_progress and completed, with one timeline event', async () => {
    const db = getDb()
    await upsertCiRun(db, { ...base, externalId: 'fwd' })
    await upsertCiRun(db, { ...base, externalId: 'fwd', status: 'in_progress', startedAt: 1500, sourceUpdatedAt: 1500 })
    const done = await upsertCiRun(db, { ...base, externalId: 'fwd', status: 'completed', conclusion: 'success', completedAt: 2500, sourceUpdatedAt: 2500 })
    expect(done.run).toMatchObject({ status: 'completed', conclusion: 'success', startedAt: 1500, completedAt: 2500 })
    const timeline = await db.select().from(events).where(eq(events.refId, String(done.run!.id)))
    expect(timeline).toHaveLength(1)
    expect(timeline[0].title).toContain('success')
  })

  it('keeps attempts apart', async () => {
    const db = getDb()
    await upsertCiRun(db, { ...base, externalId: 'att', status: 'completed', conclusion: 'failure', sourceUpdatedAt: 10 })
    await upsertCiRun(db, { ...base, externalId: 'att', attempt: 2, status: 'completed', conclusion: 'success', sourceUpdatedAt: 20 })
    const rows = await db.select().from(ciRuns).where(eq(ciRuns.externalId, 'att'))
    expect(rows.map((row) => [row.attempt, row.conclusion]).sort()).toEqual([
      [1, 'failure'],
      [2, 'success'],
    ])
  })
})
