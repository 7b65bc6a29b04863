import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { users } from './identity'

export const PROVIDERS = ['github', 'gitlab', 'git'] as const
export type Provider = (typeof PROVIDERS)[number]

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`)

export const repositories = sqliteTable(
  'repositories',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    provider: text('provider', { enum: PROVIDERS }).notNull(),
    // How webhook payloads name the repository: GitHub's `repository.full_name`, GitLab's `project.path_with_namespace`.
    externalName: text('external_name'),
    defaultBranch: text('default_branch').notNull().default('main'),
    // For `git`: the repository's path on the server's disk, under GIT_IMPORT_ROOT.
    gitPath: text('git_path'),
    // AES-256-GCM ciphertext (base64 of iv | tag | data) of the webhook secret; HMAC checks need it back.
    webhookSecret: text('webhook_secret'),
    // The secret before a rotation, accepted until `previous_secret_expires_at`.
    previousWebhookSecret: text('previous_webhook_secret'),
    previousSecretExpiresAt: integer('previous_secret_expires_at', { mode: 'timestamp_ms' }),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('repositories_name_unique').on(t.name), uniqueIndex('repositories_external_unique').on(t.provider, t.externalName)],
)

export const DELIVERY_STATUSES = ['pending', 'processing', 'processed', 'ignored', 'failed'] as const

// Every webhook delivery, recorded before it is processed: idempotency (provider + delivery id) and the raw payload.
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    provider: text('provider', { enum: PROVIDERS }).notNull(),
    deliveryId: text('delivery_id').notNull(),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    // A worker's claim: it holds the row until this time (ms), so replicas never process one delivery twice at once.
    leasedUntil: integer('leased_until'),
    lastError: text('last_error'),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
  },
  (t) => [
    uniqueIndex('deliveries_provider_delivery_unique').on(t.provider, t.deliveryId),
    index('deliveries_queue_idx').on(t.status, t.nextAttemptAt),
    index('deliveries_repository_idx').on(t.repositoryId, t.receivedAt),
  ],
)

// A delivery's raw payload (often 10-100 KB), apart from its row: the row changes as the delivery is
// claimed and settled, and SQLite rewrites a whole record on every update, so a payload kept in the
// row would be written three times. Written once, with the row, in the same transaction.
export const deliveryPayloads = sqliteTable('delivery_payloads', {
  deliveryId: integer('delivery_id')
    .primaryKey()
    .references(() => deliveries.id, { onDelete: 'cascade' }),
  payload: text('payload').notNull(),
})

export const commits = sqliteTable(
  'commits',
  {
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    sha: text('sha').notNull(),
    authorName: text('author_name').notNull(),
    authorEmail: text('author_email').notNull(),
    authoredAt: integer('authored_at').notNull(),
    committerName: text('committer_name').notNull(),
    committerEmail: text('committer_email').notNull(),
    committedAt: integer('committed_at').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull().default(''),
    additions: integer('additions').notNull().default(0),
    deletions: integer('deletions').notNull().default(0),
    filesChanged: integer('files_changed').notNull().default(0),
    url: text('url'),
  },
  (t) => [primaryKey({ columns: [t.repositoryId, t.sha] }), index('commits_time_idx').on(t.repositoryId, t.committedAt)],
)

export const commitParents = sqliteTable(
  'commit_parents',
  {
    repositoryId: text('repository_id').notNull(),
    sha: text('sha').notNull(),
    parentSha: text('parent_sha').notNull(),
    position: integer('position').notNull(),
  },
  // Read by commit (the graph loads whole); no query looks commits up by parent, so no index on it:
  // a git import writes tens of thousands of rows here.
  (t) => [primaryKey({ columns: [t.repositoryId, t.sha, t.position] })],
)

export const commitFiles = sqliteTable(
  'commit_files',
  {
    repositoryId: text('repository_id').notNull(),
    sha: text('sha').notNull(),
    path: text('path').notNull(),
    // Null for binary files (git prints `-`).
    additions: integer('additions'),
    deletions: integer('deletions'),
  },
  // Read by commit (a suspect's files); no query looks commits up by path, so no index on it.
  (t) => [primaryKey({ columns: [t.repositoryId, t.sha, t.path] })],
)

// Where each branch pointed at its latest push (or import).
export const branches = sqliteTable(
  'branches',
  {
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    headSha: text('head_sha').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.repositoryId, t.name] })],
)

export const RUN_STATUSES = ['queued', 'in_progress', 'completed'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const ciRuns = sqliteTable(
  'ci_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    // Where the run came from: github, gitlab, or an API client's name (jenkins, buildkite, ...).
    provider: text('provider').notNull(),
    // workflow_run, check_suite, pipeline, job, build
    kind: text('kind').notNull(),
    externalId: text('external_id').notNull(),
    attempt: integer('attempt').notNull().default(1),
    // The workflow, pipeline or job name: runs of one name on one branch form a sequence.
    name: text('name').notNull(),
    branch: text('branch'),
    headSha: text('head_sha').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    // success, failure, cancelled, skipped, timed_out, neutral, action_required, stale; null until completed
    conclusion: text('conclusion'),
    startedAt: integer('started_at'),
    completedAt: integer('completed_at'),
    url: text('url'),
    // The provider's own time of this state; a delivery older than what is stored never overwrites it.
    sourceUpdatedAt: integer('source_updated_at').notNull(),
    sourceDeliveryId: integer('source_delivery_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('ci_runs_identity_unique').on(t.repositoryId, t.provider, t.externalId, t.attempt),
    index('ci_runs_sequence_idx').on(t.repositoryId, t.branch, t.name),
    index('ci_runs_sha_idx').on(t.repositoryId, t.headSha),
    // A repository's newest runs (entries are ordered by rowid within a repository).
    index('ci_runs_repository_idx').on(t.repositoryId),
  ],
)

export const TEST_STATUSES = ['passed', 'failed', 'error', 'skipped'] as const
export type TestStatus = (typeof TEST_STATUSES)[number]

export const testResults = sqliteTable(
  'test_results',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ciRunId: integer('ci_run_id')
      .notNull()
      .references(() => ciRuns.id, { onDelete: 'cascade' }),
    suite: text('suite').notNull(),
    classname: text('classname'),
    name: text('name').notNull(),
    file: text('file'),
    durationMs: integer('duration_ms'),
    status: text('status', { enum: TEST_STATUSES }).notNull(),
    failureMessage: text('failure_message'),
  },
  (t) => [index('test_results_run_idx').on(t.ciRunId), index('test_results_name_idx').on(t.suite, t.name)],
)

export const EVENT_KINDS = ['commit', 'push', 'ci_run', 'test_result'] as const

// One normalized timeline that the linker and investigations read.
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: EVENT_KINDS }).notNull(),
    at: integer('at').notNull(),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    branch: text('branch'),
    sha: text('sha'),
    title: text('title').notNull(),
    link: text('link'),
    // The row this event stands for (commit sha, ci_runs.id, test_results.id) and the delivery it came in with.
    refId: text('ref_id'),
    sourceDeliveryId: integer('source_delivery_id'),
  },
  (t) => [
    index('events_repository_time_idx').on(t.repositoryId, t.at),
    uniqueIndex('events_ref_unique').on(t.kind, t.repositoryId, t.refId),
  ],
)

export const IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const

// Git imports: progress survives a page reload; one running import per repository.
export const gitImports = sqliteTable(
  'git_imports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    status: text('status', { enum: IMPORT_STATUSES }).notNull(),
    total: integer('total'),
    done: integer('done').notNull().default(0),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    error: text('error'),
    requestedBy: text('requested_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    leasedUntil: integer('leased_until'),
  },
  (t) => [
    index('git_imports_repository_idx').on(t.repositoryId, t.createdAt),
    uniqueIndex('git_imports_one_active').on(t.repositoryId).where(sql`status in ('queued', 'running')`),
  ],
)
