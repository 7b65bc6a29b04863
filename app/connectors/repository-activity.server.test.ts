import { describe, expect, it } from 'vitest'
import { branches, linkerSequences } from '../../db/schema'
import { getDb } from '../db.server'
import { upsertCiRun } from './ci-runs.server'
import { createRepository } from './repositories.server'
import { getRepositoryActivity } from './repository-activity.server'
import { repositorySchema } from './repository-schema'
import { upsertCommits } from './timeline.server'

const actor = { userId: null, label: 'test' }

async function gitRepository(name: string) {
  const created = await createRepository(repositorySchema.parse({ name, provider: 'git', gitPath: `${name}.git` }), actor)
  if (!created.ok) throw new Error(created.message)
  return created.repository.id
}

const commit = (sha: string, subject: string, committedAt: number) => ({
  sha,
  parents: [],
  authorName: 'Ada',
  authorEmail: 'ada@example.com',
  authoredAt: committedAt,
  committerName: 'Ada',
  committerEmail: 'ada@example.com',
  committedAt,
  subject,
  body: '',
  files: [],
})

describe('getRepositoryActivity', () => {
  it('shows newest commits, branches with the worst CI state first, and newest runs of that repository only', async () => {
    const shop = await gitRepository('shop')
    const other = await gitRepository('other')
    const db = getDb()
    await upsertCommits(db, shop, [commit('a'.repeat(40), 'first', 1000), commit('b'.repeat(40), 'second', 2000)])
    await upsertCommits(db, other, [commit('c'.repeat(40), 'elsewhere', 3000)])
    await db.insert(branches).values([
      { repositoryId: shop, name: 'main', headSha: 'b'.repeat(40), updatedAt: 2000 },
      { repositoryId: shop, name: 'feature/x', headSha: 'a'.repeat(40), updatedAt: 1000 },
    ])
    await db.insert(linkerSequences).values([
      { repositoryId: shop, branch: 'main', name: 'ci', state: 'green', updatedAt: 1 },
      { repositoryId: shop, branch: 'main', name: 'e2e', state: 'red', updatedAt: 1 },
    ])
    for (const [externalId, conclusion] of [['1', 'success'], ['2', 'failure']] as const) {
      await upsertCiRun(db, {
        repositoryId: shop,
        provider: 'jenkins',
        kind: 'build',
        externalId,
        attempt: 1,
        name: 'ci',
        branch: 'main',
        headSha: 'b'.repeat(40),
        status: 'completed',
        conclusion,
        startedAt: 1,
        completedAt: 2,
        url: null,
        sourceUpdatedAt: Number(externalId),
      })
    }

    const activity = await getRepositoryActivity(shop)
    expect(activity.commits.map((row) => row.subject)).toEqual(['second', 'first'])
    expect(activity.branches).toEqual([
      { name: 'main', headSha: 'b'.repeat(40), updatedAt: 2000, state: 'red' },
      { name: 'feature/x', headSha: 'a'.repeat(40), updatedAt: 1000, state: null },
    ])
    expect(activity.runs.map((run) => run.conclusion)).toEqual(['failure', 'success'])
    expect(activity.totals).toEqual({ commits: 2, branches: 2, runs: 2 })
  })
})
