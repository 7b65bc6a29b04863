import { asc, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { ciRuns, events, linkerQueue, repositories } from '../../db/schema'
import { getDb } from '../db.server'
import { upsertCiRuns } from './ci-runs-batch.server'
import { upsertCiRun, type CiRunInput } from './ci-runs.server'

const run = (externalId: string, extra: Partial<CiRunInput> = {}): Omit<CiRunInput, 'repositoryId'> => ({
  provider: 'github',
  kind: 'workflow_run',
  externalId,
  attempt: 1,
  name: 'CI',
  branch: 'main',
  headSha: 'a'.repeat(40),
  status: 'queued',
  conclusion: null,
  startedAt: null,
  completedAt: null,
  url: `https://ci.example/${externalId}`,
  sourceUpdatedAt: 1000,
  sourceDeliveryId: null,
  ...extra,
})

// A stream with what a batch can hold: new runs, a run stored before the batch, a run seen twice and
// three times in one batch, a state that arrives after a newer one, and a second attempt.
const before = [run('stored', { status: 'in_progress', startedAt: 900, sourceUpdatedAt: 900 }), run('late', { status: 'completed', conclusion: 'failure', startedAt: 1000, completedAt: 3000, sourceUpdatedAt: 3000 })]
const batch = [
  run('new-1'),
  run('stored', { status: 'completed', conclusion: 'success', completedAt: 2000, sourceUpdatedAt: 2000, sourceDeliveryId: 7 }),
  run('twice'),
  run('late', { status: 'in_progress', startedAt: 1000, sourceUpdatedAt: 2000 }),
  run('twice', { status: 'in_progress', startedAt: 1200, sourceUpdatedAt: 1200 }),
  run('new-2', { branch: null }),
  run('twice', { status: 'queued', sourceUpdatedAt: 1100 }),
  run('twice', { attempt: 2, status: 'completed', conclusion: 'failure', startedAt: 1300, completedAt: 1400, sourceUpdatedAt: 1400 }),
  run('twice', { status: 'completed', conclusion: 'cancelled', completedAt: 1500, sourceUpdatedAt: 1500 }),
]

async function snapshot(repositoryId: string) {
  const db = getDb()
  const runs = await db.select().from(ciRuns).where(eq(ciRuns.repositoryId, repositoryId)).orderBy(asc(ciRuns.id))
  const byId = new Map(runs.map((row) => [String(row.id), `${row.externalId}/${row.attempt}`]))
  const timeline = await db.select().from(events).where(eq(events.repositoryId, repositoryId)).orderBy(asc(events.id))
  const queue = await db.select().from(linkerQueue).where(eq(linkerQueue.repositoryId, repositoryId)).orderBy(asc(linkerQueue.id))
  return {
    runs: runs.map(({ id: _id, repositoryId: _repo, createdAt: _created, ...rest }) => rest),
    events: timeline.map(({ id: _id, repositoryId: _repo, refId, ...rest }) => ({ ...rest, run: byId.get(String(refId)) })),
    queue: queue.map((entry) => `${entry.kind}:${byId.get(String(entry.ref))}`),
  }
}

beforeAll(async () => {
  await getDb().insert(repositories).values([
    { id: 'one-by-one', name: 'one-by-one', provider: 'github' },
    { id: 'batched', name: 'batched', provider: 'github' },
  ])
})

describe('upsertCiRuns', () => {
  it('leaves runs, events and linker queue as calling upsertCiRun for each input in order does', async () => {
    const db = getDb()
    for (const repositoryId of ['one-by-one', 'batched']) {
      for (const input of before) await upsertCiRun(db, { ...input, repositoryId })
    }
    await db.transaction(async (tx) => {
      for (const input of batch) await upsertCiRun(tx, { ...input, repositoryId: 'one-by-one' })
    })
    const changed = await db.transaction((tx) => upsertCiRuns(tx, batch.map((input) => ({ ...input, repositoryId: 'batched' }))))

    const expected = await snapshot('one-by-one')
    const actual = await snapshot('batched')
    expect(actual).toEqual(expected)
    // Two states arrived after newer ones: the late in_progress, and twice's queued after its in_progress.
    expect(changed).toHaveLength(batch.length - 2)
    expect(expected.runs.find((row) => row.externalId === 'late')).toMatchObject({ status: 'completed', conclusion: 'failure' })
    expect(expected.runs.find((row) => row.externalId === 'twice' && row.attempt === 1)).toMatchObject({ status: 'completed', conclusion: 'cancelled', startedAt: 1200 })
  })

  it('does nothing for no input', async () => {
    expect(await upsertCiRuns(getDb(), [])).toEqual([])
  })
})
