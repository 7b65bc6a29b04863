// An investigation's evidence as the page shows it (runs, tests, commits, links, deploys, and the
// linker's suspects with their reasons), and the changes people make to it: add a link or a deploy,
// remove a piece, accept or reject a suspect. Each change writes its activity in its transaction.
import { sql } from 'drizzle-orm'
import type { EvidenceKind } from '../../db/schema/investigations'
import type { AuditActor } from '../auth/audit.server'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { decideSuspect, listSuspects, type Decision, type SuspectView } from '../linker/episodes.server'
import { firstRow, json } from '../linker/sql.server'
import { recordActivity } from './activity.server'
import { addEvidenceRows, type EvidenceInput } from './investigations.server'

export interface EvidenceItem {
  id: number
  kind: EvidenceKind
  ref: string
  label: string
  occurredAt: number | null
  note: string | null
  addedByName: string | null
  createdAt: number
  /** Where the thing lives: the provider's page, the link itself, or a page of Inquest. */
  url: string | null
  /** A CI run's conclusion. */
  conclusion: string | null
}

const SAFE_URL = /^https?:\/\//i

/** Every piece of evidence, in the order things happened (undated ones by when they were added). */
export async function listEvidence(investigationId: number): Promise<EvidenceItem[]> {
  const rows = await getDb().all<EvidenceItem & { externalUrl: string | null }>(sql`
    select e.id, e.kind, e.ref, e.label, e.occurred_at as occurredAt, e.note, u.name as addedByName, e.created_at as createdAt,
      case e.kind when 'commit' then c.url when 'ci_run' then r.url when 'link' then e.ref when 'deploy' then e.ref end as externalUrl,
      r.conclusion
    from investigation_evidence e
    join investigations i on i.id = e.investigation_id
    left join users u on u.id = e.added_by
    left join commits c on e.kind = 'commit' and c.repository_id = coalesce(e.repository_id, i.repository_id) and c.sha = e.ref
    left join ci_runs r on e.kind = 'ci_run' and r.id = cast(e.ref as integer)
    where e.investigation_id = ${investigationId}
    order by coalesce(e.occurred_at, e.created_at), e.id`)
  return rows.map(({ externalUrl, ...row }) => ({ ...row, url: evidenceUrl(row.kind, row.ref, externalUrl) }))
}

function evidenceUrl(kind: EvidenceKind, ref: string, externalUrl: string | null): string | null {
  if (kind === 'episode') return `/episodes/${encodeURIComponent(ref)}`
  if (kind === 'suspect') return `/episodes/${encodeURIComponent(ref.split(':')[0])}`
  if (kind === 'flaky_test') return '/flaky-tests'
  // Only web addresses leave the page as links: a stored `javascript:` must never become one.
  return externalUrl && SAFE_URL.test(externalUrl) ? externalUrl : null
}

// --- suspects ---------------------------------------------------------------------------------

// How many of an episode's ranked suspects the page lists (decided and attached ones always show).
export const SUSPECTS_SHOWN = 10
const MAX_EPISODES = 10

export interface EpisodeSuspects {
  episodeId: number
  name: string
  branch: string
  repository: string
  status: 'open' | 'closed'
  suspects: SuspectView[]
  /** Ranked suspects not listed (see the episode's page). */
  more: number
}

/** The episodes an investigation looks at: its own, and those of attached episodes and suspects. */
async function episodeIdsOf(db: Tx, investigationId: number): Promise<number[]> {
  const rows = await db.all<{ id: number }>(sql`
    select episode_id as id from investigations where id = ${investigationId} and episode_id is not null
    union
    select cast(case kind when 'episode' then ref else substr(ref, 1, instr(ref, ':') - 1) end as integer)
      from investigation_evidence where investigation_id = ${investigationId} and kind in ('episode', 'suspect')`)
  return rows.map((row) => row.id).filter((id) => Number.isInteger(id) && id > 0)
}

/**
 * The suspects of the investigation's episodes, most suspect first: the top ranked, every decided one,
 * and every one attached as evidence.
 */
export async function listInvestigationSuspects(investigationId: number): Promise<EpisodeSuspects[]> {
  const db = getDb()
  const ids = (await episodeIdsOf(db, investigationId)).slice(0, MAX_EPISODES)
  if (ids.length === 0) return []
  const episodes = await db.all<Omit<EpisodeSuspects, 'suspects' | 'more'>>(sql`
    select e.id as episodeId, e.name, e.branch, r.name as repository, e.status from episodes e join repositories r on r.id = e.repository_id
    where e.id in (select value from json_each(${json(ids)})) order by e.opened_at desc, e.id desc`)
  const attached = new Set(
    (
      await db.all<{ ref: string }>(
        sql`select ref from investigation_evidence where investigation_id = ${investigationId} and kind = 'suspect'`,
      )
    ).map((row) => row.ref),
  )
  return Promise.all(
    episodes.map(async (episode) => {
      const all = await listSuspects(episode.episodeId)
      const shown = all.filter(
        (suspect) =>
          (suspect.rank !== null && suspect.rank <= SUSPECTS_SHOWN) ||
          suspect.status !== 'suggested' ||
          attached.has(`${episode.episodeId}:${suspect.sha}`),
      )
      return {
        ...episode,
        suspects: shown,
        more:
          all.filter((suspect) => suspect.rank !== null).length -
          shown.filter((suspect) => suspect.rank !== null).length,
      }
    }),
  )
}

export type SuspectOutcome =
  { ok: true; changed: boolean } | { ok: false; reason: 'not_found' | 'not_linked' | 'not_a_suspect'; message: string }

/**
 * Accepts or rejects a suspect of one of the investigation's episodes: the decision, its audit row and
 * the investigation's suspect_accepted / suspect_rejected activity, in one transaction.
 */
export async function decideInvestigationSuspect(
  investigationId: number,
  input: { episodeId: number; sha: string; decision: Decision },
  actor: AuditActor,
  at = Date.now(),
): Promise<SuspectOutcome> {
  return getDb().transaction(async (tx): Promise<SuspectOutcome> => {
    const found = await firstRow<{ id: number }>(
      tx,
      sql`select id from investigations where id = ${investigationId} and deleted_at is null`,
    )
    if (!found) return { ok: false, reason: 'not_found', message: 'This investigation does not exist or was deleted.' }
    if (!(await episodeIdsOf(tx, investigationId)).includes(input.episodeId)) {
      return { ok: false, reason: 'not_linked', message: 'That red episode is not part of this investigation.' }
    }
    const outcome = await decideSuspect(input.episodeId, input.sha, input.decision, actor, tx)
    if (!outcome.ok)
      return { ok: false, reason: 'not_a_suspect', message: 'That commit is not a suspect of this episode.' }
    if (!outcome.changed) return { ok: true, changed: false }
    const commit = await firstRow<{ subject: string }>(
      tx,
      sql`select c.subject from episodes e join commits c on c.repository_id = e.repository_id and c.sha = ${outcome.sha} where e.id = ${input.episodeId}`,
    )
    await recordActivity(tx, {
      investigationId,
      actorId: actor.userId ?? null,
      kind: input.decision === 'accepted' ? 'suspect_accepted' : 'suspect_rejected',
      data: { episodeId: input.episodeId, sha: outcome.sha, label: commit?.subject ?? outcome.sha.slice(0, 10) },
      at,
    })
    return { ok: true, changed: true }
  })
}

// --- adding and removing ------------------------------------------------------------------------

export type AddEvidenceOutcome =
  { ok: true; evidenceId: number } | { ok: false; reason: 'not_found' | 'duplicate' | 'unsafe_url'; message: string }

/** Attaches one piece of evidence (people add links and deploys: a URL, a title, a time). */
export async function addEvidence(
  investigationId: number,
  item: EvidenceInput,
  actorId: string | null,
  at = Date.now(),
): Promise<AddEvidenceOutcome> {
  if ((item.kind === 'link' || item.kind === 'deploy') && !SAFE_URL.test(item.ref)) {
    return { ok: false, reason: 'unsafe_url', message: 'Use an http or https address.' }
  }
  return getDb().transaction(async (tx): Promise<AddEvidenceOutcome> => {
    const found = await firstRow<{ id: number }>(
      tx,
      sql`select id from investigations where id = ${investigationId} and deleted_at is null`,
    )
    if (!found) return { ok: false, reason: 'not_found', message: 'This investigation does not exist or was deleted.' }
    const [added] = await addEvidenceRows(tx, investigationId, [item], actorId, at)
    if (!added)
      return {
        ok: false,
        reason: 'duplicate',
        message: `This ${item.kind === 'ci_run' ? 'run' : item.kind} is already attached.`,
      }
    await recordActivity(tx, {
      investigationId,
      actorId,
      kind: 'evidence_added',
      data: { kind: item.kind, ref: item.ref, label: item.label },
      at,
    })
    return { ok: true, evidenceId: added.id }
  })
}

export type RemoveEvidenceOutcome = { ok: true } | { ok: false; reason: 'not_found'; message: string }

/** Detaches a piece of evidence from the investigation (the thing itself stays where it is). */
export async function removeEvidence(
  investigationId: number,
  evidenceId: number,
  actorId: string | null,
  at = Date.now(),
): Promise<RemoveEvidenceOutcome> {
  return getDb().transaction(async (tx): Promise<RemoveEvidenceOutcome> => {
    const removed = await tx.all<{ kind: EvidenceKind; ref: string; label: string }>(sql`
      delete from investigation_evidence where id = ${evidenceId} and investigation_id = ${investigationId}
        and investigation_id in (select id from investigations where deleted_at is null)
      returning kind, ref, label`)
    if (removed.length === 0) return { ok: false, reason: 'not_found', message: 'That evidence is no longer attached.' }
    const [row] = removed
    await recordActivity(tx, {
      investigationId,
      actorId,
      kind: 'evidence_removed',
      data: { kind: row.kind, ref: row.ref, label: row.label },
      at,
    })
    return { ok: true }
  })
}
