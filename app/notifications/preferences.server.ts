// Who wants which mail, how and when. No row means the defaults (preferences-schema.ts), so a new
// person needs no setup and a change of defaults reaches everyone who never chose.
// Every read goes to the database: a saved change applies to the very next send.
import { sql } from 'drizzle-orm'
import {
  digestSettings,
  notificationPreferences,
  type Delivery,
  type NotificationEventType,
} from '../../db/schema/notifications'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { firstRow } from '../linker/sql.server'
import {
  DEFAULT_DELIVERY,
  DEFAULT_DIGEST,
  EVENT_TYPES,
  type DigestSettingsView,
  type PreferencesInput,
  type UnsubscribeCategory,
} from './preferences-schema'

export { DEFAULT_DELIVERY, DEFAULT_DIGEST, type DigestSettingsView }

export interface Preferences {
  deliveries: Record<NotificationEventType, Delivery>
  digest: DigestSettingsView
}

interface DigestRow {
  frequency: DigestSettingsView['frequency']
  weekday: number
  hour: number
  timezone: string
  paused: number | boolean
}

function digestFrom(row: DigestRow | undefined | null): DigestSettingsView {
  if (!row) return { ...DEFAULT_DIGEST }
  return {
    frequency: row.frequency,
    weekday: row.weekday,
    hour: row.hour,
    timezone: row.timezone,
    paused: Boolean(row.paused),
  }
}

/**
 * What a person wants for one event type as they chose it (or the default). It does not apply the
 * master switch or a digest that is off: use `effectiveDelivery` with `getDigestSettings` for that.
 */
export async function getDeliveryFor(
  userId: string,
  eventType: NotificationEventType,
  db: Tx = getDb(),
): Promise<Delivery> {
  const row = await firstRow<{ delivery: Delivery }>(
    db,
    sql`select delivery from notification_preferences where user_id = ${userId} and event_type = ${eventType}`,
  )
  return row?.delivery ?? DEFAULT_DELIVERY[eventType]
}

/** A person's digest schedule, timezone and master switch (defaults when they never saved any). */
export async function getDigestSettings(userId: string, db: Tx = getDb()): Promise<DigestSettingsView> {
  const row = await firstRow<DigestRow>(
    db,
    sql`select frequency, weekday, hour, timezone, paused from digest_settings where user_id = ${userId}`,
  )
  return digestFrom(row)
}

/**
 * What actually happens to a notification: nothing while the master switch is on, and nothing for
 * "in my digest" when the digest is off (it would wait forever). Otherwise the person's choice.
 */
export function effectiveDelivery(
  delivery: Delivery,
  digest: Pick<DigestSettingsView, 'paused' | 'frequency'>,
): Delivery {
  if (digest.paused) return 'off'
  if (delivery === 'digest' && digest.frequency === 'off') return 'off'
  return delivery
}

export interface DeliveryForUser {
  /** As chosen (or default). */
  delivery: Delivery
  /** After the master switch and the digest schedule. */
  effective: Delivery
  digest: DigestSettingsView
}

/**
 * The bulk variant: one query for many people and one event type. People without a row get the
 * defaults; ids that are not users are left out.
 */
export async function getDeliveriesFor(
  userIds: readonly string[],
  eventType: NotificationEventType,
  db: Tx = getDb(),
): Promise<Map<string, DeliveryForUser>> {
  const out = new Map<string, DeliveryForUser>()
  if (userIds.length === 0) return out
  const rows = await db.all<{ userId: string; delivery: Delivery | null } & Partial<DigestRow> & { hasDigest: number }>(
    sql`select u.id as userId, p.delivery as delivery, d.frequency as frequency, d.weekday as weekday, d.hour as hour,
          d.timezone as timezone, d.paused as paused, d.user_id is not null as hasDigest
        from users u
        left join notification_preferences p on p.user_id = u.id and p.event_type = ${eventType}
        left join digest_settings d on d.user_id = u.id
        where u.id in (select value from json_each(${JSON.stringify([...new Set(userIds)])}))`,
  )
  for (const row of rows) {
    const digest = digestFrom(row.hasDigest ? (row as DigestRow) : null)
    const delivery = row.delivery ?? DEFAULT_DELIVERY[eventType]
    out.set(row.userId, { delivery, effective: effectiveDelivery(delivery, digest), digest })
  }
  return out
}

/** Everything the settings page shows. */
export async function getPreferences(userId: string, db: Tx = getDb()): Promise<Preferences> {
  const rows = await db.all<{ eventType: NotificationEventType; delivery: Delivery }>(
    sql`select event_type as eventType, delivery from notification_preferences where user_id = ${userId}`,
  )
  const deliveries = { ...DEFAULT_DELIVERY }
  for (const row of rows) deliveries[row.eventType] = row.delivery
  return { deliveries, digest: await getDigestSettings(userId, db) }
}

/**
 * Saves the whole page in one transaction. What the new settings stop stops at once: mail of a type
 * now off (everything but security mail when paused, the digest when it is off) that is still waiting
 * in the outbox is cancelled, as are digest notifications that would no longer go out.
 */
export async function savePreferences(userId: string, input: PreferencesInput, at = Date.now()): Promise<void> {
  await getDb().transaction(async (tx) => {
    for (const eventType of EVENT_TYPES) await setDelivery(tx, userId, eventType, input[eventType], at)
    if (input.paused) await cancelPendingMail(tx, userId, 'all', at, 'paused')
    else {
      if (input.frequency === 'off') await cancelPendingMail(tx, userId, 'digest', at, 'digest turned off')
      for (const eventType of EVENT_TYPES)
        if (input[eventType] === 'off') await cancelPendingMail(tx, userId, eventType, at, 'turned off')
    }
    await saveDigestSettings(
      tx,
      userId,
      {
        frequency: input.frequency,
        weekday: input.weekday,
        hour: input.hour,
        timezone: input.timezone,
        paused: input.paused,
      },
      at,
    )
  })
}

/** Sets one event type's delivery (upsert). */
export async function setDelivery(
  tx: Tx,
  userId: string,
  eventType: NotificationEventType,
  delivery: Delivery,
  at = Date.now(),
) {
  await tx
    .insert(notificationPreferences)
    .values({ userId, eventType, delivery, updatedAt: at })
    .onConflictDoUpdate({
      target: [notificationPreferences.userId, notificationPreferences.eventType],
      set: { delivery, updatedAt: at },
    })
}

/** Changes some digest settings, keeping the others (or the defaults when there was no row). */
export async function saveDigestSettings(tx: Tx, userId: string, patch: Partial<DigestSettingsView>, at = Date.now()) {
  const next = { ...(await getDigestSettings(userId, tx)), ...patch }
  await tx
    .insert(digestSettings)
    .values({ userId, ...next, updatedAt: at })
    .onConflictDoUpdate({ target: digestSettings.userId, set: { ...next, updatedAt: at } })
}

/**
 * Cancels what is still waiting for a person in a category (an event type, `digest`, or `all` but
 * security mail): pending outbox rows and pending digest notifications. Rows a sender already holds
 * (`sending`) are past stopping.
 */
export async function cancelPendingMail(
  tx: Tx,
  userId: string,
  category: UnsubscribeCategory,
  at = Date.now(),
  why = 'unsubscribed',
) {
  const mailFilter =
    category === 'all'
      ? sql`category <> 'security'`
      : category === 'digest'
        ? sql`category = 'digest'`
        : sql`category = ${category}`
  const notificationFilter =
    category === 'all' ? sql`1 = 1` : category === 'digest' ? sql`delivery = 'digest'` : sql`event_type = ${category}`
  const mail = await tx.run(
    sql`update email_outbox set status = 'cancelled', last_error = ${why}, updated_at = ${at}
        where user_id = ${userId} and status = 'pending' and ${mailFilter}`,
  )
  const notes = await tx.run(
    sql`update notifications set status = 'cancelled' where user_id = ${userId} and status = 'pending' and ${notificationFilter}`,
  )
  return { cancelledMail: mail.rowsAffected, cancelledNotifications: notes.rowsAffected }
}
