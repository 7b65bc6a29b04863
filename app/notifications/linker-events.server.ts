// What the linker tells people, from inside its write transaction: "a branch I watch went red" (a new
// open, not likely-flaky episode on a watched branch) and "new suspect found" (the top suspect of an
// episode an investigation is about changed to a commit nobody has heard of yet). Both cost one small
// query when nobody is concerned, so the linker can call them on every write.
import { sql } from 'drizzle-orm'
import { createElement } from 'react'
import type { Delivery } from '../../db/schema/notifications'
import type { Tx } from '../connectors/timeline.server'
import { BranchRedEmail, branchRedSubject } from '../emails/branch-red'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import { recordActivity } from '../investigations/activity.server'
import { firstRow } from '../linker/sql.server'
import { deliverNotifications, type NotificationItem } from './fan-out.server'
import { DEFAULT_DELIVERY, DEFAULT_DIGEST } from './preferences-schema'
import { effectiveDelivery } from './preferences.server'

// --- branch watches ------------------------------------------------------------------------------

export async function isWatchingBranch(userId: string, repositoryId: string, branch: string): Promise<boolean> {
  const row = await firstRow<{ one: number }>(
    getDb(),
    sql`select 1 as one from branch_watches where user_id = ${userId} and repository_id = ${repositoryId} and branch = ${branch}`,
  )
  return Boolean(row)
}

/** Starts or stops watching the branch of an episode (the episode page's button). Null: no such episode. */
export async function setBranchWatchForEpisode(userId: string, episodeId: number, watching: boolean, at = Date.now()) {
  const episode = await firstRow<{ repositoryId: string; branch: string }>(
    getDb(),
    sql`select repository_id as repositoryId, branch from episodes where id = ${episodeId}`,
  )
  if (!episode) return null
  return { ...episode, changed: await setBranchWatch(userId, episode.repositoryId, episode.branch, watching, at) }
}

/** Starts or stops watching a branch. Returns whether anything changed. */
export async function setBranchWatch(
  userId: string,
  repositoryId: string,
  branch: string,
  watching: boolean,
  at = Date.now(),
) {
  const db = getDb()
  const result = watching
    ? await db.run(sql`insert into branch_watches (user_id, repository_id, branch, created_at) values (${userId}, ${repositoryId}, ${branch}, ${at})
        on conflict do nothing`)
    : await db.run(
        sql`delete from branch_watches where user_id = ${userId} and repository_id = ${repositoryId} and branch = ${branch}`,
      )
  return result.rowsAffected > 0
}

// --- a branch I watch went red -------------------------------------------------------------------

export interface OpenedEpisode {
  id: number
  repositoryId: string
  branch: string
  /** The workflow (sequence name). */
  name: string
  status: string
  likelyFlaky: boolean
  firstRedSha: string
}

interface WatcherRow {
  userId: string
  email: string
  name: string
  episodeId: number
  repository: string
  branch: string
  workflow: string
  firstRedSha: string
  dedupeKey: string
  delivery: Delivery | null
  frequency: 'daily' | 'weekly' | 'off' | null
  paused: number | null
}

/**
 * Tells the watchers of each branch that one of the given newly inserted episodes opened on it. Closed
 * and likely-flaky episodes are ignored. A person hears of one (repository, branch, workflow, first
 * red commit) once, even if a recompute writes the episode anew.
 */
export async function notifyBranchWatchers(
  tx: Tx,
  inserted: readonly OpenedEpisode[],
  at = Date.now(),
): Promise<number> {
  const opened = inserted.filter((row) => row.status === 'open' && !row.likelyFlaky)
  if (opened.length === 0) return 0
  const rows = await tx.all<WatcherRow>(sql`
    with opened as (
      select value ->> 0 as episode_id, value ->> 1 as repository_id, value ->> 2 as branch, value ->> 3 as workflow,
        value ->> 4 as first_red_sha, value ->> 1 || char(10) || (value ->> 2) || char(10) || (value ->> 3) || char(10) || (value ->> 4) as dedupe_key
      from json_each(${JSON.stringify(opened.map((row) => [row.id, row.repositoryId, row.branch, row.name, row.firstRedSha]))})
    )
    select w.user_id as userId, u.email, u.name, o.episode_id as episodeId, r.name as repository, o.branch, o.workflow,
      o.first_red_sha as firstRedSha, o.dedupe_key as dedupeKey, p.delivery, d.frequency, d.paused
    from opened o
    join branch_watches w on w.repository_id = o.repository_id and w.branch = o.branch
    join users u on u.id = w.user_id and u.disabled_at is null
    join repositories r on r.id = o.repository_id
    left join notification_preferences p on p.user_id = w.user_id and p.event_type = 'branch_red'
    left join digest_settings d on d.user_id = w.user_id
    where not exists (
      select 1 from notifications n where n.user_id = w.user_id and n.event_type = 'branch_red' and n.data ->> 'key' = o.dedupe_key
    )`)
  if (rows.length === 0) return 0
  const items: NotificationItem[] = []
  for (const row of rows) {
    const delivery = effectiveDelivery(row.delivery ?? DEFAULT_DELIVERY.branch_red, {
      paused: Boolean(row.paused ?? DEFAULT_DIGEST.paused),
      frequency: row.frequency ?? DEFAULT_DIGEST.frequency,
    })
    if (delivery === 'off') continue
    const path = `/episodes/${row.episodeId}`
    const props = {
      recipientName: row.name,
      repository: row.repository,
      branch: row.branch,
      workflow: row.workflow,
      firstRedSha: row.firstRedSha,
      url: `${getEnv().APP_URL}${path}`,
    }
    items.push({
      userId: row.userId,
      email: row.email,
      eventType: 'branch_red',
      delivery,
      activityId: null,
      investigationId: null,
      summary: `${row.repository} ${row.branch} went red: ${row.workflow} fails since ${row.firstRedSha.slice(0, 7)}`,
      path,
      data: {
        key: row.dedupeKey,
        episodeId: row.episodeId,
        repository: row.repository,
        branch: row.branch,
        workflow: row.workflow,
        firstRedSha: row.firstRedSha,
      },
      mail: {
        template: 'branch-red',
        subject: branchRedSubject(props),
        element: (links) => createElement(BranchRedEmail, { ...props, ...links }),
      },
    })
  }
  await deliverNotifications(tx, items, at)
  return items.length
}

// --- new suspect found ---------------------------------------------------------------------------

/** The top suspect of each investigation's episode before the linker rewrites suspects. */
export type TopSuspects = Map<number, { episodeId: number; sha: string | null }>

const TOP_SUSPECT = sql`(select s.sha from suspects s where s.episode_id = i.episode_id and s.status != 'rejected' and s.in_range = 1
  order by s.score desc, s.sha limit 1)`

/**
 * Before the linker rewrites the suspects of `episodeIds`: the current top suspect of every live
 * investigation about one of them. Null (after one indexed query) when no investigation is.
 */
export async function topSuspectsBefore(tx: Tx, episodeIds: readonly number[]): Promise<TopSuspects | null> {
  if (episodeIds.length === 0) return null
  const rows = await tx.all<{ investigationId: number; episodeId: number; sha: string | null }>(sql`
    select i.id as investigationId, i.episode_id as episodeId, ${TOP_SUSPECT} as sha
    from investigations i
    where i.episode_id in (select value from json_each(${JSON.stringify(episodeIds)})) and i.deleted_at is null`)
  if (rows.length === 0) return null
  return new Map(rows.map((row) => [row.investigationId, { episodeId: row.episodeId, sha: row.sha }]))
}

/**
 * After the rewrite: a `suspect_found` activity (actor: the linker) for each investigation whose top
 * suspect changed to a still undecided commit that no earlier activity of it named.
 */
export async function recordNewTopSuspects(tx: Tx, before: TopSuspects | null, at = Date.now()): Promise<number> {
  if (!before || before.size === 0) return 0
  const rows = await tx.all<{
    investigationId: number
    episodeId: number
    sha: string | null
    status: string | null
    subject: string | null
    known: number
  }>(sql`
    with tops as (
      select i.id as investigation_id, i.episode_id, i.repository_id, ${TOP_SUSPECT} as sha
      from investigations i
      where i.id in (select value from json_each(${JSON.stringify([...before.keys()])})) and i.deleted_at is null and i.episode_id is not null
    )
    select t.investigation_id as investigationId, t.episode_id as episodeId, t.sha,
      (select status from suspects where episode_id = t.episode_id and sha = t.sha) as status,
      (select c.subject from commits c join episodes e on e.repository_id = c.repository_id where e.id = t.episode_id and c.sha = t.sha) as subject,
      exists (select 1 from activity a where a.investigation_id = t.investigation_id
        and a.kind in ('suspect_found', 'suspect_accepted', 'suspect_rejected') and a.data ->> 'sha' = t.sha)
      or exists (select 1 from investigation_evidence v where v.investigation_id = t.investigation_id
        and v.kind = 'suspect' and v.ref = t.episode_id || ':' || t.sha) as known
    from tops t`)
  let recorded = 0
  for (const row of rows) {
    const previous = before.get(row.investigationId)
    if (!row.sha || row.status !== 'suggested' || row.known) continue
    if (previous && previous.episodeId === row.episodeId && previous.sha === row.sha) continue
    await recordActivity(tx, {
      investigationId: row.investigationId,
      actorId: null,
      kind: 'suspect_found',
      data: { episodeId: row.episodeId, sha: row.sha, label: row.subject ?? row.sha.slice(0, 10) },
      at,
    })
    recorded++
  }
  return recorded
}
