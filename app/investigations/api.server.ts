// How investigations look in /api/v1 (times as ISO 8601, people as {id, name}, links absolute), and
// what the API checks before it creates one: that the people, repository and episode it names exist.
import { sql } from 'drizzle-orm'
import type { ZodType, ZodTypeDef } from 'zod'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import { firstRow, json } from '../linker/sql.server'
import { apiError } from '../utils/api-error.server'
import { issueFields, type ApiCreateInvestigation } from './api-schema'
import { investigationUrl } from './export.server'
import { createInvestigation, type InvestigationView } from './investigations.server'
import type { InvestigationListItem } from './list.server'
import { STATUS_TRANSITIONS } from './status'

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString())
const person = (id: string | null, name: string | null) => (id === null ? null : { id, name })

export const apiInvestigationPath = (id: number) => `/api/v1/investigations/${id}`

export function presentInvestigationItem(item: InvestigationListItem) {
  return {
    id: item.id,
    title: item.title,
    kind: item.kind,
    status: item.status,
    severity: item.severity,
    repository: item.repositoryId === null ? null : { id: item.repositoryId, name: item.repository },
    branch: item.branch,
    owner: person(item.ownerId, item.ownerName),
    createdAt: iso(item.createdAt),
    updatedAt: iso(item.updatedAt),
    url: investigationUrl(item.id),
    apiUrl: apiInvestigationPath(item.id),
  }
}

export function presentInvestigation(view: InvestigationView) {
  return {
    id: view.id,
    title: view.title,
    description: view.description,
    kind: view.kind,
    status: view.status,
    allowedStatuses: STATUS_TRANSITIONS[view.status],
    severity: view.severity,
    repository: view.repositoryId === null ? null : { id: view.repositoryId, name: view.repository },
    branch: view.branch,
    workflow: view.workflow,
    environment: view.environment,
    firstSeenAt: iso(view.firstSeenAt),
    lastKnownGoodAt: iso(view.lastKnownGoodAt),
    episodeId: view.episodeId,
    firstRedRunId: view.firstRedRunId,
    lastGreenRunId: view.lastGreenRunId,
    owner: person(view.ownerId, view.ownerName),
    createdBy: person(view.createdBy, view.createdByName),
    watchers: view.watchers.map((watcher) => ({ id: watcher.id, name: watcher.name })),
    createdAt: iso(view.createdAt),
    updatedAt: iso(view.updatedAt),
    url: investigationUrl(view.id),
    apiUrl: apiInvestigationPath(view.id),
    exportUrl: `${getEnv().APP_URL}${apiInvestigationPath(view.id)}/export`,
  }
}

/** The evidence of an investigation, as the API shows it. */
export async function listEvidenceForApi(id: number) {
  const rows = await getDb().all<{
    id: number
    kind: string
    ref: string
    repositoryId: string | null
    label: string
    note: string | null
    occurredAt: number | null
    addedById: string | null
    addedByName: string | null
    createdAt: number
  }>(sql`
    select ev.id, ev.kind, ev.ref, ev.repository_id as repositoryId, ev.label, ev.note, ev.occurred_at as occurredAt,
      ev.added_by as addedById, u.name as addedByName, ev.created_at as createdAt
    from investigation_evidence ev left join users u on u.id = ev.added_by
    where ev.investigation_id = ${id} order by ev.id`)
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    ref: row.ref,
    repositoryId: row.repositoryId,
    label: row.label,
    note: row.note,
    occurredAt: iso(row.occurredAt),
    addedBy: person(row.addedById, row.addedByName),
    addedAt: iso(row.createdAt),
  }))
}

export type ApiCreateOutcome = { ok: true; id: number } | { ok: false; fields: Record<string, string[]> }

/**
 * Creates an investigation from an API body. Named people must be active users, the repository and
 * episode must exist; an episode also fills in the scope (repository, branch, workflow) and its
 * first red and last green runs when the body leaves them out.
 */
export async function createInvestigationFromApi(input: ApiCreateInvestigation, actorId: string): Promise<ApiCreateOutcome> {
  const db = getDb()
  const fields: Record<string, string[]> = {}
  const fail = (key: string, message: string) => (fields[key] ??= []).push(message)

  const episode =
    input.episodeId == null
      ? null
      : await firstRow<{ repositoryId: string; branch: string; name: string; firstRedRunId: number; lastGreenRunId: number | null; openedAt: number; lastGreenAt: number | null }>(
          db,
          sql`select e.repository_id as repositoryId, e.branch, e.name, e.first_red_run_id as firstRedRunId, e.last_green_run_id as lastGreenRunId,
                e.opened_at as openedAt, g.completed_at as lastGreenAt
              from episodes e left join ci_runs g on g.id = e.last_green_run_id where e.id = ${input.episodeId}`,
        )
  if (input.episodeId != null && !episode) fail('episodeId', 'No episode has that id')
  const repositoryId = input.repositoryId ?? episode?.repositoryId ?? null
  if (episode && input.repositoryId && input.repositoryId !== episode.repositoryId) fail('repositoryId', 'The episode belongs to another repository')

  const repositoryIds = [...new Set([repositoryId, ...(input.evidence ?? []).map((item) => item.repositoryId ?? null)].filter((id): id is string => Boolean(id)))]
  const knownRepositories = new Set(
    repositoryIds.length === 0
      ? []
      : (await db.all<{ id: string }>(sql`select id from repositories where id in (select value from json_each(${json(repositoryIds)}))`)).map((row) => row.id),
  )
  if (repositoryId && !knownRepositories.has(repositoryId)) fail('repositoryId', 'No repository has that id')
  input.evidence?.forEach((item, index) => {
    if (item.repositoryId && !knownRepositories.has(item.repositoryId)) fail(`evidence.${index}.repositoryId`, 'No repository has that id')
  })

  const userIds = [...new Set([input.ownerId ?? null, ...(input.watcherIds ?? [])].filter((id): id is string => Boolean(id)))]
  const activeUsers = new Set(
    userIds.length === 0
      ? []
      : (await db.all<{ id: string }>(sql`select id from users where disabled_at is null and id in (select value from json_each(${json(userIds)}))`)).map((row) => row.id),
  )
  if (input.ownerId && !activeUsers.has(input.ownerId)) fail('ownerId', 'The owner must be an active user of this workspace')
  input.watcherIds?.forEach((id, index) => {
    if (!activeUsers.has(id)) fail(`watcherIds.${index}`, 'Not an active user of this workspace')
  })
  if (Object.keys(fields).length) return { ok: false, fields }

  const id = await createInvestigation(
    {
      title: input.title,
      description: input.description ?? '',
      kind: input.kind,
      severity: input.severity,
      repositoryId,
      branch: input.branch !== undefined ? input.branch : (episode?.branch ?? null),
      workflow: input.workflow !== undefined ? input.workflow : (episode?.name ?? null),
      environment: input.environment ?? null,
      firstSeenAt: input.firstSeenAt !== undefined ? input.firstSeenAt : (episode?.openedAt ?? null),
      lastKnownGoodAt: input.lastKnownGoodAt !== undefined ? input.lastKnownGoodAt : (episode?.lastGreenAt ?? null),
      episodeId: input.episodeId ?? null,
      firstRedRunId: episode?.firstRedRunId ?? null,
      lastGreenRunId: episode?.lastGreenRunId ?? null,
      ownerId: input.ownerId ?? null,
      watcherIds: input.watcherIds ?? [],
      evidence: (input.evidence ?? []).map((item) => ({
        kind: item.kind,
        ref: item.ref,
        label: item.label,
        repositoryId: item.repositoryId ?? (item.kind === 'link' || item.kind === 'deploy' ? null : repositoryId),
        occurredAt: item.occurredAt ?? null,
        note: item.note ?? null,
      })),
    },
    actorId,
  )
  return { ok: true, id }
}

/** An owner filter as the API takes it: a user id, an email, or `me`. Null when nobody matches. */
export async function resolveOwnerFilter(owner: string, actorId: string): Promise<string | null> {
  if (owner === 'me') return actorId
  const row = await firstRow<{ id: string }>(getDb(), sql`select id from users where id = ${owner} or email = ${owner.toLowerCase()} limit 1`)
  return row?.id ?? null
}

/** A repository filter: its id or its name. Null when none matches. */
export async function resolveRepositoryFilter(repository: string): Promise<string | null> {
  const row = await firstRow<{ id: string }>(getDb(), sql`select id from repositories where id = ${repository} or name = ${repository} limit 1`)
  return row?.id ?? null
}

// An investigation with 200 evidence items and a long description is well under this.
const MAX_BODY_BYTES = 1_000_000

/** A JSON body checked against `schema`, or the API's error answer: 415, 413, 400 (with `fields`). */
export async function readApiBody<T>(request: Request, schema: ZodType<T, ZodTypeDef, unknown>): Promise<{ ok: true; data: T } | { ok: false; response: Response }> {
  const contentType = request.headers.get('content-type') ?? ''
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
    return { ok: false, response: apiError(415, 'unsupported_media_type', 'Send JSON with Content-Type: application/json.') }
  }
  const tooLarge = () => ({ ok: false as const, response: apiError(413, 'payload_too_large', `The body is over ${MAX_BODY_BYTES / 1_000_000} MB.`) })
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) return tooLarge()
  const raw = await request.text()
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) return tooLarge()
  let body: unknown
  try {
    body = JSON.parse(raw)
  } catch {
    return { ok: false, response: apiError(400, 'bad_request', 'The body is not valid JSON.') }
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, response: apiError(400, 'bad_request', 'The body must be a JSON object.') }
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) return { ok: false, response: apiError(400, 'validation_failed', 'The body is not valid.', {}, issueFields(parsed.error)) }
  return { ok: true, data: parsed.data }
}
