// The event linker's tables: links (CI run -> commit, push -> commits), per-(branch, workflow)
// sequences, red episodes with their suspect range and ranked suspects, and flaky tests.
//
// Everything here can be rebuilt from the connector tables by a full recompute except the
// decisions people made (link and suspect status, decided_by, decided_at), which a recompute keeps.
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { ciRuns, repositories } from './connectors'
import { users } from './identity'

export const DECISION_STATUSES = ['suggested', 'accepted', 'rejected'] as const
export type DecisionStatus = (typeof DECISION_STATUSES)[number]

// Leases and feed watermarks of the linker worker: `lease` (text = holder, int = until, ms),
// `events_after`, `tests_after`, `imports_after` (the last row id or time already consumed).
export const linkerState = sqliteTable('linker_state', {
  key: text('key').primaryKey(),
  intValue: integer('int_value'),
  textValue: text('text_value'),
  updatedAt: integer('updated_at').notNull(),
})

export const LINKER_QUEUE_KINDS = ['run', 'recompute', 'rescore'] as const

// Work for the linker that no feed shows: a CI run whose state changed (upsertCiRun writes one in
// its own transaction), a link decision, or a full recompute someone asked for.
export const linkerQueue = sqliteTable(
  'linker_queue',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: LINKER_QUEUE_KINDS }).notNull(),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    // run: ci_runs.id; rescore: episodes.id; recompute: null
    ref: text('ref'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('linker_queue_repository_idx').on(t.repositoryId)],
)

export const SEQUENCE_STATES = ['green', 'red', 'likely_flaky', 'unknown'] as const
export type SequenceState = (typeof SEQUENCE_STATES)[number]

// One (repository, branch, workflow or job name): its completed runs in commit-graph order.
export const linkerSequences = sqliteTable(
  'linker_sequences',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    branch: text('branch').notNull(),
    name: text('name').notNull(),
    state: text('state', { enum: SEQUENCE_STATES }).notNull().default('unknown'),
    // The newest commit in commit order and the run that decided its result.
    headSha: text('head_sha'),
    headRunId: integer('head_run_id'),
    lastGreenSha: text('last_green_sha'),
    lastGreenRunId: integer('last_green_run_id'),
    openEpisodeId: integer('open_episode_id'),
    commitCount: integer('commit_count').notNull().default(0),
    // Completed runs whose commit the linker has not seen yet (no push or import brought it).
    pendingRuns: integer('pending_runs').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('linker_sequences_key_unique').on(t.repositoryId, t.branch, t.name),
  ],
)

export const EPISODE_STATUSES = ['open', 'closed'] as const
// Where the range starts: the sequence's own last green, the default branch's last green that the
// first red commit contains (a branch with no green run yet), or nothing (the whole history, capped).
export const EPISODE_BASES = ['sequence', 'default_branch', 'none'] as const

export const episodes = sqliteTable(
  'episodes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    sequenceId: integer('sequence_id')
      .notNull()
      .references(() => linkerSequences.id, { onDelete: 'cascade' }),
    branch: text('branch').notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: EPISODE_STATUSES }).notNull(),
    // Every red run of the streak failed only known-flaky tests: shown, but the branch is not red.
    likelyFlaky: integer('likely_flaky', { mode: 'boolean' }).notNull().default(false),
    firstRedSha: text('first_red_sha').notNull(),
    firstRedRunId: integer('first_red_run_id')
      .notNull()
      .references(() => ciRuns.id, { onDelete: 'cascade' }),
    base: text('base', { enum: EPISODE_BASES }).notNull(),
    lastGreenSha: text('last_green_sha'),
    lastGreenRunId: integer('last_green_run_id').references(() => ciRuns.id, { onDelete: 'set null' }),
    closingSha: text('closing_sha'),
    closingRunId: integer('closing_run_id').references(() => ciRuns.id, { onDelete: 'set null' }),
    // Red (or likely flaky) commits in the streak, first red included.
    redCommits: integer('red_commits').notNull(),
    rangeSize: integer('range_size').notNull(),
    // More commits than the linker keeps for one range: the newest are kept.
    rangeTruncated: integer('range_truncated', { mode: 'boolean' }).notNull().default(false),
    // The walk met a parent the linker has never seen (history not imported): the range may lack commits.
    rangeIncomplete: integer('range_incomplete', { mode: 'boolean' }).notNull().default(false),
    openedAt: integer('opened_at').notNull(),
    closedAt: integer('closed_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('episodes_sequence_idx').on(t.sequenceId, t.firstRedSha),
    index('episodes_status_idx').on(t.status, t.openedAt),
    index('episodes_repository_idx').on(t.repositoryId, t.branch),
    // Branches that borrow their base from the default branch, looked up when its greens change.
    index('episodes_borrowing_idx').on(t.repositoryId, t.name).where(sql`base != 'sequence'`),
  ],
)

// The suspect range: `git rev-list LAST_GREEN..FIRST_RED`. Position 0 is the first red commit's end.
export const episodeCommits = sqliteTable(
  'episode_commits',
  {
    episodeId: integer('episode_id')
      .notNull()
      .references(() => episodes.id, { onDelete: 'cascade' }),
    sha: text('sha').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.episodeId, t.sha] })],
)

export interface SuspectReason {
  code: string
  /** Worded for a person checking it at a glance. */
  text: string
  /** What this reason added to the score. */
  points: number
}

// Suspects of an episode, ranked by score. A recompute rewrites score and reasons, never the decision:
// a rejected suspect stays rejected (and out of the ranking) for that episode.
export const suspects = sqliteTable(
  'suspects',
  {
    episodeId: integer('episode_id')
      .notNull()
      .references(() => episodes.id, { onDelete: 'cascade' }),
    sha: text('sha').notNull(),
    score: real('score').notNull(),
    reasons: text('reasons', { mode: 'json' }).$type<SuspectReason[]>().notNull(),
    // False when a recompute moved the commit out of the range; kept because it carries a decision.
    inRange: integer('in_range', { mode: 'boolean' }).notNull().default(true),
    status: text('status', { enum: DECISION_STATUSES }).notNull().default('suggested'),
    decidedBy: text('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: integer('decided_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.episodeId, t.sha] })],
)

// Who changed which file inside which red episode's range: "same author as an earlier red episode on
// the same files". Kept only for ranges short enough to blame anyone in them.
export const episodeFileAuthors = sqliteTable(
  'episode_file_authors',
  {
    episodeId: integer('episode_id')
      .notNull()
      .references(() => episodes.id, { onDelete: 'cascade' }),
    repositoryId: text('repository_id').notNull(),
    authorEmail: text('author_email').notNull(),
    path: text('path').notNull(),
    sha: text('sha').notNull(),
    openedAt: integer('opened_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.episodeId, t.sha, t.path] }),
    index('episode_file_authors_pair_idx').on(t.repositoryId, t.path, t.authorEmail, t.openedAt),
  ],
)

export const LINK_FROM_KINDS = ['ci_run', 'push'] as const
export const LINK_RULES = ['run-head-sha', 'push-head', 'push-range', 'push-payload'] as const
export type LinkRule = (typeof LINK_RULES)[number]

// A CI run -> its head commit; a push (events.id) -> each commit it brought.
export const links = sqliteTable(
  'links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    fromKind: text('from_kind', { enum: LINK_FROM_KINDS }).notNull(),
    fromRef: text('from_ref').notNull(),
    toKind: text('to_kind', { enum: ['commit'] }).notNull().default('commit'),
    toRef: text('to_ref').notNull(),
    rule: text('rule', { enum: LINK_RULES }).notNull(),
    confidence: real('confidence').notNull(),
    status: text('status', { enum: DECISION_STATUSES }).notNull().default('suggested'),
    decidedBy: text('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: integer('decided_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('links_edge_unique').on(t.fromKind, t.fromRef, t.toKind, t.toRef),
    index('links_to_idx').on(t.repositoryId, t.fromKind, t.toRef),
    index('links_rejected_idx').on(t.repositoryId, t.fromKind).where(sql`status = 'rejected'`),
  ],
)

// Each test's outcome on each commit, over every run on that commit (attempts, jobs, workflows):
// passed and failed both set means it flaked there.
export const testOutcomes = sqliteTable(
  'test_outcomes',
  {
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    // `classname (or suite)` TAB `name`
    testKey: text('test_key').notNull(),
    sha: text('sha').notNull(),
    passed: integer('passed', { mode: 'boolean' }).notNull(),
    failed: integer('failed', { mode: 'boolean' }).notNull(),
    firstAt: integer('first_at').notNull(),
    lastAt: integer('last_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.repositoryId, t.testKey, t.sha] }),
    index('test_outcomes_time_idx').on(t.repositoryId, t.testKey, t.lastAt),
  ],
)

// Tests that flaked at least once; their rate over the window is computed from test_outcomes.
export const flakyTests = sqliteTable(
  'flaky_tests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    testKey: text('test_key').notNull(),
    // The test's class name (JUnit `classname`), or its suite's name when it has none.
    scope: text('scope').notNull(),
    name: text('name').notNull(),
    // JUnit `file` of a failing result, when the report gave one.
    file: text('file'),
    firstFlakyAt: integer('first_flaky_at').notNull(),
    lastFlakyAt: integer('last_flaky_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('flaky_tests_key_unique').on(t.repositoryId, t.testKey), index('flaky_tests_last_idx').on(t.lastFlakyAt)],
)
