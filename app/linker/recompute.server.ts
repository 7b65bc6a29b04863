// Asking for a full recompute of a repository: queued for the linker worker (whichever replica
// holds its lease), audit-logged.
import { sql } from 'drizzle-orm'
import { recordAudit, type AuditActor } from '../auth/audit.server'
import { getDb } from '../db.server'
import { enqueueRecompute } from './queue.server'
import { firstRow } from './sql.server'

/** False when there is no such repository. */
export async function requestRecompute(repositoryId: string, actor: AuditActor): Promise<boolean> {
  return getDb().transaction(async (tx) => {
    const repository = await firstRow<{ id: string }>(tx, sql`select id from repositories where id = ${repositoryId}`)
    if (!repository) return false
    await enqueueRecompute(tx, repositoryId)
    await recordAudit({ action: 'linker.recompute', actor, targetType: 'repository', targetId: repositoryId }, tx)
    return true
  })
}
