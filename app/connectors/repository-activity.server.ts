// What a repository has brought in lately: newest commits, branches with where they point and the
// linker's verdict, newest CI runs. Shown on the repository page for every provider.
import { sql } from 'drizzle-orm'
import { getDb } from '../db.server'

export interface RecentCommit {
  sha: string
  subject: string
  authorName: string
  committedAt: number
  url: string | null
}

export interface BranchRow {
  name: string
  headSha: string
  updatedAt: number
  /** The linker's combined state over the branch's workflows, null when no CI run is known. */
  state: 'green' | 'red' | 'likely_flaky' | 'unknown' | null
}

export interface RecentRun {
  id: number
  name: string
  branch: string | null
  headSha: string
  status: string
  conclusion: string | null
  completedAt: number | null
  url: string | null
}

const RED_FIRST = ['red', 'likely_flaky', 'unknown', 'green'] as const

export async function getRepositoryActivity(repositoryId: string, limit = 15) {
  const db = getDb()
  const [commits, branches, runs, counts] = await Promise.all([
    db.all<RecentCommit>(sql`select sha, subject, author_name as authorName, committed_at as committedAt, url
      from commits where repository_id = ${repositoryId} order by committed_at desc limit ${limit}`),
    db.all<Omit<BranchRow, 'state'> & { states: string | null }>(sql`
      select b.name, b.head_sha as headSha, b.updated_at as updatedAt,
        (select group_concat(distinct s.state) from linker_sequences s where s.repository_id = b.repository_id and s.branch = b.name) as states
      from branches b where b.repository_id = ${repositoryId} order by b.updated_at desc, b.name limit ${limit * 2}`),
    db.all<RecentRun>(sql`select id, name, branch, head_sha as headSha, status, conclusion, completed_at as completedAt, url
      from ci_runs where repository_id = ${repositoryId} order by id desc limit ${limit}`),
    db.all<{ commits: number; branches: number; runs: number }>(sql`select
      (select count(*) from commits where repository_id = ${repositoryId}) as commits,
      (select count(*) from branches where repository_id = ${repositoryId}) as branches,
      (select count(*) from ci_runs where repository_id = ${repositoryId}) as runs`),
  ])
  return {
    commits,
    branches: branches.map(({ states, ...branch }) => ({ ...branch, state: worstState(states) })),
    runs,
    totals: counts[0] ?? { commits: 0, branches: 0, runs: 0 },
  }
}

function worstState(states: string | null): BranchRow['state'] {
  if (!states) return null
  const present = new Set(states.split(','))
  return RED_FIRST.find((state) => present.has(state)) ?? null
}

export type RepositoryActivity = Awaited<ReturnType<typeof getRepositoryActivity>>
