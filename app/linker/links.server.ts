// Links as people read and judge them: a CI run -> its head commit, a push -> the commits it
// brought. Rejecting a run's link takes the run out of its sequence (the linker re-plans it).
import { sql } from 'drizzle-orm'
import type { DecisionStatus, LinkRule } from '../../db/schema'
import { recordAudit, type AuditActor } from '../auth/audit.server'
import { getDb } from '../db.server'
import type { Decision } from './episodes.server'
import { enqueueRunChange } from './queue.server'
import { firstRow } from './sql.server'

export interface LinkView {
  id: number
  repositoryId: string
  from: { kind: 'ci_run' | 'push'; id: string; title: string | null }
  to: { kind: 'commit'; sha: string; subject: string | null }
  rule: LinkRule
  confidence: number
  status: DecisionStatus
  decidedBy: string | null
  decidedAt: number | null
  createdAt: number
}

/** What each rule means, for people reading a link. */
export const LINK_RULE_TEXT: Record<LinkRule, string> = {
  'run-head-sha': 'the CI provider reported this commit as the run’s head',
  'push-head': 'the push moved the branch to this commit',
  'push-range': 'the commit is in before..after of the push',
  'push-payload': 'the push payload listed this commit',
}

export interface LinkFilter {
  repositoryId?: string
  runId?: number
  sha?: string
  status?: DecisionStatus
  /** Keyset cursor: links with an id below this. */
  before?: number
  limit?: number
}

export async function listLinks(filter: LinkFilter): Promise<LinkView[]> {
  const rows = await getDb().all<{
    id: number
    repository_id: string
    from_kind: 'ci_run' | 'push'
    from_ref: string
    to_ref: string
    rule: LinkRule
    confidence: number
    status: DecisionStatus
    decided_by: string | null
    decided_at: number | null
    created_at: number
    run_title: string | null
    push_title: string | null
    subject: string | null
  }>(sql`
    select l.id, l.repository_id, l.from_kind, l.from_ref, l.to_ref, l.rule, l.confidence, l.status, u.name as decided_by, l.decided_at, l.created_at,
      case when l.from_kind = 'ci_run' then (select r.name || ' #' || r.external_id || case when r.attempt > 1 then ' (attempt ' || r.attempt || ')' else '' end
        from ci_runs r where r.id = cast(l.from_ref as integer)) end as run_title,
      case when l.from_kind = 'push' then (select v.title from events v where v.id = cast(l.from_ref as integer)) end as push_title,
      c.subject
    from links l
    left join users u on u.id = l.decided_by
    left join commits c on c.repository_id = l.repository_id and c.sha = l.to_ref
    where (${filter.repositoryId ?? null} is null or l.repository_id = ${filter.repositoryId ?? null})
      and (${filter.runId ?? null} is null or (l.from_kind = 'ci_run' and l.from_ref = ${filter.runId === undefined ? null : String(filter.runId)}))
      and (${filter.sha ?? null} is null or l.to_ref = ${filter.sha ?? null})
      and (${filter.status ?? null} is null or l.status = ${filter.status ?? null})
      and (${filter.before ?? null} is null or l.id < ${filter.before ?? null})
    order by l.id desc limit ${filter.limit ?? 100}`)
  return rows.map((row) => ({
    id: row.id,
    repositoryId: row.repository_id,
    from: { kind: row.from_kind, id: row.from_ref, title: row.run_title ?? row.push_title },
    to: { kind: 'commit', sha: row.to_ref, subject: row.subject },
    rule: row.rule,
    confidence: row.confidence,
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    createdAt: row.created_at,
  }))
}

export type LinkDecideOutcome = { ok: true; changed: boolean } | { ok: false; reason: 'not_found' }

/** Accepts or rejects a link, audit-logged; a run whose link changes is re-read by the linker. */
export async function decideLink(id: number, decision: Decision, actor: AuditActor): Promise<LinkDecideOutcome> {
  return getDb().transaction(async (tx) => {
    const link = await firstRow<{ id: number; repository_id: string; from_kind: string; from_ref: string; to_ref: string; status: DecisionStatus }>(
      tx,
      sql`select id, repository_id, from_kind, from_ref, to_ref, status from links where id = ${id}`,
    )
    if (!link) return { ok: false, reason: 'not_found' }
    if (link.status === decision) return { ok: true, changed: false }
    await tx.run(sql`update links set status = ${decision}, decided_by = ${actor.userId ?? null}, decided_at = ${Date.now()} where id = ${id}`)
    await recordAudit(
      {
        action: decision === 'accepted' ? 'link.accept' : 'link.reject',
        actor,
        targetType: 'link',
        targetId: String(id),
        detail: { from: `${link.from_kind}:${link.from_ref}`, to: link.to_ref, repositoryId: link.repository_id, previous: link.status },
      },
      tx,
    )
    if (link.from_kind === 'ci_run') await enqueueRunChange(tx, link.repository_id, Number(link.from_ref))
    return { ok: true, changed: true }
  })
}
