// Red episodes as people read them (the episode page, the API), and the decisions people make about
// their suspects. Decisions are audit-logged in the same transaction.
import { sql } from 'drizzle-orm'
import type { DecisionStatus, SuspectReason } from '../../db/schema'
import { recordAudit, type AuditActor } from '../auth/audit.server'
import { getDb } from '../db.server'
import { firstRow, json, type Tx } from './sql.server'
import { enqueueDependentRescores } from './queue.server'

export interface RunSummary {
  id: number
  sha: string
  name: string
  branch: string | null
  provider: string
  externalId: string
  attempt: number
  conclusion: string | null
  completedAt: number | null
  url: string | null
}

export interface CommitSummary {
  sha: string
  subject: string | null
  authorName: string | null
  authorEmail: string | null
  committedAt: number | null
  url: string | null
}

export interface SuspectView extends CommitSummary {
  score: number
  /** 1 = most suspect among those not rejected; null for a rejected suspect. */
  rank: number | null
  reasons: SuspectReason[]
  status: DecisionStatus
  decidedBy: string | null
  decidedAt: number | null
  /** False for a decided suspect that a recompute moved out of the range (kept for its decision). */
  inRange: boolean
}

const RUN_FIELDS = sql`r.id, r.head_sha as sha, r.name, r.branch, r.provider, r.external_id as externalId, r.attempt, r.conclusion,
  r.completed_at as completedAt, r.url`

export async function getEpisode(id: number) {
  const db = getDb()
  const episode = await firstRow<{
    id: number
    repositoryId: string
    repository: string
    defaultBranch: string
    branch: string
    name: string
    status: 'open' | 'closed'
    likelyFlaky: number
    base: 'sequence' | 'default_branch' | 'none'
    firstRedSha: string
    firstRedRunId: number
    lastGreenSha: string | null
    lastGreenRunId: number | null
    closingSha: string | null
    closingRunId: number | null
    redCommits: number
    rangeSize: number
    rangeTruncated: number
    rangeIncomplete: number
    openedAt: number
    closedAt: number | null
  }>(
    db,
    sql`select e.id, e.repository_id as repositoryId, p.name as repository, p.default_branch as defaultBranch, e.branch, e.name,
          e.status, e.likely_flaky as likelyFlaky, e.base, e.first_red_sha as firstRedSha, e.first_red_run_id as firstRedRunId,
          e.last_green_sha as lastGreenSha, e.last_green_run_id as lastGreenRunId, e.closing_sha as closingSha, e.closing_run_id as closingRunId,
          e.red_commits as redCommits, e.range_size as rangeSize, e.range_truncated as rangeTruncated, e.range_incomplete as rangeIncomplete,
          e.opened_at as openedAt, e.closed_at as closedAt
        from episodes e join repositories p on p.id = e.repository_id where e.id = ${id}`,
  )
  if (!episode) return null
  const runIds = [episode.firstRedRunId, episode.lastGreenRunId, episode.closingRunId].filter((value): value is number => value !== null)
  const runs = await db.all<RunSummary>(sql`select ${RUN_FIELDS} from ci_runs r where r.id in (select value from json_each(${json(runIds)}))`)
  const runById = new Map(runs.map((run) => [run.id, run]))
  const links = await db.all<{ id: number; fromRef: string; toRef: string; rule: string; confidence: number; status: DecisionStatus; decidedBy: string | null; decidedAt: number | null }>(sql`
    select l.id, l.from_ref as fromRef, l.to_ref as toRef, l.rule, l.confidence, l.status, u.name as decidedBy, l.decided_at as decidedAt
    from links l left join users u on u.id = l.decided_by
    where l.from_kind = 'ci_run' and l.from_ref in (select cast(value as text) from json_each(${json(runIds)}))`)
  const failingTests = await db.all<{ suite: string; classname: string | null; name: string; file: string | null; status: string; message: string | null }>(sql`
    select suite, classname, name, file, status, substr(failure_message, 1, 600) as message
    from test_results where ci_run_id = ${episode.firstRedRunId} and status in ('failed', 'error') order by id limit 50`)
  const failingTotal =
    (await firstRow<{ n: number }>(db, sql`select count(*) as n from test_results where ci_run_id = ${episode.firstRedRunId} and status in ('failed', 'error')`))?.n ?? 0
  const flakyKeys = new Set(
    (
      await db.all<{ test_key: string }>(sql`select test_key from flaky_tests where repository_id = ${episode.repositoryId} and test_key in (
        select coalesce(classname, suite) || char(9) || name from test_results where ci_run_id = ${episode.firstRedRunId} and status in ('failed', 'error'))`)
    ).map((row) => row.test_key),
  )
  const run = (runId: number | null) => {
    if (runId === null) return null
    const found = runById.get(runId)
    if (!found) return null
    return { ...found, links: links.filter((link) => link.fromRef === String(runId)) }
  }
  return {
    ...episode,
    likelyFlaky: episode.likelyFlaky === 1,
    rangeTruncated: episode.rangeTruncated === 1,
    rangeIncomplete: episode.rangeIncomplete === 1,
    firstRed: run(episode.firstRedRunId),
    lastGreen: run(episode.lastGreenRunId),
    closing: run(episode.closingRunId),
    failingTests: failingTests.map((test) => ({ ...test, knownFlaky: flakyKeys.has(`${test.classname ?? test.suite}\t${test.name}`) })),
    failingTotal,
  }
}

export type EpisodeView = NonNullable<Awaited<ReturnType<typeof getEpisode>>>

/** The range, newest first, with what the commits say about themselves. */
export async function listEpisodeRange(id: number, limit = 500): Promise<Array<CommitSummary & { pushedIn: string | null }>> {
  return getDb().all<CommitSummary & { pushedIn: string | null }>(sql`
    select c.sha, m.subject, m.author_name as authorName, m.author_email as authorEmail, m.committed_at as committedAt, m.url,
      (select v.title from links l join events v on v.id = cast(l.from_ref as integer)
        where l.repository_id = e.repository_id and l.from_kind = 'push' and l.to_ref = c.sha and l.status != 'rejected'
        order by l.id desc limit 1) as pushedIn
    from episode_commits c join episodes e on e.id = c.episode_id
    left join commits m on m.repository_id = e.repository_id and m.sha = c.sha
    where c.episode_id = ${id} order by c.position limit ${limit}`)
}

/**
 * Suspects, most suspect first; rejected ones after the ranking (they never come back into it for
 * this episode), decided ones a recompute moved out of the range last.
 */
export async function listSuspects(id: number): Promise<SuspectView[]> {
  const rows = await getDb().all<Omit<SuspectView, 'rank' | 'reasons' | 'inRange'> & { reasons: string; inRange: number; position: number | null }>(sql`
    select s.sha, m.subject, m.author_name as authorName, m.author_email as authorEmail, m.committed_at as committedAt, m.url,
      s.score, s.reasons, s.status, u.name as decidedBy, s.decided_at as decidedAt, s.in_range as inRange, c.position
    from suspects s join episodes e on e.id = s.episode_id
    left join commits m on m.repository_id = e.repository_id and m.sha = s.sha
    left join users u on u.id = s.decided_by
    left join episode_commits c on c.episode_id = s.episode_id and c.sha = s.sha
    where s.episode_id = ${id}
    order by s.in_range desc, s.status = 'rejected', s.score desc, c.position`)
  let rank = 0
  return rows.map(({ reasons, inRange, position: _position, ...row }) => ({
    ...row,
    reasons: JSON.parse(reasons) as SuspectReason[],
    inRange: inRange === 1,
    rank: inRange === 1 && row.status !== 'rejected' ? ++rank : null,
  }))
}

export type Decision = 'accepted' | 'rejected'
export type DecideOutcome = { ok: true; changed: boolean; sha: string } | { ok: false; reason: 'not_found' | 'not_a_suspect' }

/**
 * Accepts or rejects a suspect of an episode. A rejected suspect stays out of the ranking across recomputes.
 * Pass `tx` to decide inside a caller's transaction (an investigation records its activity in the same one).
 */
export async function decideSuspect(episodeId: number, sha: string, decision: Decision, actor: AuditActor, tx?: Tx): Promise<DecideOutcome> {
  if (!tx) return getDb().transaction((own) => decideSuspect(episodeId, sha, decision, actor, own))
  const episode = await firstRow<{ id: number; repository_id: string }>(tx, sql`select id, repository_id from episodes where id = ${episodeId}`)
  if (!episode) return { ok: false, reason: 'not_found' }
  // A full sha, or an unambiguous prefix of at least 7 characters (as git accepts).
  const matches = await tx.all<{ sha: string; status: DecisionStatus }>(
    sql`select sha, status from suspects where episode_id = ${episodeId}
        and (sha = ${sha.toLowerCase()} or (length(${sha}) between 7 and 39 and substr(sha, 1, length(${sha})) = ${sha.toLowerCase()})) limit 2`,
  )
  const suspect = matches.length === 1 ? matches[0] : matches.find((match) => match.sha === sha.toLowerCase())
  if (!suspect) return { ok: false, reason: 'not_a_suspect' }
  if (suspect.status === decision) return { ok: true, changed: false, sha: suspect.sha }
  await tx.run(sql`update suspects set status = ${decision}, decided_by = ${actor.userId ?? null}, decided_at = ${Date.now()}
    where episode_id = ${episodeId} and sha = ${suspect.sha}`)
  // Later episodes that cite this change ("..., where that change was accepted as the cause") are scored again.
  await enqueueDependentRescores(tx, [episodeId], { sha: suspect.sha })
  await recordAudit(
    {
      action: decision === 'accepted' ? 'suspect.accept' : 'suspect.reject',
      actor,
      targetType: 'episode',
      targetId: String(episodeId),
      detail: { sha: suspect.sha, repositoryId: episode.repository_id, from: suspect.status },
    },
    tx,
  )
  return { ok: true, changed: true, sha: suspect.sha }
}
