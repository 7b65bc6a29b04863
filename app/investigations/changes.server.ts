// Changes to an investigation after it was created: its details, severity, status, owner, watchers,
// and the admin's soft delete. Each change writes its activity row(s) in the change's transaction, so
// that the page, the timeline and the notifications never disagree with the data.
import { sql } from 'drizzle-orm'
import type { InvestigationKind, InvestigationStatus, Severity } from '../../db/schema/investigations'
import { recordAudit, type AuditActor } from '../auth/audit.server'
import { userHasPermission, type Role } from '../auth/permissions'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { firstRow } from '../linker/sql.server'
import { recordActivity } from './activity.server'
import { canMoveStatus, STATUS_LABELS } from './status'

export interface InvestigationPatch {
  title?: string
  description?: string
  severity?: Severity
  status?: InvestigationStatus
  /** A user id, or null for nobody. */
  ownerId?: string | null
  branch?: string | null
  workflow?: string | null
  environment?: string | null
  kind?: InvestigationKind
  firstSeenAt?: number | null
  lastKnownGoodAt?: number | null
}

export type UpdateOutcome =
  | { ok: true; changed: boolean }
  | { ok: false; reason: 'not_found' | 'bad_transition' | 'unknown_owner'; message: string }

interface CurrentRow {
  title: string
  description: string
  severity: Severity
  status: InvestigationStatus
  ownerId: string | null
  branch: string | null
  workflow: string | null
  environment: string | null
  kind: InvestigationKind
  firstSeenAt: number | null
  lastKnownGoodAt: number | null
}

// Fields that change without a dedicated activity kind: they go into one `details_changed` row.
const DETAIL_FIELDS = [
  'title',
  'description',
  'kind',
  'branch',
  'workflow',
  'environment',
  'firstSeenAt',
  'lastKnownGoodAt',
] as const
const COLUMN: Record<(typeof DETAIL_FIELDS)[number] | 'severity' | 'status' | 'ownerId', string> = {
  title: 'title',
  description: 'description',
  kind: 'kind',
  branch: 'branch',
  workflow: 'workflow',
  environment: 'environment',
  firstSeenAt: 'first_seen_at',
  lastKnownGoodAt: 'last_known_good_at',
  severity: 'severity',
  status: 'status',
  ownerId: 'owner_id',
}

async function currentRow(tx: Tx, id: number) {
  return firstRow<CurrentRow>(
    tx,
    sql`select title, description, severity, status, owner_id as ownerId, branch, workflow, environment, kind,
          first_seen_at as firstSeenAt, last_known_good_at as lastKnownGoodAt
        from investigations where id = ${id} and deleted_at is null`,
  )
}

const notFound = {
  ok: false,
  reason: 'not_found',
  message: 'This investigation does not exist or was deleted.',
} as const

/**
 * Applies a patch. Fields left out (undefined) stay as they are; a field set to what it already is
 * changes nothing. Status moves must be allowed by STATUS_TRANSITIONS; the owner must be an active
 * user who may edit investigations (and starts watching). One activity row per kind of change, all in one transaction.
 */
export async function updateInvestigation(
  id: number,
  patch: InvestigationPatch,
  actorId: string | null,
  at = Date.now(),
): Promise<UpdateOutcome> {
  return getDb().transaction(async (tx): Promise<UpdateOutcome> => {
    const current = await currentRow(tx, id)
    if (!current) return notFound
    const differs = <K extends keyof CurrentRow>(key: K) => patch[key] !== undefined && patch[key] !== current[key]

    if (differs('status') && !canMoveStatus(current.status, patch.status!)) {
      return {
        ok: false,
        reason: 'bad_transition',
        message: `An investigation that is ${STATUS_LABELS[current.status].toLowerCase()} cannot move to ${STATUS_LABELS[patch.status!].toLowerCase()}.`,
      }
    }
    if (differs('ownerId') && patch.ownerId !== null) {
      const owner = await firstRow<{ role: Role }>(
        tx,
        sql`select role from users where id = ${patch.ownerId!} and disabled_at is null`,
      )
      if (!owner || !userHasPermission(owner.role, 'investigation:write')) {
        return {
          ok: false,
          reason: 'unknown_owner',
          message: 'The owner must be an active engineer or admin of this workspace.',
        }
      }
    }

    const details = DETAIL_FIELDS.filter((field) => differs(field))
    const changed = [...details, ...(['severity', 'status', 'ownerId'] as const).filter((field) => differs(field))]
    if (changed.length === 0) return { ok: true, changed: false }

    const assignments = sql.join(
      changed.map((field) => sql`${sql.raw(COLUMN[field])} = ${patch[field] ?? null}`),
      sql`, `,
    )
    await tx.run(sql`update investigations set ${assignments}, updated_at = max(updated_at, ${at}) where id = ${id}`)

    if (details.length)
      await recordActivity(tx, { investigationId: id, actorId, kind: 'details_changed', data: { fields: details }, at })
    if (differs('severity')) {
      await recordActivity(tx, {
        investigationId: id,
        actorId,
        kind: 'severity_changed',
        data: { from: current.severity, to: patch.severity },
        at,
      })
    }
    if (differs('status')) {
      await recordActivity(tx, {
        investigationId: id,
        actorId,
        kind: 'status_changed',
        data: { from: current.status, to: patch.status },
        at,
      })
    }
    if (differs('ownerId')) {
      if (patch.ownerId) {
        await tx.run(sql`insert into investigation_watchers (investigation_id, user_id, created_at) values (${id}, ${patch.ownerId}, ${at})
          on conflict do nothing`)
      }
      await recordActivity(tx, {
        investigationId: id,
        actorId,
        kind: 'owner_changed',
        data: { from: current.ownerId, to: patch.ownerId ?? null },
        at,
      })
    }
    return { ok: true, changed: true }
  })
}

export type WatchOutcome = { ok: true; changed: boolean } | { ok: false; reason: 'not_found'; message: string }

/** Starts or stops `userId` watching the investigation (watch / unwatch on the page). */
export async function setWatching(
  id: number,
  userId: string,
  watching: boolean,
  actorId: string | null = userId,
  at = Date.now(),
): Promise<WatchOutcome> {
  return getDb().transaction(async (tx): Promise<WatchOutcome> => {
    if (!(await currentRow(tx, id))) return notFound
    const rows = watching
      ? await tx.all<{ user_id: string }>(sql`insert into investigation_watchers (investigation_id, user_id, created_at)
          values (${id}, ${userId}, ${at}) on conflict do nothing returning user_id`)
      : await tx.all<{ user_id: string }>(
          sql`delete from investigation_watchers where investigation_id = ${id} and user_id = ${userId} returning user_id`,
        )
    if (rows.length === 0) return { ok: true, changed: false }
    await recordActivity(tx, {
      investigationId: id,
      actorId,
      kind: watching ? 'watcher_added' : 'watcher_removed',
      data: { userId },
      at,
    })
    return { ok: true, changed: true }
  })
}

export type DeleteOutcome = { ok: true } | { ok: false; reason: 'not_found'; message: string }

/** Hides an investigation everywhere (admins). Kept in the database; audit-logged with a `deleted` activity. */
export async function softDeleteInvestigation(id: number, actor: AuditActor, at = Date.now()): Promise<DeleteOutcome> {
  return getDb().transaction(async (tx): Promise<DeleteOutcome> => {
    const current = await currentRow(tx, id)
    if (!current) return notFound
    await tx.run(
      sql`update investigations set deleted_at = ${at}, deleted_by = ${actor.userId ?? null} where id = ${id} and deleted_at is null`,
    )
    await recordActivity(tx, { investigationId: id, actorId: actor.userId ?? null, kind: 'deleted', data: {}, at })
    await recordAudit(
      {
        action: 'investigation.delete',
        actor,
        targetType: 'investigation',
        targetId: String(id),
        detail: { title: current.title, status: current.status },
      },
      tx,
    )
    return { ok: true }
  })
}

/** People who may own an investigation: active users who may edit investigations. */
export async function listOwnerCandidates(): Promise<Array<{ id: string; name: string; email: string }>> {
  const rows = await getDb().all<{ id: string; name: string; email: string; role: Role }>(
    sql`select id, name, email, role from users where disabled_at is null order by name collate nocase, email`,
  )
  return rows.filter((row) => userHasPermission(row.role, 'investigation:write')).map(({ role: _role, ...row }) => row)
}
