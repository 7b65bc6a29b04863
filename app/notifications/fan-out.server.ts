// Fan-out of an investigation's activity to the people who should hear of it, in the activity's
// transaction: a `notifications` row per person (the digest takes the `pending` ones), and for those
// who want it at once, the rendered mail in the outbox with its one-click unsubscribe headers.
// Never the person who did it; never a disabled account; nothing for "off" or while paused.
import { sql } from 'drizzle-orm'
import { createElement, type ReactElement } from 'react'
import { notifications, type Delivery, type NotificationEventType } from '../../db/schema/notifications'
import { AssignedEmail, assignedSubject } from '../emails/assigned'
import { CommentEmail, commentSubject } from '../emails/comment'
import { renderEmail } from '../emails/render.server'
import { StatusChangedEmail, statusChangedSubject } from '../emails/status-changed'
import { SuspectFoundEmail, suspectFoundSubject } from '../emails/suspect-found'
import type { Tx } from '../connectors/timeline.server'
import { getEnv } from '../env.server'
import type { ActivityRecord } from '../investigations/activity.server'
import { STATUS_LABELS } from '../investigations/status'
import { enqueueEmail } from './outbox.server'
import { DEFAULT_DELIVERY, DEFAULT_DIGEST } from './preferences-schema'
import { effectiveDelivery } from './preferences.server'
import { preferencesUrl, unsubscribeLinkFor } from './unsubscribe.server'

/** One person to tell about one thing, with what their preferences make of it. */
export interface NotificationItem {
  userId: string
  email: string
  eventType: NotificationEventType
  /** After the master switch and digest schedule: `off` items are dropped. */
  delivery: Delivery
  activityId: number | null
  investigationId: number | null
  summary: string
  /** Permalink path inside the app, e.g. `/investigations/12#activity-40`. */
  path: string
  data: Record<string, unknown>
  /** For immediate mail: the template name, subject and element (given the footer links). */
  mail: {
    template: string
    subject: string
    element: (links: { unsubscribeUrl: string; preferencesUrl: string }) => ReactElement
  }
}

/**
 * Writes notifications (and immediate mail) in the caller's transaction. Items whose delivery is
 * `off` are skipped. Returns how many mails were enqueued.
 */
export async function deliverNotifications(tx: Tx, items: NotificationItem[], at = Date.now()): Promise<number> {
  const rows: Array<typeof notifications.$inferInsert> = []
  let mailed = 0
  for (const item of items) {
    if (item.delivery === 'off') continue
    let outboxId: string | null = null
    if (item.delivery === 'immediate') {
      const link = await unsubscribeLinkFor(tx, item.userId, item.eventType, at)
      const { html, text } = await renderEmail(
        item.mail.element({ unsubscribeUrl: link.url, preferencesUrl: preferencesUrl() }),
      )
      outboxId = await enqueueEmail(
        tx,
        {
          userId: item.userId,
          to: item.email,
          category: item.eventType,
          template: item.mail.template,
          subject: item.mail.subject,
          html,
          text,
          headers: link.headers,
        },
        at,
      )
      mailed++
    }
    rows.push({
      userId: item.userId,
      eventType: item.eventType,
      delivery: item.delivery,
      // Immediate ones are handed to the outbox now; digest ones wait for their digest.
      status: item.delivery === 'immediate' ? 'emailed' : 'pending',
      activityId: item.activityId,
      investigationId: item.investigationId,
      summary: item.summary,
      path: item.path,
      data: item.data,
      outboxId,
      createdAt: at,
    })
  }
  if (rows.length) await tx.insert(notifications).values(rows)
  return mailed
}

interface Audience {
  eventType: NotificationEventType
  owner: boolean
  watchers: boolean
  /** People named by the activity itself: a new owner, the mentioned. */
  named: string[]
  /** Of `named`, those who are told because they were mentioned. */
  mentioned: boolean
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.length > 0) : []
}

/** Who hears of an activity, and as what (CONTRACTS.md). Null: nobody. */
function audienceOf(activity: ActivityRecord): Audience | null {
  const data = activity.data
  switch (activity.kind) {
    case 'created':
      return typeof data.ownerId === 'string'
        ? { eventType: 'assigned', owner: false, watchers: false, named: [data.ownerId], mentioned: false }
        : null
    case 'owner_changed':
      return typeof data.to === 'string'
        ? { eventType: 'assigned', owner: false, watchers: false, named: [data.to], mentioned: false }
        : null
    case 'status_changed':
      return { eventType: 'status_changed', owner: true, watchers: true, named: [], mentioned: false }
    case 'note_added':
      return { eventType: 'comment', owner: true, watchers: true, named: stringList(data.mentions), mentioned: true }
    case 'suspect_found':
      return { eventType: 'suspect_found', owner: true, watchers: true, named: [], mentioned: false }
    default:
      return null
  }
}

interface RecipientRow {
  userId: string
  email: string
  name: string
  named: number
  delivery: Delivery | null
  frequency: 'daily' | 'weekly' | 'off' | null
  paused: number | null
  investigationTitle: string
  severity: string
  status: string
  actorName: string | null
}

const label = (status: unknown) =>
  typeof status === 'string' && status in STATUS_LABELS
    ? STATUS_LABELS[status as keyof typeof STATUS_LABELS]
    : String(status)

/** Writes the notifications (and immediate mail) an activity causes, in the activity's transaction. */
export async function fanOutActivity(tx: Tx, activity: ActivityRecord): Promise<void> {
  const audience = audienceOf(activity)
  if (!audience) return
  const { eventType } = audience
  // Recipients, their preferences for this event type, their digest switch, the investigation and
  // the actor's name: one query.
  const rows = await tx.all<RecipientRow>(sql`
    with candidates(user_id, named) as (
      select owner_id, 0 from investigations where id = ${activity.investigationId} and ${audience.owner ? 1 : 0} = 1 and owner_id is not null
      union all
      select user_id, 0 from investigation_watchers where investigation_id = ${activity.investigationId} and ${audience.watchers ? 1 : 0} = 1
      union all
      select value, 1 from json_each(${JSON.stringify(audience.named)})
    ),
    recipients as (select user_id, max(named) as named from candidates group by user_id)
    select u.id as userId, u.email, u.name, r.named, p.delivery, d.frequency, d.paused,
      i.title as investigationTitle, i.severity, i.status,
      (select name from users where id = ${activity.actorId}) as actorName
    from recipients r
    join users u on u.id = r.user_id
    join investigations i on i.id = ${activity.investigationId} and i.deleted_at is null
    left join notification_preferences p on p.user_id = u.id and p.event_type = ${eventType}
    left join digest_settings d on d.user_id = u.id
    where u.disabled_at is null and u.id is not ${activity.actorId}`)
  if (rows.length === 0) return

  const id = activity.investigationId
  const path = `/investigations/${id}#activity-${activity.id}`
  const url = `${getEnv().APP_URL}${path}`
  const items: NotificationItem[] = []
  for (const row of rows) {
    const delivery = effectiveDelivery(row.delivery ?? DEFAULT_DELIVERY[eventType], {
      paused: Boolean(row.paused ?? DEFAULT_DIGEST.paused),
      frequency: row.frequency ?? DEFAULT_DIGEST.frequency,
    })
    if (delivery === 'off') continue
    const investigation = { id, title: row.investigationTitle }
    const who = row.actorName ?? 'Inquest'
    const base = {
      userId: row.userId,
      email: row.email,
      eventType,
      delivery,
      activityId: activity.id,
      investigationId: id,
      path,
    }
    const common = { kind: activity.kind, investigationTitle: row.investigationTitle, actorName: row.actorName }
    if (eventType === 'assigned') {
      const props = {
        recipientName: row.name,
        actorName: row.actorName,
        investigation: { ...investigation, severity: row.severity, status: label(row.status) },
        url,
      }
      items.push({
        ...base,
        summary: `${who} assigned #${id} to you: ${row.investigationTitle}`,
        data: common,
        mail: {
          template: 'assigned',
          subject: assignedSubject(props),
          element: (links) => createElement(AssignedEmail, { ...props, ...links }),
        },
      })
    } else if (eventType === 'status_changed') {
      const props = {
        recipientName: row.name,
        actorName: row.actorName,
        investigation,
        from: label(activity.data.from),
        to: label(activity.data.to),
        url,
      }
      items.push({
        ...base,
        summary: `${who} moved #${id} from ${props.from} to ${props.to}: ${row.investigationTitle}`,
        data: { ...common, from: activity.data.from, to: activity.data.to },
        mail: {
          template: 'status-changed',
          subject: statusChangedSubject(props),
          element: (links) => createElement(StatusChangedEmail, { ...props, ...links }),
        },
      })
    } else if (eventType === 'comment') {
      const excerpt = typeof activity.data.excerpt === 'string' ? activity.data.excerpt : ''
      const mentioned = row.named === 1
      const props = { recipientName: row.name, actorName: row.actorName, investigation, excerpt, mentioned, url }
      items.push({
        ...base,
        summary: `${who} ${mentioned ? 'mentioned you on' : 'commented on'} #${id}: ${excerpt.slice(0, 120)}`,
        data: { ...common, noteId: activity.data.noteId, excerpt, mentioned },
        mail: {
          template: 'comment',
          subject: commentSubject(props),
          element: (links) => createElement(CommentEmail, { ...props, ...links }),
        },
      })
    } else if (eventType === 'suspect_found') {
      const sha = typeof activity.data.sha === 'string' ? activity.data.sha : ''
      const suspectLabel = typeof activity.data.label === 'string' ? activity.data.label : ''
      const props = { recipientName: row.name, investigation, sha, label: suspectLabel, url }
      items.push({
        ...base,
        summary: `New suspect ${sha.slice(0, 7)} for #${id}: ${suspectLabel}`,
        data: { ...common, episodeId: activity.data.episodeId, sha, label: suspectLabel },
        mail: {
          template: 'suspect-found',
          subject: suspectFoundSubject(props),
          element: (links) => createElement(SuspectFoundEmail, { ...props, ...links }),
        },
      })
    }
  }
  await deliverNotifications(tx, items, activity.createdAt)
}
