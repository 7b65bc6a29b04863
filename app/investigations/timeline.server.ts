// An investigation's timeline: every activity row (worded for people: "Ada moved this to identified")
// and every attached piece of evidence that has a time (commits, run completions, deploys...), in
// time order, optionally only one kind. Notes come with their Markdown rendered safely.
import { sql } from 'drizzle-orm'
import type { ActivityKind, EvidenceKind, InvestigationStatus, Severity } from '../../db/schema/investigations'
import { getDb } from '../db.server'
import { json } from '../linker/sql.server'
import { listNotes } from './notes.server'
import { EVIDENCE_KIND_LABELS, SEVERITY_SHORT, type TimelineCategory, type TimelineFilter } from './page-schema'
import { STATUS_LABELS } from './status'

export interface TimelineEntry {
  key: string
  at: number
  category: TimelineCategory
  /** Who did it; null for evidence events and for the linker. */
  actorName: string | null
  /** One sentence for people. */
  text: string
  /** A second line: a note's excerpt, a run's conclusion, a commit's subject. */
  detail: string | null
  href: string | null
  /** A note's body, rendered to safe HTML. */
  html: string | null
}

// The longest timeline the page shows; the oldest entries past it are left off.
export const TIMELINE_LIMIT = 1000

const ACTIVITY_CATEGORY: Record<ActivityKind, TimelineCategory | null> = {
  created: 'changes',
  status_changed: 'changes',
  severity_changed: 'changes',
  owner_changed: 'changes',
  details_changed: 'changes',
  watcher_added: 'changes',
  watcher_removed: 'changes',
  note_added: 'notes',
  evidence_added: 'evidence',
  evidence_removed: 'evidence',
  suspect_accepted: 'suspects',
  suspect_rejected: 'suspects',
  suspect_found: 'suspects',
  // The page of a deleted investigation is gone: nobody reads this row there.
  deleted: null,
}

const EVIDENCE_CATEGORY: Record<EvidenceKind, TimelineCategory> = {
  commit: 'commits',
  suspect: 'commits',
  ci_run: 'runs',
  episode: 'runs',
  test: 'tests',
  flaky_test: 'tests',
  deploy: 'deploys',
  link: 'links',
}

const kindsIn = <K extends string>(table: Record<K, TimelineCategory | null>, filter: TimelineFilter): K[] =>
  (Object.keys(table) as K[]).filter((kind) => table[kind] !== null && (filter === 'all' || table[kind] === filter))

const FIELD_WORDS: Record<string, string> = {
  title: 'the title',
  description: 'the description',
  kind: 'the kind',
  branch: 'the branch',
  workflow: 'the workflow',
  environment: 'the environment',
  firstSeenAt: 'when it was first seen',
  lastKnownGoodAt: 'when it was last known good',
}

function listWords(words: string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

const statusWord = (status: unknown) => (STATUS_LABELS[status as InvestigationStatus] ?? String(status)).toLowerCase()
const severityWord = (severity: unknown) => SEVERITY_SHORT[severity as Severity] ?? String(severity)
const shortSha = (sha: unknown) => String(sha ?? '').slice(0, 10)

export interface ActivityLike {
  kind: ActivityKind
  actorId: string | null
  data: Record<string, unknown>
}

/**
 * One activity as a sentence. `names` maps user ids to names (for owners and watchers); `actorName`
 * null means the system (the linker) or a person no longer here.
 */
export function describeActivity(
  activity: ActivityLike,
  actorName: string | null,
  names: ReadonlyMap<string, string>,
): { text: string; detail: string | null } {
  const who = actorName ?? (activity.actorId === null ? 'Inquest' : 'Someone')
  const data = activity.data
  const person = (id: unknown) => (typeof id === 'string' ? (names.get(id) ?? 'someone') : 'nobody')
  switch (activity.kind) {
    case 'created':
      return { text: `${who} opened this investigation`, detail: typeof data.title === 'string' ? data.title : null }
    case 'status_changed':
      return { text: `${who} moved this to ${statusWord(data.to)}`, detail: `from ${statusWord(data.from)}` }
    case 'severity_changed':
      return {
        text: `${who} changed the severity to ${severityWord(data.to)}`,
        detail: `from ${severityWord(data.from)}`,
      }
    case 'owner_changed': {
      if (data.to === null || data.to === undefined)
        return { text: `${who} removed ${person(data.from)} as the owner`, detail: null }
      if (data.to === activity.actorId)
        return { text: `${who} took ownership`, detail: data.from ? `from ${person(data.from)}` : null }
      return {
        text: `${who} made ${person(data.to)} the owner`,
        detail: data.from ? `from ${person(data.from)}` : null,
      }
    }
    case 'details_changed': {
      const fields = Array.isArray(data.fields)
        ? data.fields.map((field) => FIELD_WORDS[String(field)] ?? String(field))
        : []
      return { text: `${who} edited ${fields.length ? listWords(fields) : 'the details'}`, detail: null }
    }
    case 'watcher_added':
      return data.userId === activity.actorId
        ? { text: `${who} started watching`, detail: null }
        : { text: `${who} added ${person(data.userId)} to the watchers`, detail: null }
    case 'watcher_removed':
      return data.userId === activity.actorId
        ? { text: `${who} stopped watching`, detail: null }
        : { text: `${who} removed ${person(data.userId)} from the watchers`, detail: null }
    case 'note_added':
      return { text: `${who} added a note`, detail: typeof data.excerpt === 'string' ? data.excerpt : null }
    case 'evidence_added':
      return {
        text: `${who} attached a ${EVIDENCE_KIND_LABELS[data.kind as EvidenceKind] ?? 'piece of evidence'}`,
        detail: String(data.label ?? '') || null,
      }
    case 'evidence_removed':
      return {
        text: `${who} removed a ${EVIDENCE_KIND_LABELS[data.kind as EvidenceKind] ?? 'piece of evidence'}`,
        detail: String(data.label ?? '') || null,
      }
    case 'suspect_accepted':
      return { text: `${who} accepted ${shortSha(data.sha)} as the cause`, detail: String(data.label ?? '') || null }
    case 'suspect_rejected':
      return { text: `${who} ruled out ${shortSha(data.sha)}`, detail: String(data.label ?? '') || null }
    case 'suspect_found':
      return {
        text: `${actorName ?? 'The linker'} found a new suspect: ${shortSha(data.sha)}`,
        detail: String(data.label ?? '') || null,
      }
    case 'deleted':
      return { text: `${who} deleted this investigation`, detail: null }
  }
}

function describeEvent(kind: EvidenceKind, label: string, conclusion: string | null): string {
  switch (kind) {
    case 'commit':
      return `Commit: ${label}`
    case 'suspect':
      return `Suspect commit: ${label}`
    case 'ci_run':
      return `CI run ${conclusion ? `finished (${conclusion})` : 'finished'}: ${label}`
    case 'episode':
      return `Went red: ${label}`
    case 'test':
      return `Test: ${label}`
    case 'flaky_test':
      return `Flaky test: ${label}`
    case 'deploy':
      return `Deployed: ${label}`
    case 'link':
      return `Link: ${label}`
  }
}

/** The timeline, oldest first. */
export async function getTimeline(
  investigationId: number,
  filter: TimelineFilter = 'all',
): Promise<{ entries: TimelineEntry[]; truncated: boolean }> {
  const db = getDb()
  const activityKinds = kindsIn(ACTIVITY_CATEGORY, filter)
  const evidenceKinds = kindsIn(EVIDENCE_CATEGORY, filter)
  const [activities, events] = await Promise.all([
    activityKinds.length
      ? db.all<{
          id: number
          kind: ActivityKind
          actorId: string | null
          actorName: string | null
          data: string
          createdAt: number
        }>(sql`
          select a.id, a.kind, a.actor_id as actorId, u.name as actorName, a.data, a.created_at as createdAt
          from activity a left join users u on u.id = a.actor_id
          where a.investigation_id = ${investigationId} and a.kind in (select value from json_each(${json(activityKinds)}))
          order by a.created_at desc, a.id desc limit ${TIMELINE_LIMIT + 1}`)
      : [],
    evidenceKinds.length
      ? db.all<{
          id: number
          kind: EvidenceKind
          ref: string
          label: string
          occurredAt: number
          url: string | null
          conclusion: string | null
        }>(sql`
          select e.id, e.kind, e.ref, e.label, e.occurred_at as occurredAt, r.conclusion,
            case e.kind when 'ci_run' then r.url when 'commit' then c.url when 'link' then e.ref when 'deploy' then e.ref end as url
          from investigation_evidence e
          join investigations i on i.id = e.investigation_id
          left join ci_runs r on e.kind = 'ci_run' and r.id = cast(e.ref as integer)
          left join commits c on e.kind = 'commit' and c.repository_id = coalesce(e.repository_id, i.repository_id) and c.sha = e.ref
          where e.investigation_id = ${investigationId} and e.occurred_at is not null
            and e.kind in (select value from json_each(${json(evidenceKinds)}))
          order by e.occurred_at desc, e.id desc limit ${TIMELINE_LIMIT + 1}`)
      : [],
  ])

  const parsed = activities.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }))
  const names = await namesOf(parsed.flatMap((row) => [row.data.from, row.data.to, row.data.userId]))
  const notes = parsed.some((row) => row.kind === 'note_added')
    ? new Map((await listNotes(investigationId)).map((note) => [note.id, note]))
    : new Map()

  const entries: TimelineEntry[] = [
    ...events.map((event) => ({
      key: `evidence-${event.id}`,
      at: event.occurredAt,
      category: EVIDENCE_CATEGORY[event.kind],
      actorName: null,
      text: describeEvent(event.kind, event.label, event.conclusion),
      detail: event.kind === 'commit' || event.kind === 'suspect' ? shortSha(event.ref.split(':').pop()) : null,
      href: event.url && /^https?:\/\//i.test(event.url) ? event.url : null,
      html: null,
    })),
    ...parsed.map((row) => {
      const { text, detail } = describeActivity(row, row.actorName, names)
      const note = row.kind === 'note_added' ? notes.get(Number(row.data.noteId)) : undefined
      return {
        key: `activity-${row.id}`,
        at: row.createdAt,
        category: ACTIVITY_CATEGORY[row.kind]!,
        actorName: row.actorName,
        text,
        detail: note ? null : detail,
        href: null,
        html: note?.html ?? null,
      }
    }),
  ]
  // Oldest first; at the same moment, what happened (evidence) before what people did about it.
  entries.sort(
    (a, b) =>
      a.at - b.at ||
      Number(a.key.startsWith('activity')) - Number(b.key.startsWith('activity')) ||
      idOf(a.key) - idOf(b.key),
  )
  const truncated = entries.length > TIMELINE_LIMIT
  return { entries: truncated ? entries.slice(entries.length - TIMELINE_LIMIT) : entries, truncated }
}

const idOf = (key: string) => Number(key.slice(key.lastIndexOf('-') + 1))

async function namesOf(ids: unknown[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))]
  if (wanted.length === 0) return new Map()
  const rows = await getDb().all<{ id: string; name: string }>(
    sql`select id, name from users where id in (select value from json_each(${json(wanted)}))`,
  )
  return new Map(rows.map((row) => [row.id, row.name]))
}
