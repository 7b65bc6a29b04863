// Investigations: what engineers open when something broke, the evidence they gather, their notes,
// canvas positions, and one activity row per change (written in the same transaction as the change;
// notifications fan out from it).
//
// Full-text search (`investigations_fts`, SQLite FTS5) is created by a hand-written migration with
// triggers on investigations and investigation_notes; Drizzle cannot declare virtual tables.
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { ciRuns, repositories } from './connectors'
import { users } from './identity'
import { episodes } from './linker'

export const INVESTIGATION_KINDS = ['failing_build', 'regression', 'incident'] as const
export type InvestigationKind = (typeof INVESTIGATION_KINDS)[number]

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const
export type Severity = (typeof SEVERITIES)[number]

export const INVESTIGATION_STATUSES = ['open', 'investigating', 'identified', 'mitigated', 'resolved', 'closed'] as const
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number]

export const investigations = sqliteTable(
  'investigations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    // Markdown: what the reporter sees.
    description: text('description').notNull().default(''),
    kind: text('kind', { enum: INVESTIGATION_KINDS }).notNull(),
    severity: text('severity', { enum: SEVERITIES }).notNull(),
    status: text('status', { enum: INVESTIGATION_STATUSES }).notNull().default('open'),
    // Scope (step 2 of the wizard). All optional: an incident may have no repository.
    repositoryId: text('repository_id').references(() => repositories.id, { onDelete: 'set null' }),
    branch: text('branch'),
    // A CI workflow or job name (linker sequence name).
    workflow: text('workflow'),
    environment: text('environment'),
    // When (step 3), ms since the epoch; prefilled from the linker's first red and last green.
    firstSeenAt: integer('first_seen_at'),
    lastKnownGoodAt: integer('last_known_good_at'),
    episodeId: integer('episode_id').references(() => episodes.id, { onDelete: 'set null' }),
    firstRedRunId: integer('first_red_run_id').references(() => ciRuns.id, { onDelete: 'set null' }),
    lastGreenRunId: integer('last_green_run_id').references(() => ciRuns.id, { onDelete: 'set null' }),
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'set null' }),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    // Soft delete (admins): hidden everywhere, kept for the audit log.
    deletedAt: integer('deleted_at'),
    deletedBy: text('deleted_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    // The list: newest updated first, keyset on (updated_at, id).
    index('investigations_updated_idx').on(t.updatedAt, t.id).where(sql`deleted_at is null`),
    index('investigations_owner_idx').on(t.ownerId, t.updatedAt),
    index('investigations_repository_idx').on(t.repositoryId, t.updatedAt),
    index('investigations_status_idx').on(t.status, t.updatedAt),
    index('investigations_episode_idx').on(t.episodeId),
  ],
)

// A wizard in progress: saved on every step, so reload, back and forward, or tomorrow lose nothing.
export const investigationDrafts = sqliteTable(
  'investigation_drafts',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The furthest step completed (0: none yet).
    step: integer('step').notNull().default(0),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('investigation_drafts_user_idx').on(t.userId, t.updatedAt)],
)

export const investigationWatchers = sqliteTable(
  'investigation_watchers',
  {
    investigationId: integer('investigation_id')
      .notNull()
      .references(() => investigations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.investigationId, t.userId] }), index('investigation_watchers_user_idx').on(t.userId)],
)

export const EVIDENCE_KINDS = ['commit', 'ci_run', 'test', 'suspect', 'flaky_test', 'episode', 'link', 'deploy'] as const
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number]

// What an investigation points at. `ref` names the thing within its kind:
// commit: sha; ci_run: ci_runs.id; test: test key (`scope TAB name`); suspect: `episodeId:sha`;
// flaky_test: flaky_tests.id; episode: episodes.id; link and deploy: the URL.
export const investigationEvidence = sqliteTable(
  'investigation_evidence',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    investigationId: integer('investigation_id')
      .notNull()
      .references(() => investigations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: EVIDENCE_KINDS }).notNull(),
    ref: text('ref').notNull(),
    repositoryId: text('repository_id').references(() => repositories.id, { onDelete: 'set null' }),
    // A short label for lists and the canvas (commit subject, run name, test name, link title).
    label: text('label').notNull(),
    // When the thing happened (commit time, run completion, deploy time), for the timeline and canvas.
    occurredAt: integer('occurred_at'),
    note: text('note'),
    addedBy: text('added_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('investigation_evidence_ref_unique').on(t.investigationId, t.kind, t.ref),
    index('investigation_evidence_lookup_idx').on(t.kind, t.ref),
  ],
)

export const investigationNotes = sqliteTable(
  'investigation_notes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    investigationId: integer('investigation_id')
      .notNull()
      .references(() => investigations.id, { onDelete: 'cascade' }),
    authorId: text('author_id').references(() => users.id, { onDelete: 'set null' }),
    // Markdown source; rendered safely (no raw HTML) when shown.
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deletedAt: integer('deleted_at'),
  },
  (t) => [index('investigation_notes_investigation_idx').on(t.investigationId, t.createdAt)],
)

// Where someone dragged a canvas node, for everyone. `node_key` is the canvas's own node id
// (e.g. `commit:<sha>`, `run:<id>`); nodes without a row sit where the layout puts them.
export const canvasPositions = sqliteTable(
  'canvas_positions',
  {
    investigationId: integer('investigation_id')
      .notNull()
      .references(() => investigations.id, { onDelete: 'cascade' }),
    nodeKey: text('node_key').notNull(),
    x: real('x').notNull(),
    y: real('y').notNull(),
    updatedBy: text('updated_by').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.investigationId, t.nodeKey] })],
)

export const ACTIVITY_KINDS = [
  'created',
  'status_changed',
  'severity_changed',
  'owner_changed',
  'details_changed',
  'watcher_added',
  'watcher_removed',
  'note_added',
  'evidence_added',
  'evidence_removed',
  'suspect_accepted',
  'suspect_rejected',
  'suspect_found',
  'deleted',
] as const
export type ActivityKind = (typeof ACTIVITY_KINDS)[number]

// One row per change to an investigation, written in the same transaction as the change.
// `data` holds what changed (from/to, the note id and mentioned user ids, the evidence ref...).
export const activity = sqliteTable(
  'activity',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    investigationId: integer('investigation_id')
      .notNull()
      .references(() => investigations.id, { onDelete: 'cascade' }),
    // Null for the system (the linker finding a new suspect).
    actorId: text('actor_id').references(() => users.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: ACTIVITY_KINDS }).notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('activity_investigation_idx').on(t.investigationId, t.id), index('activity_created_idx').on(t.createdAt)],
)
