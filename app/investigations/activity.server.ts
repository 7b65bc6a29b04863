// One activity row per change to an investigation, written in the caller's transaction, which then
// fans out to notifications (and immediate mail into the outbox) in that same transaction.
import { sql } from 'drizzle-orm'
import { activity, type ActivityKind } from '../../db/schema/investigations'
import type { Tx } from '../connectors/timeline.server'
import { fanOutActivity } from '../notifications/fan-out.server'

export interface ActivityEntry {
  investigationId: number
  /** Null for the system (the linker). */
  actorId: string | null
  kind: ActivityKind
  data?: Record<string, unknown>
  at?: number
}

export interface ActivityRecord {
  id: number
  investigationId: number
  actorId: string | null
  kind: ActivityKind
  data: Record<string, unknown>
  createdAt: number
}

/** Records a change and touches the investigation's `updated_at`. Call inside the change's transaction. */
export async function recordActivity(tx: Tx, entry: ActivityEntry): Promise<ActivityRecord> {
  const createdAt = entry.at ?? Date.now()
  const [row] = await tx
    .insert(activity)
    .values({ investigationId: entry.investigationId, actorId: entry.actorId, kind: entry.kind, data: entry.data ?? {}, createdAt })
    .returning({ id: activity.id })
  await tx.run(sql`update investigations set updated_at = max(updated_at, ${createdAt}) where id = ${entry.investigationId}`)
  const record: ActivityRecord = {
    id: row.id,
    investigationId: entry.investigationId,
    actorId: entry.actorId,
    kind: entry.kind,
    data: entry.data ?? {},
    createdAt,
  }
  await fanOutActivity(tx, record)
  return record
}
