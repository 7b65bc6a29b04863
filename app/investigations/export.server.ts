// The case file: one investigation as a document to keep, mail or paste into a postmortem. Markdown
// for people; JSON for tools, with a stable shape (`format` + `version`, described in
// app/investigations/openapi.ts as CaseFile). Every link in it is absolute (APP_URL), so the file
// still leads back to Inquest once it has left it.
import { sql } from 'drizzle-orm'
import type { ActivityKind, EvidenceKind, InvestigationKind, InvestigationStatus, Severity } from '../../db/schema/investigations'
import type { DecisionStatus, SuspectReason } from '../../db/schema/linker'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import { json } from '../linker/sql.server'
import { getInvestigation, type InvestigationView } from './investigations.server'
import { EVIDENCE_KIND_LABELS, KIND_LABELS, SEVERITY_SHORT } from './page-schema'
import { STATUS_LABELS } from './status'
import { describeActivity } from './timeline.server'

export const CASE_FILE_FORMAT = 'inquest.case-file'
/** Bumped only when a field changes meaning or goes away; new fields may appear within a version. */
export const CASE_FILE_VERSION = 1

export const EXPORT_FORMATS = ['md', 'json'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

// Episodes one case file covers: its own, and those attached as an episode or through a suspect.
const MAX_EPISODES = 20
// Ranked suspects listed per episode; decided and attached ones are always listed.
export const SUSPECTS_LISTED = 25

export interface CaseFilePerson {
  /** Null for someone who no longer has an account. */
  id: string | null
  name: string
}

export interface CaseFileRun {
  id: number
  name: string
  branch: string | null
  sha: string
  provider: string
  externalId: string
  conclusion: string | null
  completedAt: string | null
  url: string | null
}

export interface CaseFileEpisode {
  id: number
  url: string
  repository: { id: string; name: string }
  branch: string
  workflow: string
  status: 'open' | 'closed'
  openedAt: string
  closedAt: string | null
  firstRedSha: string
  lastGreenSha: string | null
  rangeSize: number
  /** Suspects in the ranking (not rejected, in the range). */
  rankedSuspects: number
  /** Of the ranked ones, how many `suspects` lists (the top ones); the episode page has them all. */
  rankedListed: number
}

export interface CaseFileSuspect {
  episodeId: number
  episodeUrl: string
  sha: string
  subject: string | null
  author: { name: string; email: string | null } | null
  committedAt: string | null
  url: string | null
  /** 1 = most suspect of its episode; null when rejected or moved out of the range. */
  rank: number | null
  score: number
  reasons: SuspectReason[]
  status: DecisionStatus
  decidedBy: CaseFilePerson | null
  decidedAt: string | null
  inRange: boolean
  /** Attached to the investigation as evidence. */
  attached: boolean
}

export interface CaseFile {
  format: typeof CASE_FILE_FORMAT
  version: typeof CASE_FILE_VERSION
  generatedAt: string
  investigation: {
    id: number
    url: string
    title: string
    /** Markdown source. */
    description: string
    status: InvestigationStatus
    severity: Severity
    kind: InvestigationKind
    scope: {
      repository: { id: string; name: string | null } | null
      branch: string | null
      workflow: string | null
      environment: string | null
    }
    owner: CaseFilePerson | null
    createdBy: CaseFilePerson | null
    watchers: CaseFilePerson[]
    firstSeenAt: string | null
    lastKnownGoodAt: string | null
    createdAt: string
    updatedAt: string
    episode: { id: number; url: string } | null
    firstRedRun: CaseFileRun | null
    lastGreenRun: CaseFileRun | null
  }
  /** Every recorded change, oldest first, with a sentence for people and the raw data for tools. */
  timeline: Array<{ id: number; at: string; kind: ActivityKind; actor: CaseFilePerson | null; text: string; data: Record<string, unknown> }>
  evidence: Array<{
    id: number
    kind: EvidenceKind
    ref: string
    label: string
    note: string | null
    occurredAt: string | null
    addedBy: CaseFilePerson | null
    addedAt: string
    /** Where the thing itself lives: the CI run, the commit, the episode page, the link. */
    url: string | null
    run: CaseFileRun | null
    commit: { sha: string; subject: string; author: string; committedAt: string | null } | null
  }>
  /** The red episodes it looks at: its own first, then those attached (as an episode or a suspect). */
  episodes: CaseFileEpisode[]
  /** Per episode, in ranking order: the top ranked, then every other decided or attached suspect. */
  suspects: CaseFileSuspect[]
  notes: Array<{ id: number; url: string; author: CaseFilePerson | null; body: string; createdAt: string; updatedAt: string }>
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString())

export function investigationUrl(id: number) {
  return `${getEnv().APP_URL}/investigations/${id}`
}

function person(id: string | null, name: string | null): CaseFilePerson | null {
  return name === null ? null : { id, name }
}

function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

type RunRow = { id: number; name: string; branch: string | null; sha: string; provider: string; externalId: string; conclusion: string | null; completedAt: number | null; url: string | null }

const presentRun = (row: RunRow): CaseFileRun => ({ ...row, completedAt: iso(row.completedAt), url: safeHttpUrl(row.url) })

/** The whole case file of an investigation, or null when it is missing or deleted. */
export async function buildCaseFile(id: number, now = Date.now()): Promise<CaseFile | null> {
  const view = await getInvestigation(id)
  if (!view) return null
  const db = getDb()
  const appUrl = getEnv().APP_URL
  const selfUrl = investigationUrl(id)

  const runIds = [view.firstRedRunId, view.lastGreenRunId].filter((value): value is number => value !== null)
  const runs = await db.all<RunRow>(sql`
    select id, name, branch, head_sha as sha, provider, external_id as externalId, conclusion, completed_at as completedAt, url
    from ci_runs where id in (select value from json_each(${json(runIds)}))`)
  const runById = new Map(runs.map((run) => [run.id, presentRun(run)]))

  const activityRows = await db.all<{ id: number; kind: ActivityKind; actorId: string | null; actorName: string | null; data: string; createdAt: number }>(sql`
    select a.id, a.kind, a.actor_id as actorId, u.name as actorName, a.data, a.created_at as createdAt
    from activity a left join users u on u.id = a.actor_id
    where a.investigation_id = ${id} order by a.created_at, a.id`)
  const activities = activityRows.map((row) => ({ ...row, data: parseObject(row.data) }))
  const names = await userNames(activities.flatMap((row) => [row.data.from, row.data.to, row.data.userId, row.data.ownerId]))

  const evidenceRows = await db.all<{
    id: number
    kind: EvidenceKind
    ref: string
    repositoryId: string | null
    label: string
    note: string | null
    occurredAt: number | null
    addedById: string | null
    addedByName: string | null
    createdAt: number
    runId: number | null
    runName: string | null
    runBranch: string | null
    runSha: string | null
    runProvider: string | null
    runExternalId: string | null
    runConclusion: string | null
    runCompletedAt: number | null
    runUrl: string | null
    commitSubject: string | null
    commitAuthor: string | null
    commitAt: number | null
    commitUrl: string | null
  }>(sql`
    select ev.id, ev.kind, ev.ref, coalesce(ev.repository_id, i.repository_id) as repositoryId, ev.label, ev.note, ev.occurred_at as occurredAt,
      ev.added_by as addedById, u.name as addedByName, ev.created_at as createdAt,
      r.id as runId, r.name as runName, r.branch as runBranch, r.head_sha as runSha, r.provider as runProvider,
      r.external_id as runExternalId, r.conclusion as runConclusion, r.completed_at as runCompletedAt, r.url as runUrl,
      c.subject as commitSubject, c.author_name as commitAuthor, c.committed_at as commitAt, c.url as commitUrl
    from investigation_evidence ev
    join investigations i on i.id = ev.investigation_id
    left join users u on u.id = ev.added_by
    left join ci_runs r on ev.kind = 'ci_run' and r.id = cast(ev.ref as integer)
    left join commits c on ev.kind = 'commit' and c.repository_id = coalesce(ev.repository_id, i.repository_id) and c.sha = ev.ref
    where ev.investigation_id = ${id}
    order by coalesce(ev.occurred_at, ev.created_at), ev.id`)

  const { episodes, suspects } = await suspectsFor(view, evidenceRows, appUrl)

  const noteRows = await db.all<{ id: number; authorId: string | null; authorName: string | null; body: string; createdAt: number; updatedAt: number }>(sql`
    select n.id, n.author_id as authorId, u.name as authorName, n.body, n.created_at as createdAt, n.updated_at as updatedAt
    from investigation_notes n left join users u on u.id = n.author_id
    where n.investigation_id = ${id} and n.deleted_at is null order by n.created_at, n.id`)

  return {
    format: CASE_FILE_FORMAT,
    version: CASE_FILE_VERSION,
    generatedAt: new Date(now).toISOString(),
    investigation: {
      id: view.id,
      url: selfUrl,
      title: view.title,
      description: view.description,
      status: view.status,
      severity: view.severity,
      kind: view.kind,
      scope: {
        repository: view.repositoryId ? { id: view.repositoryId, name: view.repository } : null,
        branch: view.branch,
        workflow: view.workflow,
        environment: view.environment,
      },
      owner: person(view.ownerId, view.ownerName),
      createdBy: person(view.createdBy, view.createdByName),
      watchers: view.watchers.map((watcher) => ({ id: watcher.id, name: watcher.name })),
      firstSeenAt: iso(view.firstSeenAt),
      lastKnownGoodAt: iso(view.lastKnownGoodAt),
      createdAt: iso(view.createdAt)!,
      updatedAt: iso(view.updatedAt)!,
      episode: view.episodeId === null ? null : { id: view.episodeId, url: `${appUrl}/episodes/${view.episodeId}` },
      firstRedRun: (view.firstRedRunId !== null && runById.get(view.firstRedRunId)) || null,
      lastGreenRun: (view.lastGreenRunId !== null && runById.get(view.lastGreenRunId)) || null,
    },
    timeline: activities.map((row) => {
      // The investigation page's own words, so that the file and the page tell the same story.
      const { text, detail } = describeActivity(row, row.actorName, names)
      return {
        id: row.id,
        at: iso(row.createdAt)!,
        kind: row.kind,
        actor: person(row.actorId, row.actorName),
        text: detail ? `${text} — ${detail}` : text,
        data: row.data,
      }
    }),
    evidence: evidenceRows.map((row) => ({
      id: row.id,
      kind: row.kind,
      ref: row.ref,
      label: row.label,
      note: row.note,
      occurredAt: iso(row.occurredAt),
      addedBy: person(row.addedById, row.addedByName),
      addedAt: iso(row.createdAt)!,
      url: evidenceUrl(row, appUrl),
      run:
        row.runId === null
          ? null
          : presentRun({
              id: row.runId,
              name: row.runName ?? '',
              branch: row.runBranch,
              sha: row.runSha ?? '',
              provider: row.runProvider ?? '',
              externalId: row.runExternalId ?? '',
              conclusion: row.runConclusion,
              completedAt: row.runCompletedAt,
              url: row.runUrl,
            }),
      commit:
        row.commitSubject === null
          ? null
          : { sha: row.ref, subject: row.commitSubject, author: row.commitAuthor ?? '', committedAt: iso(row.commitAt) },
    })),
    episodes,
    suspects,
    notes: noteRows.map((row) => ({
      id: row.id,
      url: `${selfUrl}#note-${row.id}`,
      author: person(row.authorId, row.authorName),
      body: row.body,
      createdAt: iso(row.createdAt)!,
      updatedAt: iso(row.updatedAt)!,
    })),
  }
}

function evidenceUrl(row: { kind: EvidenceKind; ref: string; repositoryId: string | null; runUrl: string | null; commitUrl: string | null }, appUrl: string) {
  switch (row.kind) {
    case 'ci_run':
      return safeHttpUrl(row.runUrl)
    case 'commit':
      return safeHttpUrl(row.commitUrl)
    case 'episode':
      return /^\d+$/.test(row.ref) ? `${appUrl}/episodes/${row.ref}` : null
    case 'suspect': {
      const episodeId = /^(\d+):/.exec(row.ref)?.[1]
      return episodeId ? `${appUrl}/episodes/${episodeId}` : null
    }
    case 'flaky_test':
      return row.repositoryId ? `${appUrl}/flaky-tests?${new URLSearchParams({ repository: row.repositoryId })}` : `${appUrl}/flaky-tests`
    case 'link':
    case 'deploy':
      return safeHttpUrl(row.ref)
    default:
      return null
  }
}

/** The episodes the investigation looks at, and their suspects worth listing, from the linker's tables. */
async function suspectsFor(
  view: InvestigationView,
  evidence: ReadonlyArray<{ kind: EvidenceKind; ref: string }>,
  appUrl: string,
): Promise<{ episodes: CaseFileEpisode[]; suspects: CaseFileSuspect[] }> {
  const attached = new Set(evidence.filter((item) => item.kind === 'suspect').map((item) => item.ref.toLowerCase()))
  const wanted = [
    view.episodeId,
    ...evidence.map((item) =>
      item.kind === 'episode' ? Number(item.ref) : item.kind === 'suspect' ? Number(/^(\d+):/.exec(item.ref)?.[1]) : null,
    ),
  ]
  const episodeIds = [...new Set(wanted.filter((value): value is number => Number.isSafeInteger(value) && value! > 0))].slice(0, MAX_EPISODES)
  if (episodeIds.length === 0) return { episodes: [], suspects: [] }
  const db = getDb()
  const order = (episodeId: number) => episodeIds.indexOf(episodeId)
  const episodeRows = await db.all<{
    id: number
    repositoryId: string
    repository: string
    branch: string
    workflow: string
    status: 'open' | 'closed'
    openedAt: number
    closedAt: number | null
    firstRedSha: string
    lastGreenSha: string | null
    rangeSize: number
  }>(sql`
    select e.id, e.repository_id as repositoryId, r.name as repository, e.branch, e.name as workflow, e.status, e.opened_at as openedAt,
      e.closed_at as closedAt, e.first_red_sha as firstRedSha, e.last_green_sha as lastGreenSha, e.range_size as rangeSize
    from episodes e join repositories r on r.id = e.repository_id
    where e.id in (select value from json_each(${json(episodeIds)}))`)
  episodeRows.sort((a, b) => order(a.id) - order(b.id))

  const rows = await db.all<{
    episodeId: number
    sha: string
    subject: string | null
    authorName: string | null
    authorEmail: string | null
    committedAt: number | null
    url: string | null
    score: number
    reasons: string
    status: DecisionStatus
    decidedById: string | null
    decidedByName: string | null
    decidedAt: number | null
    inRange: number
  }>(sql`
    select s.episode_id as episodeId, s.sha, m.subject, m.author_name as authorName, m.author_email as authorEmail,
      m.committed_at as committedAt, m.url, s.score, s.reasons, s.status, s.decided_by as decidedById, u.name as decidedByName,
      s.decided_at as decidedAt, s.in_range as inRange
    from suspects s join episodes e on e.id = s.episode_id
    left join commits m on m.repository_id = e.repository_id and m.sha = s.sha
    left join users u on u.id = s.decided_by
    left join episode_commits c on c.episode_id = s.episode_id and c.sha = s.sha
    where s.episode_id in (select value from json_each(${json(episodeIds)}))
    order by s.episode_id, s.in_range desc, s.status = 'rejected', s.score desc, c.position`)

  // Ranks as the linker's listSuspects gives them: in the range and not rejected, by score.
  const ranks = new Map<number, number>()
  const suspects: CaseFileSuspect[] = []
  for (const row of rows) {
    const inRange = row.inRange === 1
    const rank = inRange && row.status !== 'rejected' ? (ranks.get(row.episodeId) ?? 0) + 1 : null
    if (rank !== null) ranks.set(row.episodeId, rank)
    const isAttached = attached.has(`${row.episodeId}:${row.sha}`)
    if (!(rank !== null && rank <= SUSPECTS_LISTED) && row.status === 'suggested' && !isAttached) continue
    suspects.push({
      episodeId: row.episodeId,
      episodeUrl: `${appUrl}/episodes/${row.episodeId}`,
      sha: row.sha,
      subject: row.subject,
      author: row.authorName === null ? null : { name: row.authorName, email: row.authorEmail },
      committedAt: iso(row.committedAt),
      url: safeHttpUrl(row.url),
      rank,
      score: row.score,
      reasons: parseReasons(row.reasons),
      status: row.status,
      decidedBy: row.status === 'suggested' ? null : person(row.decidedById, row.decidedByName ?? 'a former user'),
      decidedAt: iso(row.decidedAt),
      inRange,
      attached: isAttached,
    })
  }
  // Stable sort: each episode's suspects keep their ranking order.
  suspects.sort((a, b) => order(a.episodeId) - order(b.episodeId))

  const episodes = episodeRows.map((row) => {
    const ranked = ranks.get(row.id) ?? 0
    return {
      id: row.id,
      url: `${appUrl}/episodes/${row.id}`,
      repository: { id: row.repositoryId, name: row.repository },
      branch: row.branch,
      workflow: row.workflow,
      status: row.status,
      openedAt: iso(row.openedAt)!,
      closedAt: iso(row.closedAt),
      firstRedSha: row.firstRedSha,
      lastGreenSha: row.lastGreenSha,
      rangeSize: row.rangeSize,
      rankedSuspects: ranked,
      rankedListed: Math.min(ranked, SUSPECTS_LISTED),
    }
  })
  return { episodes, suspects: suspects.filter((suspect) => episodes.some((episode) => episode.id === suspect.episodeId)) }
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function parseReasons(text: string): SuspectReason[] {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? (value as SuspectReason[]) : []
  } catch {
    return []
  }
}

async function userNames(ids: unknown[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids.filter((id): id is string => typeof id === 'string'))]
  if (unique.length === 0) return new Map()
  const rows = await getDb().all<{ id: string; name: string }>(
    sql`select id, name from users where id in (select value from json_each(${json(unique)}))`,
  )
  return new Map(rows.map((row) => [row.id, row.name]))
}

const short = (sha: string) => sha.slice(0, 7)
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
const evidenceKindLabel = (kind: EvidenceKind) => capitalized(EVIDENCE_KIND_LABELS[kind] ?? kind)

// ---- Markdown ----------------------------------------------------------------------------------

/**
 * Text that must stay plain text on one line (titles, labels, names, table cells): line breaks become
 * spaces and every character Markdown could read as syntax is backslash-escaped, `|` included, which
 * GFM tables need even inside code.
 */
export function mdText(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/[\\`*_[\]<>#|~]/g, (char) => `\\${char}`)
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&')
}

/** A link destination: http(s) only, with what could end or split it percent-encoded. */
export function mdUrl(url: string): string | null {
  const safe = safeHttpUrl(url)
  return safe && safe.replace(/[\s<>()|\\`"]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

/** `[text](url)`, or the plain text when the URL is not a safe http(s) address. */
export function mdLink(text: string, url: string | null | undefined, { code = false } = {}): string {
  const label = code ? `\`${text.replace(/[`|]/g, '')}\`` : mdText(text)
  const href = url ? mdUrl(url) : null
  return href ? `[${label}](<${href}>)` : label
}

/**
 * Markdown source (a note, the description) quoted as a block: it renders as Markdown, but cannot
 * reach out of the quote (an unclosed fence or a heading stays inside it), and raw HTML is shown as
 * text, as on the investigation page.
 */
export function mdQuote(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n')
  let fence: { char: string; length: number } | null = null
  let previousBlank = true
  let indentedCode = false
  const out: string[] = []
  for (const line of lines) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (fence) {
      if (opener && opener[1][0] === fence.char && opener[1].length >= fence.length && /^ {0,3}[`~]+\s*$/.test(line)) fence = null
      out.push(line)
    } else if (opener) {
      fence = { char: opener[1][0], length: opener[1].length }
      out.push(line)
    } else {
      // An indented code block starts after a blank line and runs while lines stay indented.
      indentedCode = /^( {4}|\t)/.test(line) && line.trim() !== '' && (previousBlank || indentedCode)
      out.push(indentedCode ? line : escapeRawHtml(line))
    }
    previousBlank = line.trim() === ''
  }
  return out.map((line) => (line === '' ? '>' : `> ${line}`)).join('\n')
}

const AUTOLINK = /^<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>]+)>/

/** `<tag>`, `</tag>`, `<!-- -->` and `<?...>` outside code spans become literal text. */
function escapeRawHtml(line: string): string {
  let out = ''
  let index = 0
  while (index < line.length) {
    const char = line[index]
    if (char === '`') {
      const run = /^`+/.exec(line.slice(index))![0]
      const close = line.indexOf(run, index + run.length)
      // A code span only closes on a backtick run of the same length.
      let end = close
      while (end !== -1 && line[end + run.length] === '`') end = line.indexOf(run, end + run.length + 1)
      if (end !== -1) {
        out += line.slice(index, end + run.length)
        index = end + run.length
        continue
      }
      out += run
      index += run.length
      continue
    }
    if (char === '\\') {
      out += line.slice(index, index + 2)
      index += 2
      continue
    }
    if (char === '<') {
      const autolink = AUTOLINK.exec(line.slice(index))
      if (autolink) {
        out += autolink[0]
        index += autolink[0].length
        continue
      }
      if (/^<[A-Za-z!?/]/.test(line.slice(index))) {
        out += '\\<'
        index += 1
        continue
      }
    }
    out += char
    index += 1
  }
  return out
}

const when = (value: string | null) => (value ? `${value.slice(0, 16).replace('T', ' ')} UTC` : '—')

function table(header: string[], rows: string[][], align?: string[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${(align ?? header.map(() => '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map((cell) => cell || ' ').join(' | ')} |`),
  ]
}

const runText = (run: CaseFileRun) => `${run.name}${run.externalId ? ` #${run.externalId}` : ''}${run.conclusion ? ` (${run.conclusion})` : ''}`

/** The case file as a Markdown document. */
export function caseFileMarkdown(file: CaseFile): string {
  const { investigation: inv } = file
  const lines: string[] = []
  const push = (...more: string[]) => lines.push(...more)
  const name = (who: CaseFilePerson | null) => (who ? mdText(who.name) : '—')

  push(`# Investigation #${inv.id}: ${mdText(inv.title)}`, '', `Permalink: <${mdUrl(inv.url) ?? inv.url}>`, '')
  push(
    ...table(
      ['Field', 'Value'],
      [
        ['Status', STATUS_LABELS[inv.status]],
        ['Severity', SEVERITY_SHORT[inv.severity]],
        ['Kind', KIND_LABELS[inv.kind]],
        ['Repository', inv.scope.repository ? mdText(inv.scope.repository.name ?? inv.scope.repository.id) : '—'],
        ['Branch', inv.scope.branch ? mdText(inv.scope.branch) : '—'],
        ['Workflow', inv.scope.workflow ? mdText(inv.scope.workflow) : '—'],
        ['Environment', inv.scope.environment ? mdText(inv.scope.environment) : '—'],
        ['Owner', name(inv.owner)],
        ['Watchers', inv.watchers.length ? inv.watchers.map((watcher) => mdText(watcher.name)).join(', ') : '—'],
        ['First seen', when(inv.firstSeenAt)],
        ['Last known good', when(inv.lastKnownGoodAt)],
        ['Opened', `${when(inv.createdAt)}${inv.createdBy ? ` by ${name(inv.createdBy)}` : ''}`],
        ['Last updated', when(inv.updatedAt)],
        ['Red episode', inv.episode ? mdLink(`#${inv.episode.id}`, inv.episode.url) : '—'],
        ['First red run', inv.firstRedRun ? mdLink(runText(inv.firstRedRun), inv.firstRedRun.url) : '—'],
        ['Last green run', inv.lastGreenRun ? mdLink(runText(inv.lastGreenRun), inv.lastGreenRun.url) : '—'],
      ],
    ),
    '',
  )

  push('## Description', '', inv.description.trim() ? mdQuote(inv.description) : '_No description._', '')

  push('## Suspects', '')
  if (file.episodes.length === 0) push('_No red episode is linked to this investigation._', '')
  for (const episode of file.episodes) {
    push(
      `### Episode ${mdLink(`#${episode.id}`, episode.url)}: ${mdText(episode.workflow)} on ${mdText(episode.branch)} in ${mdText(episode.repository.name)}`,
      '',
      `Red since ${when(episode.openedAt)}${episode.closedAt ? `, green again since ${when(episode.closedAt)}` : ''}. ` +
        `Suspect range: ${episode.rangeSize} ${episode.rangeSize === 1 ? 'commit' : 'commits'}` +
        `${episode.lastGreenSha ? ` after the last green \`${short(episode.lastGreenSha)}\`` : ''}, up to the first red \`${short(episode.firstRedSha)}\`.`,
      '',
    )
    const listed = file.suspects.filter((suspect) => suspect.episodeId === episode.id)
    if (listed.length === 0) push('_No suspects._', '')
    for (const suspect of listed) {
      const title = suspect.subject ? ` ${mdText(suspect.subject)}` : ''
      const rank = suspect.rank === null ? '' : `${suspect.rank}. `
      push(`#### ${rank}${mdLink(short(suspect.sha), suspect.url, { code: true })}${title}`, '')
      push(`- Commit: \`${suspect.sha}\`${suspect.author ? ` by ${mdText(suspect.author.name)}` : ''}${suspect.committedAt ? `, ${when(suspect.committedAt)}` : ''}`)
      push(`- Score: ${formatScore(suspect.score)}${suspect.rank === null ? ' (not ranked)' : `, rank ${suspect.rank}`}${suspect.inRange ? '' : '; no longer in the range'}`)
      push(`- Decision: ${decisionText(suspect)}`)
      if (suspect.attached) push('- Attached to this investigation as evidence')
      if (suspect.reasons.length) {
        push('- Reasons:')
        for (const reason of suspect.reasons) push(`  - ${mdText(reason.text)} (${reason.points >= 0 ? '+' : ''}${formatScore(reason.points)})`)
      } else {
        push('- Reasons: none recorded')
      }
      push('')
    }
    const more = episode.rankedSuspects - episode.rankedListed
    if (more > 0) push(`${more} more ranked ${more === 1 ? 'suspect is' : 'suspects are'} on the ${mdLink('episode page', episode.url)}.`, '')
  }

  push('## Evidence', '')
  if (file.evidence.length === 0) push('_No evidence attached._', '')
  else {
    push(
      ...table(
        ['Kind', 'What', 'When', 'Added by', 'Note'],
        file.evidence.map((item) => [
          evidenceKindLabel(item.kind),
          mdLink(item.label || item.ref, item.url),
          when(item.occurredAt),
          `${name(item.addedBy)}, ${when(item.addedAt)}`,
          item.note ? mdText(item.note) : '',
        ]),
      ),
      '',
    )
  }

  push('## Timeline', '')
  if (file.timeline.length === 0) push('_Nothing recorded yet._')
  for (const entry of file.timeline) push(`- ${when(entry.at)} — ${mdText(entry.text)}`)
  push('')

  push('## Notes', '')
  if (file.notes.length === 0) push('_No notes._', '')
  for (const note of file.notes) {
    push(`### Note ${note.id} by ${name(note.author)}, ${when(note.createdAt)}`, '', `Permalink: <${mdUrl(note.url) ?? note.url}>`, '', mdQuote(note.body), '')
  }

  push('---', '', `Exported from Inquest on ${when(file.generatedAt)} (${CASE_FILE_FORMAT} version ${file.version}).`, '')
  return lines.join('\n')
}

function decisionText(suspect: CaseFileSuspect): string {
  if (suspect.status === 'suggested') return 'not decided yet'
  const by = suspect.decidedBy ? ` by ${mdText(suspect.decidedBy.name)}` : ''
  return `**${suspect.status}**${by}${suspect.decidedAt ? ` on ${when(suspect.decidedAt)}` : ''}`
}

const formatScore = (value: number) => String(Math.round(value * 100) / 100)

/** The case file in a format, with what an HTTP answer needs; null when the investigation is missing or deleted. */
export async function exportInvestigation(id: number, format: ExportFormat) {
  const file = await buildCaseFile(id)
  if (!file) return null
  const body = format === 'json' ? `${JSON.stringify(file, null, 2)}\n` : caseFileMarkdown(file)
  return {
    body,
    contentType: format === 'json' ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8',
    filename: `investigation-${id}.${format}`,
  }
}

/** The headers of a case file download. */
export function exportHeaders(file: { contentType: string; filename: string }): Record<string, string> {
  return {
    'Content-Type': file.contentType,
    'Content-Disposition': `attachment; filename="${file.filename}"`,
    'Cache-Control': 'no-store',
  }
}

export function parseExportFormat(value: string | null, fallback: ExportFormat): ExportFormat | null {
  if (value === null || value === '') return fallback
  return (EXPORT_FORMATS as readonly string[]).includes(value) ? (value as ExportFormat) : null
}
