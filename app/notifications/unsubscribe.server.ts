// One-click unsubscribe (RFC 8058). Every non-essential mail carries a fresh token naming a person and
// a category (an event type, `digest`, or `all`); only its SHA-256 is stored. The token is the proof:
// no login, no cookie. Unsubscribing takes effect at once: mail of that category still waiting in the
// outbox is cancelled, and so are digest notifications that have not gone out yet.
import { sql } from 'drizzle-orm'
import { unsubscribeTokens, type Delivery, type DigestFrequency } from '../../db/schema/notifications'
import { recordAudit } from '../auth/audit.server'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import { firstRow } from '../linker/sql.server'
import { newSecret, sha256Hex } from '../utils/crypto.server'
import {
  EVENT_TYPES,
  UNSUBSCRIBE_CATEGORIES,
  UNSUBSCRIBE_LABELS,
  type NotificationEventType,
  type UnsubscribeCategory,
} from './preferences-schema'
import {
  cancelPendingMail,
  getDeliveryFor,
  getDigestSettings,
  saveDigestSettings,
  setDelivery,
} from './preferences.server'

export { UNSUBSCRIBE_LABELS, type UnsubscribeCategory }

// newSecret() is base64url; anything else cannot be one of ours and is not worth a query.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,128}$/
const AUDIT_ACTOR = { label: 'unsubscribe link' }

export interface UnsubscribeLink {
  /** APP_URL/unsubscribe/TOKEN: the visible link in the mail and the List-Unsubscribe target. */
  url: string
  /** List-Unsubscribe and List-Unsubscribe-Post, for the outbox row. */
  headers: Record<string, string>
}

/** The settings page, for the "manage preferences" link in every non-essential mail. */
export function preferencesUrl(): string {
  return `${getEnv().APP_URL}/settings/notifications`
}

function isEventType(category: string): category is NotificationEventType {
  return (EVENT_TYPES as readonly string[]).includes(category)
}

export function isUnsubscribeCategory(category: string): category is UnsubscribeCategory {
  return (UNSUBSCRIBE_CATEGORIES as readonly string[]).includes(category)
}

/**
 * A new unsubscribe token for one mail, stored hashed in the caller's transaction (the one that
 * enqueues the mail). Security mail has none: never call this for `security`.
 */
export async function unsubscribeLinkFor(
  tx: Tx,
  userId: string,
  category: UnsubscribeCategory,
  at = Date.now(),
): Promise<UnsubscribeLink> {
  if (!isUnsubscribeCategory(category)) throw new Error(`not an unsubscribe category: ${String(category)}`)
  const token = newSecret()
  await tx.insert(unsubscribeTokens).values({ tokenHash: sha256Hex(token), userId, category, createdAt: at })
  const url = `${getEnv().APP_URL}/unsubscribe/${token}`
  return {
    url,
    headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  }
}

interface TokenRow {
  tokenHash: string
  userId: string
  email: string
  category: string
  previous: string | null
  usedAt: number | null
}

async function tokenRow(db: Tx, token: string): Promise<TokenRow | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined
  const row = await firstRow<TokenRow>(
    db,
    sql`select t.token_hash as tokenHash, t.user_id as userId, u.email as email, t.category, t.previous, t.used_at as usedAt
        from unsubscribe_tokens t join users u on u.id = t.user_id
        where t.token_hash = ${sha256Hex(token)}`,
  )
  return row && isUnsubscribeCategory(row.category) ? row : undefined
}

/** Whether the person currently gets mail of this category at all (by their own setting). */
async function isSubscribed(db: Tx, userId: string, category: UnsubscribeCategory): Promise<boolean> {
  if (category === 'all') return !(await getDigestSettings(userId, db)).paused
  if (category === 'digest') return (await getDigestSettings(userId, db)).frequency !== 'off'
  return (await getDeliveryFor(userId, category, db)) !== 'off'
}

export interface UnsubscribeState {
  category: UnsubscribeCategory
  /** What stops, in words: "comments and mentions", "your digest", "all mail except security mail". */
  label: string
  /** The address the token's mail went to (shown so people know which account this is). */
  email: string
  subscribed: boolean
  /** An earlier unsubscribe through this token can be undone. */
  canUndo: boolean
}

/** What a token stands for, for the GET page. Changes nothing. Null for an unknown token. */
export async function findUnsubscribeToken(token: string): Promise<UnsubscribeState | null> {
  const db = getDb()
  const row = await tokenRow(db, token)
  if (!row) return null
  const category = row.category as UnsubscribeCategory
  return {
    category,
    label: UNSUBSCRIBE_LABELS[category],
    email: row.email,
    subscribed: await isSubscribed(db, row.userId, category),
    canUndo: row.previous !== null,
  }
}

export type UnsubscribeOutcome =
  | { ok: true; state: UnsubscribeState; changed: boolean; cancelledMail: number; cancelledNotifications: number }
  | { ok: false; reason: 'unknown' }

type Previous = { delivery: Delivery } | { frequency: DigestFrequency } | { paused: boolean }

/**
 * Unsubscribes the token's person from its category. Idempotent: a second call changes nothing and
 * keeps the setting from before the first for "undo". One transaction, with the audit entry.
 */
export async function unsubscribeWithToken(token: string, at = Date.now()): Promise<UnsubscribeOutcome> {
  return getDb().transaction(async (tx) => {
    const row = await tokenRow(tx, token)
    if (!row) return { ok: false, reason: 'unknown' } as const
    const category = row.category as UnsubscribeCategory
    let previous: Previous | null = null
    if (category === 'all') {
      const digest = await getDigestSettings(row.userId, tx)
      if (!digest.paused) {
        previous = { paused: false }
        await saveDigestSettings(tx, row.userId, { paused: true }, at)
      }
    } else if (category === 'digest') {
      const digest = await getDigestSettings(row.userId, tx)
      if (digest.frequency !== 'off') {
        previous = { frequency: digest.frequency }
        await saveDigestSettings(tx, row.userId, { frequency: 'off' }, at)
      }
    } else if (isEventType(category)) {
      const delivery = await getDeliveryFor(row.userId, category, tx)
      if (delivery !== 'off') {
        previous = { delivery }
        await setDelivery(tx, row.userId, category, 'off', at)
      }
    }
    // Even with no change of setting: anything still waiting in this category must not go out.
    const cancelled = await cancelPendingMail(tx, row.userId, category, at)
    const changed = previous !== null
    if (changed) {
      await tx.run(
        sql`update unsubscribe_tokens set used_at = ${at}, previous = ${JSON.stringify(previous)} where token_hash = ${row.tokenHash}`,
      )
      await recordAudit(
        {
          action: 'notifications.unsubscribe',
          actor: AUDIT_ACTOR,
          targetType: 'user',
          targetId: row.userId,
          detail: { category, previous, ...cancelled },
        },
        tx,
      )
    }
    const state: UnsubscribeState = {
      category,
      label: UNSUBSCRIBE_LABELS[category],
      email: row.email,
      subscribed: false,
      canUndo: changed || row.previous !== null,
    }
    return { ok: true, state, changed, ...cancelled } as const
  })
}

export type UndoOutcome = { ok: true; state: UnsubscribeState; changed: boolean } | { ok: false; reason: 'unknown' }

/**
 * Puts back the setting from before this token's unsubscribe. Mail cancelled meanwhile stays
 * cancelled. A second undo changes nothing.
 */
export async function undoUnsubscribe(token: string, at = Date.now()): Promise<UndoOutcome> {
  return getDb().transaction(async (tx) => {
    const row = await tokenRow(tx, token)
    if (!row) return { ok: false, reason: 'unknown' } as const
    const category = row.category as UnsubscribeCategory
    const previous = row.previous ? (JSON.parse(row.previous) as Previous) : null
    if (previous) {
      if ('paused' in previous) await saveDigestSettings(tx, row.userId, { paused: previous.paused }, at)
      else if ('frequency' in previous) await saveDigestSettings(tx, row.userId, { frequency: previous.frequency }, at)
      else if ('delivery' in previous && isEventType(category))
        await setDelivery(tx, row.userId, category, previous.delivery, at)
      await tx.run(sql`update unsubscribe_tokens set previous = null where token_hash = ${row.tokenHash}`)
      await recordAudit(
        {
          action: 'notifications.unsubscribe_undo',
          actor: AUDIT_ACTOR,
          targetType: 'user',
          targetId: row.userId,
          detail: { category, restored: previous },
        },
        tx,
      )
    }
    const state: UnsubscribeState = {
      category,
      label: UNSUBSCRIBE_LABELS[category],
      email: row.email,
      subscribed: await isSubscribed(tx, row.userId, category),
      canUndo: false,
    }
    return { ok: true, state, changed: previous !== null } as const
  })
}
