// What an investigation's canvas shows: its evidence and its scope (the red episode: last green and
// first red runs, the suspect range with each suspect's decision, the red streak's runs, the first
// red run's failing tests), its deploys, links and notes; the edges between them (a CI run to its
// commit, a suspect to the failure); and where people dragged nodes (canvas_positions).
//
// Moving a node records no activity: positions are the canvas's furniture, not the case, and a drag
// per second in the timeline and in everyone's mail would drown what matters.
import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { DecisionStatus, EvidenceKind } from '../../db/schema'
import { getDb } from '../db.server'
import { verdictOf } from '../linker/conclusions'
import { testKeyOf } from '../linker/flaky.server'
import { firstRow, json } from '../linker/sql.server'
import { formatDateTime } from '../utils/format'
import { MAX_COORDINATE, type CanvasEdge, type CanvasNode, type CanvasPoint } from './canvas-layout'

/** The most commits of one suspect range drawn (the newest; the linker keeps up to 2,000). */
const RANGE_NODES = 1000
/** Runs of one red streak drawn, oldest first. */
const STREAK_RUNS = 300
const FAILING_TESTS = 200
const NOTES = 500
const EPISODES = 5

export interface CanvasInvestigation {
  id: number
  title: string
  status: string
  repositoryId: string | null
  repository: string | null
  branch: string | null
  workflow: string | null
  episodeId: number | null
}

export interface CanvasData {
  investigation: CanvasInvestigation
  nodes: CanvasNode[]
  edges: CanvasEdge[]
  positions: Record<string, CanvasPoint>
  lastGreenAt: number | null
  firstRedAt: number | null
  /** Nodes left out by the time window, and commits of long ranges not drawn. */
  omitted: { outsideWindow: number; rangeCommits: number }
}

export interface CanvasWindow {
  from?: number | null
  to?: number | null
}

interface EvidenceRow {
  id: number
  kind: EvidenceKind
  ref: string
  repositoryId: string | null
  label: string
  occurredAt: number | null
  note: string | null
  createdAt: number
}

interface EpisodeRow {
  id: number
  repositoryId: string
  branch: string
  name: string
  firstRedSha: string
  firstRedRunId: number
  lastGreenSha: string | null
  lastGreenRunId: number | null
  closingRunId: number | null
  openedAt: number
  rangeSize: number
}

interface RunRow {
  id: number
  repositoryId: string
  name: string
  branch: string | null
  sha: string
  conclusion: string | null
  status: string
  attempt: number
  externalId: string
  at: number
  url: string | null
}

interface CommitRow {
  repositoryId: string
  sha: string
  subject: string
  authorName: string
  committedAt: number
}

interface SuspectRow {
  episodeId: number
  sha: string
  score: number
  status: DecisionStatus
  inRange: number
}

interface FailingRow {
  runId: number
  scope: string
  name: string
  file: string | null
  message: string | null
}

export const commitKey = (sha: string) => `commit:${sha}`
export const runKey = (id: number) => `run:${id}`
/** Test keys are free text (`scope TAB name`): the node key is a short hash of it. */
export const testNodeKey = (testKey: string) => `test:${createHash('sha1').update(testKey).digest('hex').slice(0, 16)}`
export const noteKey = (id: number) => `note:${id}`

const shortSha = (sha: string) => sha.slice(0, 7)
const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text)
const isWebUrl = (value: string) => {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** The first line of a note's Markdown as plain words. */
function excerptOf(body: string) {
  return plainText(body.split('\n').find((text) => text.trim() !== '') ?? '')
}

/** Parts of a description as sentences, each ending in one stop. */
const sentences = (parts: Array<string | null | undefined | false>) =>
  parts
    .filter((part): part is string => Boolean(part && part.trim()))
    .map((part) => part.trim())
    .map((part) => (/[.…!?]$/.test(part) ? part : `${part}.`))
    .join(' ')

/** Markdown as plain words: no emphasis marks, code ticks or link targets. */
const plainText = (markdown: string) =>
  markdown
    .replace(/\]\((https?:[^)]*)\)/g, ']')
    .replace(/[#>*_`~[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim()

const idsIn = (values: Iterable<number>) => json([...new Set(values)])
const textsIn = (values: Iterable<string>) => json([...new Set(values)])

/** The canvas of an investigation that exists and is not deleted, or null. */
export async function loadCanvas(investigationId: number, window: CanvasWindow = {}): Promise<CanvasData | null> {
  const db = getDb()
  const inv = await firstRow<
    CanvasInvestigation & {
      firstRedRunId: number | null
      lastGreenRunId: number | null
      firstSeenAt: number | null
      lastKnownGoodAt: number | null
      createdAt: number
    }
  >(
    db,
    sql`select i.id, i.title, i.status, i.repository_id as repositoryId, r.name as repository, i.branch, i.workflow, i.episode_id as episodeId,
          i.first_red_run_id as firstRedRunId, i.last_green_run_id as lastGreenRunId, i.first_seen_at as firstSeenAt,
          i.last_known_good_at as lastKnownGoodAt, i.created_at as createdAt
        from investigations i left join repositories r on r.id = i.repository_id
        where i.id = ${investigationId} and i.deleted_at is null`,
  )
  if (!inv) return null

  const [evidence, notes, positionRows] = await Promise.all([
    db.all<EvidenceRow>(sql`select id, kind, ref, repository_id as repositoryId, label, occurred_at as occurredAt, note, created_at as createdAt
      from investigation_evidence where investigation_id = ${investigationId} order by id`),
    db.all<{ id: number; body: string; author: string | null; createdAt: number }>(sql`
      select n.id, n.body, u.name as author, n.created_at as createdAt from investigation_notes n left join users u on u.id = n.author_id
      where n.investigation_id = ${investigationId} and n.deleted_at is null order by n.created_at desc, n.id desc limit ${NOTES}`),
    db.all<{ nodeKey: string; x: number; y: number }>(sql`select node_key as nodeKey, x, y from canvas_positions where investigation_id = ${investigationId}`),
  ])
  const evidenceOf = (kind: EvidenceKind) => evidence.filter((row) => row.kind === kind)

  // The episodes in scope: the investigation's own, and those its evidence names.
  const episodeIds = new Set<number>()
  if (inv.episodeId !== null) episodeIds.add(inv.episodeId)
  for (const row of evidenceOf('episode')) if (/^\d+$/.test(row.ref)) episodeIds.add(Number(row.ref))
  for (const row of evidenceOf('suspect')) {
    const episodeId = Number(row.ref.split(':')[0])
    if (Number.isInteger(episodeId) && episodeId > 0) episodeIds.add(episodeId)
  }
  const episodes = await db.all<EpisodeRow>(sql`
    select id, repository_id as repositoryId, branch, name, first_red_sha as firstRedSha, first_red_run_id as firstRedRunId,
      last_green_sha as lastGreenSha, last_green_run_id as lastGreenRunId, closing_run_id as closingRunId, opened_at as openedAt,
      range_size as rangeSize
    from episodes where id in (select value from json_each(${idsIn([...episodeIds].slice(0, EPISODES))})) order by id`)
  const mainEpisode = episodes.find((episode) => episode.id === inv.episodeId) ?? episodes[0] ?? null
  const repositoryId = inv.repositoryId ?? mainEpisode?.repositoryId ?? null

  // Runs: the evidence's, the scope's, and each episode's red streak.
  const runIds = new Set<number>()
  for (const row of evidenceOf('ci_run')) if (/^\d+$/.test(row.ref)) runIds.add(Number(row.ref))
  for (const id of [inv.firstRedRunId, inv.lastGreenRunId]) if (id !== null) runIds.add(id)
  for (const episode of episodes) {
    for (const id of [episode.firstRedRunId, episode.lastGreenRunId, episode.closingRunId]) if (id !== null) runIds.add(id)
    const streak = await db.all<{ id: number }>(sql`
      select r.id from ci_runs r
      where r.repository_id = ${episode.repositoryId} and r.branch = ${episode.branch} and r.name = ${episode.name} and r.status = 'completed'
        and r.completed_at >= coalesce((select completed_at from ci_runs where id = ${episode.lastGreenRunId}),
                                       (select completed_at from ci_runs where id = ${episode.firstRedRunId}))
        and r.completed_at <= coalesce((select completed_at from ci_runs where id = ${episode.closingRunId}), 9007199254740991)
      order by r.completed_at, r.id limit ${STREAK_RUNS}`)
    for (const row of streak) runIds.add(row.id)
  }
  const runs = await db.all<RunRow>(sql`
    select id, repository_id as repositoryId, name, branch, head_sha as sha, conclusion, status, attempt, external_id as externalId,
      coalesce(completed_at, started_at, created_at) as at, url
    from ci_runs where id in (select value from json_each(${idsIn(runIds)}))`)
  const runById = new Map(runs.map((run) => [run.id, run]))

  // Commits: the ranges (newest first, capped), the suspects, the runs' heads, the evidence's.
  const ranges = new Map<number, string[]>()
  let omittedRange = 0
  for (const episode of episodes) {
    const rows = await db.all<{ sha: string }>(
      sql`select sha from episode_commits where episode_id = ${episode.id} order by position limit ${RANGE_NODES}`,
    )
    ranges.set(episode.id, rows.map((row) => row.sha))
    omittedRange += Math.max(0, episode.rangeSize - rows.length)
  }
  const suspects = await db.all<SuspectRow>(sql`
    select episode_id as episodeId, sha, score, status, in_range as inRange from suspects
    where episode_id in (select value from json_each(${idsIn(episodes.map((episode) => episode.id))}))`)
  const commitRepo = new Map<string, string>()
  const wantCommit = (sha: string | null, repo: string | null) => {
    if (sha && repo && !commitRepo.has(sha)) commitRepo.set(sha, repo)
  }
  for (const episode of episodes) {
    wantCommit(episode.firstRedSha, episode.repositoryId)
    wantCommit(episode.lastGreenSha, episode.repositoryId)
    for (const sha of ranges.get(episode.id) ?? []) wantCommit(sha, episode.repositoryId)
  }
  const episodeById = new Map(episodes.map((episode) => [episode.id, episode]))
  for (const suspect of suspects) wantCommit(suspect.sha, episodeById.get(suspect.episodeId)?.repositoryId ?? null)
  for (const run of runs) wantCommit(run.sha, run.repositoryId)
  for (const row of evidenceOf('commit')) wantCommit(row.ref.toLowerCase(), row.repositoryId ?? repositoryId)
  for (const row of evidenceOf('suspect')) wantCommit(row.ref.split(':')[1]?.toLowerCase() ?? null, row.repositoryId ?? repositoryId)

  const commitsByRepo = new Map<string, string[]>()
  for (const [sha, repo] of commitRepo) commitsByRepo.set(repo, [...(commitsByRepo.get(repo) ?? []), sha])
  const commitRows: CommitRow[] = []
  for (const [repo, shas] of commitsByRepo) {
    commitRows.push(
      ...(await db.all<CommitRow>(sql`
        select repository_id as repositoryId, sha, subject, author_name as authorName, committed_at as committedAt from commits
        where repository_id = ${repo} and sha in (select value from json_each(${textsIn(shas)}))`)),
    )
  }
  const commitBySha = new Map(commitRows.map((row) => [row.sha, row]))

  // Failing tests of the first red runs, and the tests the evidence names; which of them flake.
  const firstRedRunIds = episodes.map((episode) => episode.firstRedRunId)
  const failing = await db.all<FailingRow>(sql`
    select ci_run_id as runId, coalesce(classname, suite) as scope, name, file, substr(failure_message, 1, 300) as message from test_results
    where ci_run_id in (select value from json_each(${idsIn(firstRedRunIds)})) and status in ('failed', 'error') order by id limit ${FAILING_TESTS}`)
  const flakyEvidence = await db.all<{ id: number; testKey: string; repositoryId: string; lastFlakyAt: number }>(sql`
    select id, test_key as testKey, repository_id as repositoryId, last_flaky_at as lastFlakyAt from flaky_tests
    where id in (select value from json_each(${idsIn(evidenceOf('flaky_test').filter((row) => /^\d+$/.test(row.ref)).map((row) => Number(row.ref)))}))`)
  const testKeys = new Set([
    ...failing.map((row) => testKeyOf(row.scope, row.name)),
    ...evidenceOf('test').map((row) => row.ref),
    ...flakyEvidence.map((row) => row.testKey),
  ])
  const knownFlaky = new Set(
    repositoryId
      ? (
          await db.all<{ testKey: string }>(sql`select test_key as testKey from flaky_tests
            where repository_id = ${repositoryId} and test_key in (select value from json_each(${textsIn(testKeys)}))`)
        ).map((row) => row.testKey)
      : [],
  )
  for (const row of flakyEvidence) knownFlaky.add(row.testKey)

  const links = await db.all<{ runId: string; sha: string; status: DecisionStatus }>(sql`
    select from_ref as runId, to_ref as sha, status from links
    where from_kind = 'ci_run' and from_ref in (select cast(value as text) from json_each(${idsIn(runIds)}))`)

  // ---- nodes ----------------------------------------------------------------------------------
  const nodes = new Map<string, CanvasNode>()
  const edges: CanvasEdge[] = []
  const episodeHref = (episodeId: number | null | undefined) => (episodeId ? `/episodes/${episodeId}` : null)
  const investigationHref = `/investigations/${investigationId}`
  const repositoryHref = (repo: string | null) => (repo ? `/repositories/${encodeURIComponent(repo)}` : investigationHref)
  const evidenceShas = new Set(evidenceOf('commit').map((row) => row.ref.toLowerCase()))
  for (const row of evidenceOf('suspect')) evidenceShas.add(row.ref.split(':')[1]?.toLowerCase() ?? '')
  const evidenceRuns = new Set(evidenceOf('ci_run').map((row) => row.ref))
  const lastGreenRunIds = new Set([inv.lastGreenRunId, ...episodes.map((episode) => episode.lastGreenRunId)].filter((id) => id !== null))
  const firstRedRunIdSet = new Set([inv.firstRedRunId, ...firstRedRunIds].filter((id) => id !== null))
  const lastGreenShas = new Set(episodes.map((episode) => episode.lastGreenSha).filter((sha) => sha !== null))
  const firstRedShas = new Set(episodes.map((episode) => episode.firstRedSha))
  const inRangeOf = new Map<string, number>()
  for (const [episodeId, shas] of ranges) for (const sha of shas) if (!inRangeOf.has(sha)) inRangeOf.set(sha, episodeId)
  const suspectOf = new Map<string, SuspectRow & { rank: number | null }>()
  for (const episode of episodes) {
    const ranked = suspects
      .filter((suspect) => suspect.episodeId === episode.id)
      .sort((a, b) => Number(b.inRange) - Number(a.inRange) || Number(a.status === 'rejected') - Number(b.status === 'rejected') || b.score - a.score)
    let rank = 0
    for (const suspect of ranked) {
      const withRank = { ...suspect, rank: suspect.inRange === 1 && suspect.status !== 'rejected' ? ++rank : null }
      if (!suspectOf.has(suspect.sha) || episode.id === mainEpisode?.id) suspectOf.set(suspect.sha, withRank)
    }
  }
  const runTimesBySha = new Map<string, number>()
  for (const run of runs) runTimesBySha.set(run.sha, Math.min(run.at, runTimesBySha.get(run.sha) ?? Infinity))
  const evidenceTimeOf = new Map<string, number>()
  for (const row of [...evidenceOf('commit'), ...evidenceOf('suspect')]) {
    const sha = (row.kind === 'suspect' ? row.ref.split(':')[1] : row.ref)?.toLowerCase()
    if (sha && row.occurredAt !== null) evidenceTimeOf.set(sha, row.occurredAt)
  }

  for (const [sha, repo] of commitRepo) {
    const commit = commitBySha.get(sha)
    const time = commit?.committedAt ?? evidenceTimeOf.get(sha) ?? runTimesBySha.get(sha) ?? mainEpisode?.openedAt ?? inv.createdAt
    const suspect = suspectOf.get(sha)
    const rangeEpisode = inRangeOf.get(sha) ?? suspect?.episodeId ?? null
    const marker = firstRedShas.has(sha) ? 'first_red' : lastGreenShas.has(sha) ? 'last_green' : null
    const isEvidence = evidenceShas.has(sha)
    const decision = suspect ? (suspect.status === 'accepted' ? 'accepted suspect' : suspect.status === 'rejected' ? 'rejected suspect' : `suspect #${suspect.rank ?? '–'}`) : null
    const facts = [
      commit ? `by ${commit.authorName}, ${formatDateTime(commit.committedAt)}` : 'not imported yet',
      suspect
        ? `${suspect.status === 'suggested' ? `Suspect ranked ${suspect.rank ?? 'out of the range'}` : suspect.status === 'accepted' ? 'Accepted suspect' : 'Rejected suspect'}, score ${suspect.score.toFixed(1)}`
        : null,
      inRangeOf.has(sha) ? 'In the suspect range' : null,
      marker === 'first_red' ? 'The first red commit' : marker === 'last_green' ? 'The last green commit' : null,
      isEvidence ? 'Attached as evidence' : null,
    ]
    nodes.set(commitKey(sha), {
      key: commitKey(sha),
      kind: 'commit',
      time,
      label: commit ? commit.subject : `Commit ${shortSha(sha)}`,
      sublabel: [shortSha(sha), decision ?? commit?.authorName].filter(Boolean).join(' · '),
      title: `Commit ${shortSha(sha)}: ${clip(commit?.subject ?? 'not imported', 80)}`,
      description: sentences(facts),
      href: episodeHref(rangeEpisode) ?? episodeHref(mainEpisode?.id) ?? repositoryHref(repo),
      external: false,
      tone: suspect?.status === 'accepted' ? 'red' : suspect && suspect.status !== 'rejected' ? 'amber' : marker === 'last_green' ? 'green' : marker === 'first_red' ? 'red' : 'neutral',
      emphasis: suspect?.status === 'accepted' ? 'strong' : suspect?.status === 'rejected' ? 'dim' : 'normal',
      marker,
      inRange: inRangeOf.has(sha),
      evidence: isEvidence,
      priority: marker ? 100 : suspect?.status === 'accepted' ? 90 : isEvidence ? 80 : suspect && suspect.status !== 'rejected' ? 60 + Math.min(19, suspect.score) : 10,
    })
  }

  const episodeOfRun = (run: RunRow) =>
    episodes.find((episode) => episode.repositoryId === run.repositoryId && episode.branch === run.branch && episode.name === run.name) ?? mainEpisode
  for (const run of runs) {
    const verdict = verdictOf(run.conclusion)
    const marker = firstRedRunIdSet.has(run.id) ? 'first_red' : lastGreenRunIds.has(run.id) ? 'last_green' : null
    const isEvidence = evidenceRuns.has(String(run.id))
    const result = run.status === 'completed' ? (run.conclusion ?? 'no conclusion') : run.status.replace('_', ' ')
    const name = `${run.name} #${run.externalId}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}`
    nodes.set(runKey(run.id), {
      key: runKey(run.id),
      kind: 'run',
      time: run.at,
      label: name,
      sublabel: `${result} · ${shortSha(run.sha)}`,
      title: `CI run ${name}: ${result}`,
      description: sentences([
        `${run.branch ? `On ${run.branch}, ` : ''}commit ${shortSha(run.sha)}, ${formatDateTime(run.at)}`,
        marker === 'first_red' ? 'The first red run' : marker === 'last_green' ? 'The last green run' : null,
        isEvidence ? 'Attached as evidence' : null,
      ]),
      href: run.url && isWebUrl(run.url) ? run.url : (episodeHref(episodeOfRun(run)?.id) ?? repositoryHref(run.repositoryId)),
      external: Boolean(run.url && isWebUrl(run.url)),
      tone: verdict === 'green' ? 'green' : verdict === 'red' ? 'red' : 'neutral',
      emphasis: 'normal',
      marker,
      inRange: false,
      evidence: isEvidence,
      priority: marker ? 100 : isEvidence ? 80 : verdict === 'red' ? 40 : 20,
    })
  }

  // Tests: failing in a first red run, or named by the evidence.
  const testTimes = new Map<string, { time: number; runId: number | null; file: string | null; message: string | null; evidence: boolean }>()
  for (const row of failing) {
    const key = testKeyOf(row.scope, row.name)
    if (!testTimes.has(key)) testTimes.set(key, { time: runById.get(row.runId)?.at ?? inv.createdAt, runId: row.runId, file: row.file, message: row.message, evidence: false })
  }
  for (const row of [...evidenceOf('test').map((item) => ({ key: item.ref, at: item.occurredAt ?? item.createdAt })), ...flakyEvidence.map((item) => ({ key: item.testKey, at: item.lastFlakyAt }))]) {
    const known = testTimes.get(row.key)
    testTimes.set(row.key, known ? { ...known, evidence: true } : { time: row.at, runId: null, file: null, message: null, evidence: true })
  }
  const failingByRun = new Map<number, string[]>()
  for (const [testKey, info] of testTimes) {
    const tab = testKey.indexOf('\t')
    const scope = tab >= 0 ? testKey.slice(0, tab) : ''
    const name = tab >= 0 ? testKey.slice(tab + 1) : testKey
    const flaky = knownFlaky.has(testKey)
    const run = info.runId !== null ? runById.get(info.runId) : undefined
    const key = testNodeKey(testKey)
    if (info.runId !== null) failingByRun.set(info.runId, [...(failingByRun.get(info.runId) ?? []), key])
    nodes.set(key, {
      key,
      kind: 'test',
      time: info.time,
      label: scope ? `${scope} › ${name}` : name,
      sublabel: [run ? `failed in ${run.name} #${run.externalId}` : 'test', flaky ? 'known flaky' : null].filter(Boolean).join(' · '),
      title: `Test ${scope ? `${scope} › ` : ''}${name}${run ? ' failed' : ''}`,
      description: sentences([
        run ? `Failed in ${run.name} #${run.externalId}, ${formatDateTime(run.at)}` : `Test ${name}`,
        info.file ? `File ${info.file}` : null,
        info.message ? `Message: ${clip(info.message.replace(/\s+/g, ' '), 200)}` : null,
        flaky ? 'Known to flake' : null,
        info.evidence ? 'Attached as evidence' : null,
      ]),
      href: flaky ? `/flaky-tests${repositoryId ? `?repository=${encodeURIComponent(repositoryId)}` : ''}` : (episodeHref(run ? episodeOfRun(run)?.id : mainEpisode?.id) ?? investigationHref),
      external: false,
      tone: flaky ? 'amber' : run ? 'red' : 'neutral',
      emphasis: 'normal',
      marker: null,
      inRange: false,
      evidence: info.evidence,
      priority: info.evidence ? 80 : 50,
    })
  }

  for (const row of [...evidenceOf('deploy'), ...evidenceOf('link')]) {
    const kind = row.kind === 'deploy' ? 'deploy' : 'link'
    const key = `${kind}:${row.id}`
    const web = isWebUrl(row.ref)
    const time = row.occurredAt ?? row.createdAt
    nodes.set(key, {
      key,
      kind,
      time,
      label: row.label || row.ref,
      sublabel: `${kind === 'deploy' ? 'deploy' : 'link'} · ${web ? new URL(row.ref).host : 'not a web address'}`,
      title: `${kind === 'deploy' ? 'Deploy' : 'Link'}: ${clip(row.label || row.ref, 80)}`,
      description: sentences([`${kind === 'deploy' ? 'Deployed' : 'Added'} ${formatDateTime(time)}`, `Address ${clip(row.ref, 200)}`, row.note ? clip(row.note, 200) : null]),
      href: web ? row.ref : `${investigationHref}#evidence`,
      external: web,
      tone: kind === 'deploy' ? 'blue' : 'neutral',
      emphasis: 'normal',
      marker: null,
      inRange: false,
      evidence: true,
      priority: 85,
    })
  }

  for (const note of notes) {
    const excerpt = excerptOf(note.body) || 'Note'
    nodes.set(noteKey(note.id), {
      key: noteKey(note.id),
      kind: 'note',
      time: note.createdAt,
      label: excerpt,
      sublabel: `note · ${note.author ?? 'someone'}`,
      title: `Note by ${note.author ?? 'someone'}: ${clip(excerpt, 80)}`,
      description: sentences([`Written ${formatDateTime(note.createdAt)}`, clip(plainText(note.body), 300)]),
      href: `${investigationHref}#note-${note.id}`,
      external: false,
      tone: 'neutral',
      emphasis: 'normal',
      marker: null,
      inRange: false,
      evidence: false,
      priority: 75,
    })
  }

  // ---- edges ----------------------------------------------------------------------------------
  for (const link of links) {
    const from = runKey(Number(link.runId))
    if (nodes.has(from) && nodes.has(commitKey(link.sha))) edges.push({ from, to: commitKey(link.sha), kind: 'link', dim: link.status === 'rejected' })
  }
  for (const episode of episodes) {
    const failureKey = runKey(episode.firstRedRunId)
    if (!nodes.has(failureKey)) continue
    const tests = failingByRun.get(episode.firstRedRunId) ?? []
    for (const test of tests) edges.push({ from: failureKey, to: test, kind: 'failure', dim: false })
    for (const suspect of suspects) {
      if (suspect.episodeId !== episode.id || !nodes.has(commitKey(suspect.sha))) continue
      const rejected = suspect.status === 'rejected'
      edges.push({ from: commitKey(suspect.sha), to: failureKey, kind: 'suspect', dim: rejected })
      if (suspect.status === 'accepted') for (const test of tests) edges.push({ from: commitKey(suspect.sha), to: test, kind: 'suspect', dim: false })
    }
  }

  const lastGreenRun = runById.get(inv.lastGreenRunId ?? mainEpisode?.lastGreenRunId ?? -1)
  const firstRedRun = runById.get(inv.firstRedRunId ?? mainEpisode?.firstRedRunId ?? -1)
  const lastGreenAt = lastGreenRun?.at ?? inv.lastKnownGoodAt ?? null
  const firstRedAt = firstRedRun?.at ?? inv.firstSeenAt ?? null

  let list = [...nodes.values()]
  let outsideWindow = 0
  if (window.from != null || window.to != null) {
    const from = window.from ?? -Infinity
    const to = window.to ?? Infinity
    const inside = list.filter((node) => node.time >= from && node.time <= to)
    outsideWindow = list.length - inside.length
    list = inside
  }
  const present = new Set(list.map((node) => node.key))
  const positions: Record<string, CanvasPoint> = {}
  for (const row of positionRows) if (present.has(row.nodeKey)) positions[row.nodeKey] = { x: row.x, y: row.y }

  return {
    investigation: {
      id: inv.id,
      title: inv.title,
      status: inv.status,
      repositoryId: inv.repositoryId,
      repository: inv.repository,
      branch: inv.branch,
      workflow: inv.workflow,
      episodeId: inv.episodeId,
    },
    nodes: list,
    edges: edges.filter((edge) => present.has(edge.from) && present.has(edge.to)),
    positions,
    lastGreenAt,
    firstRedAt,
    omitted: { outsideWindow, rangeCommits: omittedRange },
  }
}

export type MoveOutcome = { ok: true } | { ok: false; reason: 'not_found' }

/** Saves where someone dropped a node, for everyone. */
export async function saveCanvasPosition(investigationId: number, nodeKey: string, point: CanvasPoint, actorId: string, at = Date.now()): Promise<MoveOutcome> {
  const x = Math.round(Math.min(MAX_COORDINATE, Math.max(0, point.x)))
  const y = Math.round(Math.min(MAX_COORDINATE, Math.max(0, point.y)))
  const db = getDb()
  const found = await firstRow<{ id: number }>(db, sql`select id from investigations where id = ${investigationId} and deleted_at is null`)
  if (!found) return { ok: false, reason: 'not_found' }
  await db.run(sql`insert into canvas_positions (investigation_id, node_key, x, y, updated_by, updated_at)
    values (${investigationId}, ${nodeKey}, ${x}, ${y}, ${actorId}, ${at})
    on conflict (investigation_id, node_key) do update set x = excluded.x, y = excluded.y, updated_by = excluded.updated_by, updated_at = excluded.updated_at`)
  return { ok: true }
}

/** Forgets every saved position: the layout places every node again. */
export async function resetCanvasPositions(investigationId: number): Promise<MoveOutcome> {
  const db = getDb()
  const found = await firstRow<{ id: number }>(db, sql`select id from investigations where id = ${investigationId} and deleted_at is null`)
  if (!found) return { ok: false, reason: 'not_found' }
  await db.run(sql`delete from canvas_positions where investigation_id = ${investigationId}`)
  return { ok: true }
}
