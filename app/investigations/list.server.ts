// The investigation list: filters, full-text search (FTS5 over titles, descriptions and notes) and
// keyset pagination on (updated_at desc, id desc). Soft-deleted investigations never show.
import { sql, type SQL } from 'drizzle-orm'
import {
  INVESTIGATION_STATUSES,
  SEVERITIES,
  type InvestigationKind,
  type InvestigationStatus,
  type Severity,
} from '../../db/schema/investigations'
import { getDb } from '../db.server'
import { firstRow } from '../linker/sql.server'

export const LIST_PAGE_SIZE = 50
export const LIST_MAX_PAGE_SIZE = 100
// More words than this add little to a search and cost one FTS lookup each.
const MAX_SEARCH_TERMS = 8
const MAX_TERM_LENGTH = 64

export interface InvestigationFilter {
  /** Words to find in titles, descriptions or notes; every word must appear somewhere (prefix match). */
  q?: string | null
  status?: InvestigationStatus[]
  repositoryId?: string | null
  /** "Mine" is ownerId = the current user. */
  ownerId?: string | null
  severity?: Severity[]
  /** The opaque `nextCursor` of the previous page. An unreadable cursor starts from the first page. */
  cursor?: string | null
  limit?: number
}

export interface InvestigationListItem {
  id: number
  title: string
  kind: InvestigationKind
  status: InvestigationStatus
  severity: Severity
  repositoryId: string | null
  repository: string | null
  branch: string | null
  ownerId: string | null
  ownerName: string | null
  createdAt: number
  updatedAt: number
}

export interface InvestigationPage {
  items: InvestigationListItem[]
  nextCursor: string | null
}

interface Cursor {
  updatedAt: number
  id: number
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.updatedAt}.${cursor.id}`, 'utf8').toString('base64url')
}

/** The position a cursor names, or null when it is not one of ours. */
export function decodeCursor(value: string | null | undefined): Cursor | null {
  if (!value || value.length > 64) return null
  const match = /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(value, 'base64url').toString('utf8'))
  if (!match) return null
  const updatedAt = Number(match[1])
  const id = Number(match[2])
  return Number.isSafeInteger(updatedAt) && Number.isSafeInteger(id) ? { updatedAt, id } : null
}

/**
 * Turns what a person typed into FTS5 terms: each word becomes a quoted prefix term ("word"*), so no
 * quote, operator (AND, OR, NOT, NEAR), column filter or parenthesis in the input means anything to
 * FTS5. Chunks without a letter or digit are dropped: the tokenizer would find nothing in them.
 */
export function searchTerms(q: string | null | undefined): string[] {
  if (!q) return []
  const terms: string[] = []
  for (const chunk of q.normalize('NFC').split(/\s+/u)) {
    if (!/[\p{L}\p{N}]/u.test(chunk)) continue
    const word = [...chunk].slice(0, MAX_TERM_LENGTH).join('')
    const term = `"${word.replaceAll('"', '""')}"*`
    if (!terms.includes(term)) terms.push(term)
    if (terms.length === MAX_SEARCH_TERMS) break
  }
  return terms
}

/** A page of investigations, newest updated first. */
export async function listInvestigations(filter: InvestigationFilter = {}): Promise<InvestigationPage> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? LIST_PAGE_SIZE), 1), LIST_MAX_PAGE_SIZE)
  // `deleted_at is null` first and literal: it lets SQLite use the partial index on (updated_at, id).
  const where: SQL[] = [sql`i.deleted_at is null`]
  // Which index walks the list in updated_at order: the owner's (a person owns few), else the
  // repository's, else one status's, else the partial index of all. SQLite has no statistics here
  // (nothing runs ANALYZE), so a unary + keeps it off the others: with several statuses, the status
  // index would read every investigation in them and sort, instead of stopping at the page's end.
  const statuses = (filter.status ?? []).filter((status) => INVESTIGATION_STATUSES.includes(status))
  const ownerId = filter.ownerId || null
  const repositoryId = filter.repositoryId || null
  if (ownerId) where.push(sql`i.owner_id = ${ownerId}`)
  if (repositoryId)
    where.push(ownerId ? sql`+i.repository_id = ${repositoryId}` : sql`i.repository_id = ${repositoryId}`)
  if (statuses.length) {
    const byStatusIndex = statuses.length === 1 && !ownerId && !repositoryId
    const list = sql.join(
      statuses.map((status) => sql`${status}`),
      sql`, `,
    )
    where.push(byStatusIndex ? sql`i.status in (${list})` : sql`+i.status in (${list})`)
  }
  const severities = (filter.severity ?? []).filter((severity) => SEVERITIES.includes(severity))
  if (severities.length)
    where.push(
      sql`i.severity in (${sql.join(
        severities.map((severity) => sql`${severity}`),
        sql`, `,
      )})`,
    )
  // One FTS row per investigation holds its title, description and notes (migration 0007), so one
  // MATCH finds those with every word somewhere, and the rowid (id * 2) names the investigation.
  // The unary + keeps SQLite from driving the query by the hits (a lookup and a sort of every hit):
  // it walks the updated_at index instead and stops at the page's last row.
  const terms = searchTerms(filter.q)
  if (terms.length) {
    where.push(
      sql`+i.id in (select rowid >> 1 from investigations_fts where investigations_fts match ${terms.join(' ')})`,
    )
  }
  const cursor = decodeCursor(filter.cursor)
  if (cursor) where.push(sql`(i.updated_at, i.id) < (${cursor.updatedAt}, ${cursor.id})`)

  const rows = await getDb().all<InvestigationListItem>(sql`
    select i.id, i.title, i.kind, i.status, i.severity, i.repository_id as repositoryId, r.name as repository, i.branch,
      i.owner_id as ownerId, o.name as ownerName, i.created_at as createdAt, i.updated_at as updatedAt
    from investigations i
    left join repositories r on r.id = i.repository_id
    left join users o on o.id = i.owner_id
    where ${sql.join(where, sql` and `)}
    order by i.updated_at desc, i.id desc
    limit ${limit + 1}`)
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null }
}

export interface ListQuery {
  q: string
  status: InvestigationStatus[]
  severity: Severity[]
  repositoryId: string | null
  /** A user id, `me`, or null for anyone. */
  owner: string | null
  cursor: string | null
}

/**
 * Reads the list's GET parameters (`q`, `status` and `severity` repeated, `repository`, `owner` = a
 * user id or `me`, `mine=1` as a shorthand for `owner=me`, `cursor`). Unknown values are dropped,
 * never an error: a hand-edited URL still shows a list.
 */
export function readListQuery(params: URLSearchParams): ListQuery {
  const pick = <T extends string>(values: string[], allowed: readonly T[]) =>
    [...new Set(values)].filter((value): value is T => (allowed as readonly string[]).includes(value))
  const text = (name: string, max: number) => {
    const value = params.get(name)?.trim() ?? ''
    return value.length > 0 && value.length <= max ? value : null
  }
  return {
    q: (params.get('q') ?? '').trim().slice(0, 200),
    status: pick(params.getAll('status'), INVESTIGATION_STATUSES),
    severity: pick(params.getAll('severity'), SEVERITIES),
    repositoryId: text('repository', 200),
    owner: params.get('mine') === '1' ? 'me' : text('owner', 200),
    cursor: text('cursor', 64),
  }
}

/** The filter a list query asks for, with `me` resolved to the person asking. */
export function filterOf(query: ListQuery, meId: string, limit?: number): InvestigationFilter {
  return {
    q: query.q || null,
    status: query.status,
    severity: query.severity,
    repositoryId: query.repositoryId,
    ownerId: query.owner === 'me' ? meId : query.owner,
    cursor: query.cursor,
    limit,
  }
}

/** The choices of the list's filters: repositories and the people who may own an investigation. */
export async function listFilterChoices() {
  // One statement (SQLite builds the JSON): the page pays one parse and plan, not two.
  const row = await firstRow<{ repositories: string; owners: string }>(
    getDb(),
    sql`select
      (select json_group_array(json_object('id', id, 'name', name) order by name, id) from repositories) as repositories,
      (select json_group_array(json_object('id', id, 'name', name) order by name, id) from users where disabled_at is null) as owners`,
  )
  return {
    repositories: JSON.parse(row?.repositories ?? '[]') as Array<{ id: string; name: string }>,
    owners: JSON.parse(row?.owners ?? '[]') as Array<{ id: string; name: string }>,
  }
}
