// Notifications: who wants which mail how, the notifications an activity fans out to, digests (one
// per user and period), the transactional email outbox, and one-click unsubscribe tokens.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { repositories } from './connectors'
import { users } from './identity'
import { activity, investigations } from './investigations'

export const NOTIFICATION_EVENT_TYPES = [
  'assigned',
  'status_changed',
  'comment',
  'suspect_found',
  'branch_red',
  'weekly_summary',
] as const
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number]

export const DELIVERIES = ['immediate', 'digest', 'off'] as const
export type Delivery = (typeof DELIVERIES)[number]

// A person's choice for one event type; no row means the default for that type.
export const notificationPreferences = sqliteTable(
  'notification_preferences',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    eventType: text('event_type', { enum: NOTIFICATION_EVENT_TYPES }).notNull(),
    delivery: text('delivery', { enum: DELIVERIES }).notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.eventType] })],
)

export const DIGEST_FREQUENCIES = ['daily', 'weekly', 'off'] as const
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number]

// No row means the defaults (daily at 08:00 UTC, not paused).
export const digestSettings = sqliteTable('digest_settings', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  frequency: text('frequency', { enum: DIGEST_FREQUENCIES }).notNull(),
  // ISO weekday for weekly digests: 1 = Monday ... 7 = Sunday.
  weekday: integer('weekday').notNull().default(1),
  // Local hour of day, 0-23, in `timezone`.
  hour: integer('hour').notNull().default(8),
  // IANA name, e.g. `Europe/Berlin`.
  timezone: text('timezone').notNull().default('UTC'),
  // The master switch: pauses every non-essential mail (immediate and digest).
  paused: integer('paused', { mode: 'boolean' }).notNull().default(false),
  updatedAt: integer('updated_at').notNull(),
})

// "A branch I watch went red".
export const branchWatches = sqliteTable(
  'branch_watches',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    branch: text('branch').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.repositoryId, t.branch] }), index('branch_watches_branch_idx').on(t.repositoryId, t.branch)],
)

export const NOTIFICATION_STATUSES = ['pending', 'emailed', 'digested', 'cancelled'] as const

// One thing one person should hear about. Immediate ones get an outbox row in the same transaction;
// digest ones wait (`pending`) until their digest takes them.
export const notifications = sqliteTable(
  'notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    eventType: text('event_type', { enum: NOTIFICATION_EVENT_TYPES }).notNull(),
    delivery: text('delivery', { enum: ['immediate', 'digest'] }).notNull(),
    status: text('status', { enum: NOTIFICATION_STATUSES }).notNull().default('pending'),
    activityId: integer('activity_id').references(() => activity.id, { onDelete: 'cascade' }),
    investigationId: integer('investigation_id').references(() => investigations.id, { onDelete: 'cascade' }),
    // One line for the digest and the subject, e.g. "Ada moved #12 to identified".
    summary: text('summary').notNull(),
    // The permalink path (`/investigations/12#activity-40`, `/episodes/7`).
    path: text('path').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
    digestId: integer('digest_id'),
    outboxId: text('outbox_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('notifications_pending_idx').on(t.userId, t.status, t.delivery, t.id),
    index('notifications_activity_idx').on(t.activityId),
  ],
)

// At most one digest per person and period (`2026-12-01`, `2026-W49`, in their timezone).
export const digests = sqliteTable(
  'digests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    period: text('period').notNull(),
    notificationCount: integer('notification_count').notNull(),
    outboxId: text('outbox_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('digests_user_period_unique').on(t.userId, t.period)],
)

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'captured', 'cancelled'] as const
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number]

// Mail to send, written in the same transaction as what caused it. The id is Resend's Idempotency-Key.
export const emailOutbox = sqliteTable(
  'email_outbox',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    toAddress: text('to_address').notNull(),
    // An event type, `digest`, or `security` (invites and the like: always sent, no unsubscribe).
    category: text('category').notNull(),
    template: text('template').notNull(),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    headers: text('headers', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    // A sender holds `sending` rows until then; past it, another sender may take them again.
    leaseUntil: integer('lease_until'),
    // Rows the sender sent together in one batch call keep going together (same rows, same
    // Idempotency-Key) until they settle, so a retry after a crash is one Resend already knows.
    batchKey: text('batch_key'),
    lastError: text('last_error'),
    providerMessageId: text('provider_message_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [
    index('email_outbox_due_idx').on(t.status, t.nextAttemptAt),
    index('email_outbox_user_idx').on(t.userId, t.category, t.status),
    index('email_outbox_created_idx').on(t.createdAt),
    index('email_outbox_batch_idx').on(t.batchKey),
  ],
)

// One-click unsubscribe: the token names a person and a category (an event type, `digest`, or `all`).
// Only its SHA-256 is stored.
export const unsubscribeTokens = sqliteTable(
  'unsubscribe_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    category: text('category').notNull(),
    // What the setting was before the last unsubscribe through this token, for "undo".
    previous: text('previous', { mode: 'json' }).$type<Record<string, unknown>>(),
    usedAt: integer('used_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('unsubscribe_tokens_user_idx').on(t.userId)],
)
