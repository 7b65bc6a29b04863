// Where branches stand: per workflow, the current state, the last green, the first red and the
// suspect range; and the list of branches that are red now.
import { sql } from 'drizzle-orm'
import type { SequenceState } from '../../db/schema'
import { getDb } from '../db.server'
import { listEpisodeRange, type CommitSummary, type RunSummary } from './episodes.server'
import { firstRow, json } from './sql.server'

const DAY_MS = 24 * 60 * 60 * 1000

export type BranchState = SequenceState

export interface WorkflowStatus {
  name: string
  state: BranchState
  head: { sha: string; run: RunSummary | null } | null
  /** The green before the first red while red (maybe borrowed from the default branch); else the newest green. */
  lastGreen: (RunSummary & { base: 'sequence' | 'default_branch' }) | null
  firstRed: RunSummary | null
  episode: {
    id: number
    status: 'open'
    likelyFlaky: boolean
    openedAt: number
    redCommits: number
    range: { size: number; truncated: boolean; incomplete: boolean; base: 'sequence' | 'default_branch' | 'none'; commits: CommitSummary[] }
  } | null
  /** Completed runs whose commit has not arrived yet (no push or import brought it). */
  pendingRuns: number
}

/** The worst state wins: red, then likely flaky, then green. */
export function combineStates(states: BranchState[]): BranchState {
  for (const state of ['red', 'likely_flaky', 'green'] as const) if (states.includes(state)) return state
  return 'unknown'
}

export async function getBranchStatus(repositoryId: string, branch: string, options: { rangeLimit?: number } = {}) {
  const db = getDb()
  const repository = await firstRow<{ id: string; name: string; default_branch: string }>(
    db,
    sql`select id, name, default_branch from repositories where id = ${repositoryId}`,
  )
  if (!repository) return null
  const sequences = await db.all<{
    name: string
    state: BranchState
    head_sha: string | null
    head_run_id: number | null
    last_green_run_id: number | null
    open_episode_id: number | null
    pending_runs: number
  }>(sql`select name, state, head_sha, head_run_id, last_green_run_id, open_episode_id, pending_runs from linker_sequences
         where repository_id = ${repositoryId} and branch = ${branch} and state != 'unknown' order by name`)
  const episodeIds = sequences.map((row) => row.open_episode_id).filter((id): id is number => id !== null)
  const episodes = await db.all<{
    id: number
    likely_flaky: number
    opened_at: number
    red_commits: number
    first_red_run_id: number
    last_green_run_id: number | null
    base: 'sequence' | 'default_branch' | 'none'
    range_size: number
    range_truncated: number
    range_incomplete: number
  }>(sql`select id, likely_flaky, opened_at, red_commits, first_red_run_id, last_green_run_id, base, range_size, range_truncated, range_incomplete
         from episodes where id in (select value from json_each(${json(episodeIds)}))`)
  const episodeById = new Map(episodes.map((row) => [row.id, row]))
  const runIds = new Set<number>()
  for (const row of sequences) {
    if (row.head_run_id) runIds.add(row.head_run_id)
    if (row.last_green_run_id) runIds.add(row.last_green_run_id)
  }
  for (const row of episodes) {
    runIds.add(row.first_red_run_id)
    if (row.last_green_run_id) runIds.add(row.last_green_run_id)
  }
  const runs = await db.all<RunSummary>(sql`
    select r.id, r.head_sha as sha, r.name, r.branch, r.provider, r.external_id as externalId, r.attempt, r.conclusion, r.completed_at as completedAt, r.url
    from ci_runs r where r.id in (select value from json_each(${json([...runIds])}))`)
  const runById = new Map(runs.map((run) => [run.id, run]))

  const workflows: WorkflowStatus[] = []
  for (const row of sequences) {
    const episode = row.open_episode_id !== null ? episodeById.get(row.open_episode_id) : undefined
    const greenId = episode ? episode.last_green_run_id : row.last_green_run_id
    const green = greenId !== null ? runById.get(greenId) : undefined
    workflows.push({
      name: row.name,
      state: row.state,
      head: row.head_sha ? { sha: row.head_sha, run: (row.head_run_id && runById.get(row.head_run_id)) || null } : null,
      lastGreen: green ? { ...green, base: episode?.base === 'default_branch' ? 'default_branch' : 'sequence' } : null,
      firstRed: episode ? (runById.get(episode.first_red_run_id) ?? null) : null,
      episode: episode
        ? {
            id: episode.id,
            status: 'open',
            likelyFlaky: episode.likely_flaky === 1,
            openedAt: episode.opened_at,
            redCommits: episode.red_commits,
            range: {
              size: episode.range_size,
              truncated: episode.range_truncated === 1,
              incomplete: episode.range_incomplete === 1,
              base: episode.base,
              commits: await listEpisodeRange(episode.id, options.rangeLimit ?? 100),
            },
          }
        : null,
      pendingRuns: row.pending_runs,
    })
  }
  return {
    repository: { id: repository.id, name: repository.name, defaultBranch: repository.default_branch },
    branch,
    state: combineStates(workflows.map((workflow) => workflow.state)),
    workflows,
  }
}

export type BranchStatus = NonNullable<Awaited<ReturnType<typeof getBranchStatus>>>

export interface EpisodeListItem {
  id: number
  repositoryId: string
  repository: string
  branch: string
  name: string
  status: 'open' | 'closed'
  likelyFlaky: boolean
  openedAt: number
  closedAt: number | null
  redCommits: number
  rangeSize: number
  firstRedSha: string
  firstRedSubject: string | null
  lastGreenSha: string | null
  base: 'sequence' | 'default_branch' | 'none'
  topSuspect: { sha: string; subject: string | null; score: number; accepted: boolean } | null
}

/** Open episodes (red first, then likely flaky), and those closed in the last `recentDays` days. */
export async function listEpisodes(options: { repositoryId?: string | null; recentDays?: number; limit?: number } = {}) {
  const since = Date.now() - (options.recentDays ?? 7) * DAY_MS
  const repositoryId = options.repositoryId ?? null
  const rows = await getDb().all<{
    id: number
    repository_id: string
    repository: string
    branch: string
    name: string
    status: 'open' | 'closed'
    likely_flaky: number
    opened_at: number
    closed_at: number | null
    red_commits: number
    range_size: number
    first_red_sha: string
    first_red_subject: string | null
    last_green_sha: string | null
    base: 'sequence' | 'default_branch' | 'none'
    top_sha: string | null
    top_subject: string | null
    top_score: number | null
    top_status: string | null
  }>(sql`
    select e.id, e.repository_id, p.name as repository, e.branch, e.name, e.status, e.likely_flaky, e.opened_at, e.closed_at, e.red_commits,
      e.range_size, e.first_red_sha, c.subject as first_red_subject, e.last_green_sha, e.base,
      t.sha as top_sha, tc.subject as top_subject, t.score as top_score, t.status as top_status
    from episodes e
    join repositories p on p.id = e.repository_id
    left join commits c on c.repository_id = e.repository_id and c.sha = e.first_red_sha
    left join suspects t on t.episode_id = e.id and t.sha = (
      select s.sha from suspects s where s.episode_id = e.id and s.in_range = 1 and s.status != 'rejected'
      order by s.status = 'accepted' desc, s.score desc limit 1)
    left join commits tc on tc.repository_id = e.repository_id and tc.sha = t.sha
    where (e.status = 'open' or e.closed_at >= ${since}) and (${repositoryId} is null or e.repository_id = ${repositoryId})
    order by e.status = 'closed', e.likely_flaky, e.opened_at
    limit ${options.limit ?? 500}`)
  return rows.map<EpisodeListItem>((row) => ({
    id: row.id,
    repositoryId: row.repository_id,
    repository: row.repository,
    branch: row.branch,
    name: row.name,
    status: row.status,
    likelyFlaky: row.likely_flaky === 1,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    redCommits: row.red_commits,
    rangeSize: row.range_size,
    firstRedSha: row.first_red_sha,
    firstRedSubject: row.first_red_subject,
    lastGreenSha: row.last_green_sha,
    base: row.base,
    topSuspect: row.top_sha ? { sha: row.top_sha, subject: row.top_subject, score: row.top_score ?? 0, accepted: row.top_status === 'accepted' } : null,
  }))
}

/** Repositories, for filters. */
export async function listRepositoryNames() {
  return getDb().all<{ id: string; name: string }>(sql`select id, name from repositories order by name`)
}
