// The home page of a logged-in person: their open investigations, branches red now, the newest flaky
// tests and what happened lately on what they watch: one statement for the usual reader (see getDashboard).
import { sql } from 'drizzle-orm'
import type { ActivityKind, InvestigationStatus, Severity } from '../../db/schema/investigations'
import { getDb } from '../db.server'
import { STATUS_LABELS } from '../investigations/status'
import { firstRow } from '../linker/sql.server'

const MY_OPEN_LIMIT = 10
const RED_LIMIT = 10
const FLAKY_LIMIT = 8
const ACTIVITY_LIMIT = 10

export interface MyInvestigation {
  id: number
  title: string
  status: InvestigationStatus
  severity: Severity
  repository: string | null
  branch: string | null
  ownerName: string | null
  /** True when I own it; otherwise I watch it. */
  mine: boolean
  updatedAt: number
}

export interface RedBranch {
  episodeId: number
  repositoryId: string
  repository: string
  branch: string
  workflow: string
  /** When the branch went red: the episode's first red. */
  redSince: number
  firstRedSha: string
  firstRedSubject: string | null
  /** Suspects still in the range and not rejected. */
  suspects: number
  /** The newest investigation already opened for this episode, if any. */
  investigationId: number | null
}

export interface RecentFlakyTest {
  id: number
  repositoryId: string
  repository: string
  scope: string
  name: string
  lastFlakyAt: number
}

export interface ActivityLine {
  id: number
  at: number
  investigationId: number
  title: string
  /** The sentence around the investigation's title: `${before} <title>${after}`. */
  before: string
  after: string
}

export interface Dashboard {
  myOpen: MyInvestigation[]
  redBranches: RedBranch[]
  /** How many branches are red now (the list shows the newest few). */
  redCount: number
  flakyTests: RecentFlakyTest[]
  activity: ActivityLine[]
}

// "Mine": I own it or watch it. Two ways to find the newest of mine, and neither wins alone:
// - walk the newest investigations (the partial index on updated_at) and keep mine: cheap for someone
//   who follows a lot (the usual team member), but a walk of the whole table for someone who follows
//   little;
// - collect what I own and watch (owner and watcher indexes), then sort: cheap when that is little.
// So someone who follows little collects; anyone else walks, but no further than the newest
// RECENT_WINDOW investigations, and collects only when that window held too few of theirs.
const RECENT_WINDOW = 400
const FEW_FOLLOWED = 150

type Source = 'window' | 'all'

/** Ids of my newest investigations (open ones only when `openOnly`), newest updated first. */
function newestMine(userId: string, source: Source, openOnly: boolean, limit: number) {
  if (source === 'window') {
    // The window is a co-routine that yields in updated order; the walk stops at the `limit`-th of mine.
    return sql`select recent.id from (
        select id, owner_id from investigations where deleted_at is null ${openOnly ? sql`and status not in ('resolved', 'closed')` : sql``}
        order by updated_at desc, id desc limit ${RECENT_WINDOW}) recent
      where recent.owner_id = ${userId}
        or exists (select 1 from investigation_watchers w where w.investigation_id = recent.id and w.user_id = ${userId})
      limit ${limit}`
  }
  return sql`select i.id from (
      select id from investigations where owner_id = ${userId}
      union select investigation_id from investigation_watchers where user_id = ${userId}) mine
    join investigations i on i.id = mine.id
    where i.deleted_at is null ${openOnly ? sql`and i.status not in ('resolved', 'closed')` : sql``}
    order by i.updated_at desc, i.id desc limit ${limit}`
}

/** My open investigations, as a JSON array built by SQLite. */
function myOpenJson(userId: string, source: Source) {
  return sql`select json_group_array(json_object('id', i.id, 'title', i.title, 'status', i.status, 'severity', i.severity,
      'repository', r.name, 'branch', i.branch, 'ownerName', o.name, 'mine', coalesce(i.owner_id = ${userId}, 0),
      'updatedAt', i.updated_at) order by i.updated_at desc, i.id desc)
    from investigations i
    left join repositories r on r.id = i.repository_id
    left join users o on o.id = i.owner_id
    where i.id in (${newestMine(userId, source, true, MY_OPEN_LIMIT)})`
}

// Every change writes an activity row and moves the investigation's updated_at to its time, so the
// newest activity on what I follow sits on the few of my investigations updated last: at most
// ACTIVITY_LIMIT of them matter (`picked`), and their activity comes through activity_investigation_idx.
const picked = (userId: string, source: Source) =>
  sql`picked(id) as materialized (${newestMine(userId, source, false, ACTIVITY_LIMIT)})`

/** The newest activity on the `picked` investigations, as a JSON array built by SQLite. */
const activityJson = sql`select json_group_array(json_object('id', id, 'investigationId', investigationId, 'title', title,
      'actorId', actorId, 'actorName', actorName, 'kind', kind, 'data', data, 'createdAt', createdAt,
      'subjectId', subjectId, 'subjectName', subjectName) order by createdAt desc, id desc)
    from (select a.id, a.investigation_id as investigationId, i.title, a.actor_id as actorId, u.name as actorName, a.kind, a.data,
        a.created_at as createdAt, m.id as subjectId, m.name as subjectName
      from picked
      join investigations i on i.id = picked.id
      join activity a on a.investigation_id = picked.id
      left join users u on u.id = a.actor_id
      -- The person the change names: a new owner, an added or removed watcher.
      left join users m on m.id = case a.kind when 'owner_changed' then a.data ->> 'to'
        when 'watcher_added' then a.data ->> 'userId' when 'watcher_removed' then a.data ->> 'userId' end
      order by a.created_at desc, a.id desc
      limit ${ACTIVITY_LIMIT})`

interface ActivityRow {
  id: number
  investigationId: number
  title: string
  actorId: string | null
  actorName: string | null
  kind: ActivityKind
  data: string
  createdAt: number
  subjectId: string | null
  subjectName: string | null
}

const parseArray = <T>(text: string | null | undefined): T[] => (text ? (JSON.parse(text) as T[]) : [])

// Each statement costs a parse and a plan (the client keeps no prepared statements), so the whole
// page is one statement for the usual reader: the sections come back as JSON built by SQLite, and
// the walks over the newest investigations run only (CASE) when the reader follows enough to walk.
// A second statement collects what a reader follows when they follow little, or when the window
// held too few of theirs.
export async function getDashboard(userId: string): Promise<Dashboard> {
  const walk = sql`(select n from follows) >= ${FEW_FOLLOWED}`
  const row = await firstRow<{
    redCount: number
    red: string
    flaky: string
    myOpen: string | null
    activity: string | null
    picked: number | null
  }>(
    getDb(),
    // Counting stops at FEW_FOLLOWED: past it, the exact number does not matter.
    sql`with follows(n) as (select (select count(*) from (select 1 from investigations where owner_id = ${userId} limit ${FEW_FOLLOWED}))
        + (select count(*) from (select 1 from investigation_watchers where user_id = ${userId} limit ${FEW_FOLLOWED}))),
      ${picked(userId, 'window')}
    select (select count(*) from episodes where status = 'open' and likely_flaky = 0) as redCount,
      (select json_group_array(json_object('episodeId', e.id, 'repositoryId', e.repository_id, 'repository', p.name, 'branch', e.branch,
          'workflow', e.name, 'redSince', e.opened_at, 'firstRedSha', e.first_red_sha, 'firstRedSubject', c.subject,
          'suspects', (select count(*) from suspects s where s.episode_id = e.id and s.in_range = 1 and s.status != 'rejected'),
          'investigationId', (select i.id from investigations i where i.episode_id = e.id and i.deleted_at is null
            order by i.updated_at desc limit 1)) order by e.opened_at desc, e.id desc)
        from (select * from episodes where status = 'open' and likely_flaky = 0 order by opened_at desc, id desc limit ${RED_LIMIT}) e
        join repositories p on p.id = e.repository_id
        left join commits c on c.repository_id = e.repository_id and c.sha = e.first_red_sha) as red,
      (select json_group_array(json_object('id', f.id, 'repositoryId', f.repository_id, 'repository', p.name, 'scope', f.scope,
          'name', f.name, 'lastFlakyAt', f.last_flaky_at) order by f.last_flaky_at desc, f.id desc)
        from (select * from flaky_tests order by last_flaky_at desc, id desc limit ${FLAKY_LIMIT}) f
        join repositories p on p.id = f.repository_id) as flaky,
      case when ${walk} then (${myOpenJson(userId, 'window')}) end as myOpen,
      case when ${walk} then (select count(*) from picked) end as picked,
      case when ${walk} then (${activityJson}) end as activity`,
  )
  let myOpen = parseArray<Omit<MyInvestigation, 'mine'> & { mine: number }>(row?.myOpen)
  let activity = parseArray<ActivityRow>(row?.activity)
  const collectOpen = myOpen.length < MY_OPEN_LIMIT
  const collectActivity = (row?.picked ?? 0) < ACTIVITY_LIMIT
  if (collectOpen || collectActivity) {
    const collected = await firstRow<{ myOpen: string | null; activity: string | null }>(
      getDb(),
      sql`with ${picked(userId, 'all')}
        select ${collectOpen ? sql`(${myOpenJson(userId, 'all')})` : sql`null`} as myOpen,
          ${collectActivity ? sql`(${activityJson})` : sql`null`} as activity`,
    )
    if (collectOpen) myOpen = parseArray(collected?.myOpen)
    if (collectActivity) activity = parseArray(collected?.activity)
  }
  return {
    myOpen: myOpen.map((item) => ({ ...item, mine: item.mine === 1 })),
    redBranches: parseArray<RedBranch>(row?.red),
    redCount: row?.redCount ?? 0,
    flakyTests: parseArray<RecentFlakyTest>(row?.flaky),
    activity: describeAll(activity, userId),
  }
}

function describeAll(rows: ActivityRow[], userId: string): ActivityLine[] {
  const names = new Map<string, string>()
  for (const row of rows) if (row.subjectId && row.subjectName) names.set(row.subjectId, row.subjectName)
  return rows.map((row) => ({
    id: row.id,
    at: row.createdAt,
    investigationId: row.investigationId,
    title: row.title,
    ...describeActivity(
      { kind: row.kind, data: parseData(row.data), actorId: row.actorId, actorName: row.actorName },
      userId,
      names,
    ),
  }))
}

function parseData(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

const FIELD_WORDS: Record<string, string> = {
  firstSeenAt: 'first seen',
  lastKnownGoodAt: 'last known good',
  ownerId: 'owner',
}

const str = (value: unknown) => (typeof value === 'string' ? value : '')
const statusLabel = (value: unknown) => STATUS_LABELS[value as InvestigationStatus] ?? str(value)
const quoted = (value: unknown) => {
  const text = str(value).replace(/\s+/g, ' ').trim()
  return text ? `: “${text.length > 140 ? `${text.slice(0, 139)}…` : text}”` : ''
}

/**
 * One activity row as a sentence around the investigation's title, from the reader's point of view
 * ("You" for their own changes; "Inquest" for the linker's).
 */
export function describeActivity(
  row: { kind: ActivityKind; data: Record<string, unknown>; actorId: string | null; actorName: string | null },
  readerId: string,
  names: ReadonlyMap<string, string> = new Map(),
): { before: string; after: string } {
  const actor = row.actorId === null ? 'Inquest' : row.actorId === readerId ? 'You' : (row.actorName ?? 'Someone')
  const person = (value: unknown) => {
    const id = str(value)
    if (!id) return 'nobody'
    return id === readerId ? 'you' : (names.get(id) ?? 'someone')
  }
  const { data } = row
  switch (row.kind) {
    case 'created':
      return { before: `${actor} opened`, after: '' }
    case 'status_changed':
      return data.from && data.to
        ? { before: `${actor} moved`, after: ` from ${statusLabel(data.from)} to ${statusLabel(data.to)}` }
        : { before: `${actor} changed the status of`, after: '' }
    case 'severity_changed':
      return data.from && data.to
        ? { before: `${actor} changed the severity of`, after: ` from ${str(data.from)} to ${str(data.to)}` }
        : { before: `${actor} changed the severity of`, after: '' }
    case 'owner_changed':
      return data.to
        ? { before: `${actor} assigned`, after: ` to ${person(data.to)}` }
        : { before: `${actor} removed the owner of`, after: '' }
    case 'details_changed': {
      const fields = Array.isArray(data.fields)
        ? data.fields.filter((field): field is string => typeof field === 'string')
        : []
      const words = fields.map((field) => FIELD_WORDS[field] ?? field)
      return { before: `${actor} edited`, after: words.length ? ` (${words.join(', ')})` : '' }
    }
    case 'watcher_added':
      return data.userId === row.actorId
        ? { before: `${actor} started watching`, after: '' }
        : { before: `${actor} added ${person(data.userId)} as a watcher of`, after: '' }
    case 'watcher_removed':
      return data.userId === row.actorId
        ? { before: `${actor} stopped watching`, after: '' }
        : { before: `${actor} removed ${person(data.userId)} from the watchers of`, after: '' }
    case 'note_added':
      return { before: `${actor} commented on`, after: quoted(data.excerpt) }
    case 'evidence_added':
      return { before: `${actor} added evidence to`, after: quoted(data.label) }
    case 'evidence_removed':
      return { before: `${actor} removed evidence from`, after: quoted(data.label) }
    case 'suspect_accepted':
      return { before: `${actor} accepted a suspect on`, after: quoted(data.label) }
    case 'suspect_rejected':
      return { before: `${actor} rejected a suspect on`, after: quoted(data.label) }
    case 'suspect_found':
      return {
        before: `${row.actorId === null ? 'The linker' : actor} found a new suspect for`,
        after: quoted(data.label),
      }
    case 'deleted':
      return { before: `${actor} deleted`, after: '' }
    default:
      return { before: `${actor} changed`, after: '' }
  }
}
