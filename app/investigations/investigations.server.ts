// The investigation itself: create it (with its evidence and watchers) and read it back.
// Changes after creation live beside this module; each writes an activity row in its transaction.
import { sql } from 'drizzle-orm'
import {
  investigationEvidence,
  investigations,
  investigationWatchers,
  type EvidenceKind,
  type InvestigationKind,
  type InvestigationStatus,
  type Severity,
} from '../../db/schema/investigations'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { firstRow } from '../linker/sql.server'
import { recordActivity } from './activity.server'

export interface EvidenceInput {
  kind: EvidenceKind
  ref: string
  repositoryId?: string | null
  label: string
  occurredAt?: number | null
  note?: string | null
}

export interface NewInvestigation {
  title: string
  description?: string
  kind: InvestigationKind
  severity: Severity
  repositoryId?: string | null
  branch?: string | null
  workflow?: string | null
  environment?: string | null
  firstSeenAt?: number | null
  lastKnownGoodAt?: number | null
  episodeId?: number | null
  firstRedRunId?: number | null
  lastGreenRunId?: number | null
  ownerId?: string | null
  watcherIds?: string[]
  evidence?: EvidenceInput[]
}

/** Creates an investigation; the creator and the owner watch it. Returns its id. */
export async function createInvestigation(input: NewInvestigation, actorId: string, at = Date.now()): Promise<number> {
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(investigations)
      .values({
        title: input.title,
        description: input.description ?? '',
        kind: input.kind,
        severity: input.severity,
        status: 'open',
        repositoryId: input.repositoryId ?? null,
        branch: input.branch ?? null,
        workflow: input.workflow ?? null,
        environment: input.environment ?? null,
        firstSeenAt: input.firstSeenAt ?? null,
        lastKnownGoodAt: input.lastKnownGoodAt ?? null,
        episodeId: input.episodeId ?? null,
        firstRedRunId: input.firstRedRunId ?? null,
        lastGreenRunId: input.lastGreenRunId ?? null,
        ownerId: input.ownerId ?? null,
        createdBy: actorId,
        createdAt: at,
        updatedAt: at,
      })
      .returning({ id: investigations.id })
    const id = row.id
    const watchers = new Set([actorId, ...(input.ownerId ? [input.ownerId] : []), ...(input.watcherIds ?? [])])
    await tx
      .insert(investigationWatchers)
      .values([...watchers].map((userId) => ({ investigationId: id, userId, createdAt: at })))
      .onConflictDoNothing()
    await addEvidenceRows(tx, id, input.evidence ?? [], actorId, at)
    await recordActivity(tx, {
      investigationId: id,
      actorId,
      kind: 'created',
      data: { title: input.title, ownerId: input.ownerId ?? null, evidence: input.evidence?.length ?? 0 },
      at,
    })
    return id
  })
}

/** Inserts evidence rows, skipping any the investigation already has. Returns the ones added. */
export async function addEvidenceRows(tx: Tx, investigationId: number, evidence: EvidenceInput[], actorId: string | null, at = Date.now()) {
  if (evidence.length === 0) return []
  return tx
    .insert(investigationEvidence)
    .values(
      evidence.map((item) => ({
        investigationId,
        kind: item.kind,
        ref: item.ref,
        repositoryId: item.repositoryId ?? null,
        label: item.label,
        occurredAt: item.occurredAt ?? null,
        note: item.note ?? null,
        addedBy: actorId,
        createdAt: at,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: investigationEvidence.id, kind: investigationEvidence.kind, ref: investigationEvidence.ref })
}

export interface InvestigationView {
  id: number
  title: string
  description: string
  kind: InvestigationKind
  severity: Severity
  status: InvestigationStatus
  repositoryId: string | null
  repository: string | null
  branch: string | null
  workflow: string | null
  environment: string | null
  firstSeenAt: number | null
  lastKnownGoodAt: number | null
  episodeId: number | null
  firstRedRunId: number | null
  lastGreenRunId: number | null
  ownerId: string | null
  ownerName: string | null
  createdBy: string | null
  createdByName: string | null
  createdAt: number
  updatedAt: number
  watchers: Array<{ id: string; name: string; email: string }>
}

/** An investigation that exists and is not deleted, or null. */
export async function getInvestigation(id: number): Promise<InvestigationView | null> {
  const db = getDb()
  const row = await firstRow<Omit<InvestigationView, 'watchers'>>(
    db,
    sql`select i.id, i.title, i.description, i.kind, i.severity, i.status, i.repository_id as repositoryId, r.name as repository,
          i.branch, i.workflow, i.environment, i.first_seen_at as firstSeenAt, i.last_known_good_at as lastKnownGoodAt,
          i.episode_id as episodeId, i.first_red_run_id as firstRedRunId, i.last_green_run_id as lastGreenRunId,
          i.owner_id as ownerId, o.name as ownerName, i.created_by as createdBy, c.name as createdByName,
          i.created_at as createdAt, i.updated_at as updatedAt
        from investigations i
        left join repositories r on r.id = i.repository_id
        left join users o on o.id = i.owner_id
        left join users c on c.id = i.created_by
        where i.id = ${id} and i.deleted_at is null`,
  )
  if (!row) return null
  const watchers = await db.all<{ id: string; name: string; email: string }>(
    sql`select u.id, u.name, u.email from investigation_watchers w join users u on u.id = w.user_id
        where w.investigation_id = ${id} order by u.name`,
  )
  return { ...row, watchers }
}
