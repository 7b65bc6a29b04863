// Builds repositories, commits, CI runs and test results through the connectors' own write paths
// (upsertCommits, upsertCiRun), then lets the linker catch up, as the worker would.
import { createHash } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { episodes, repositories, testResults, type TestStatus } from '../../db/schema'
import { upsertCiRun } from '../../app/connectors/ci-runs.server'
import { upsertCommits, type CommitInput } from '../../app/connectors/timeline.server'
import { getDb } from '../../app/db.server'
import { getLinker } from '../../app/linker/worker.server'

/** A 40-hex sha that stands for a label (`sha('c3')`). */
export const sha = (label: string) => createHash('sha1').update(label).digest('hex')

let repositoryCount = 0

export async function createRepository(options: { defaultBranch?: string; provider?: 'github' | 'gitlab' | 'git' } = {}) {
  const id = `repo-${process.pid}-${++repositoryCount}-${Math.random().toString(36).slice(2, 8)}`
  await getDb()
    .insert(repositories)
    .values({ id, name: id, provider: options.provider ?? 'github', defaultBranch: options.defaultBranch ?? 'main' })
  return id
}

export interface CommitSpec {
  label: string
  parents?: string[]
  at?: number
  author?: string
  files?: Array<string | { path: string; additions: number; deletions: number }>
  subject?: string
}

export function commitInput(spec: CommitSpec, index = 0): CommitInput {
  const author = spec.author ?? 'Ada Lovelace'
  const at = spec.at ?? 1_700_000_000_000 + index * 60_000
  return {
    sha: sha(spec.label),
    parents: (spec.parents ?? []).map(sha),
    authorName: author,
    authorEmail: `${author.split(' ')[0].toLowerCase()}@example.com`,
    authoredAt: at,
    committerName: author,
    committerEmail: `${author.split(' ')[0].toLowerCase()}@example.com`,
    committedAt: at,
    subject: spec.subject ?? `commit ${spec.label}`,
    body: '',
    files: (spec.files ?? [`src/${spec.label}.ts`]).map((file) =>
      typeof file === 'string' ? { path: file, additions: 10, deletions: 2 } : file,
    ),
  }
}

/** Stores commits (with parents and files) as a push or an import would, one transaction. */
export async function addCommits(repositoryId: string, specs: CommitSpec[], options: { branch?: string } = {}) {
  await getDb().transaction((tx) => upsertCommits(tx, repositoryId, specs.map((spec, index) => commitInput(spec, index)), { branch: options.branch ?? 'main' }))
}

/** A linear history c1 <- c2 <- ... <- cN (labels `${prefix}1`...). */
export function chain(prefix: string, count: number, from?: string): CommitSpec[] {
  const out: CommitSpec[] = []
  for (let i = 1; i <= count; i++) out.push({ label: `${prefix}${i}`, parents: i === 1 ? (from ? [from] : []) : [`${prefix}${i - 1}`] })
  return out
}

let externalIds = 0

export interface RunSpec {
  /** A label (see `sha`), or give `headSha` itself. */
  commit: string
  headSha?: string
  conclusion: string
  branch?: string
  name?: string
  attempt?: number
  externalId?: string
  at?: number
  provider?: string
}

/** Stores a completed CI run through upsertCiRun (which queues it for the linker). Returns its id. */
export async function addRun(repositoryId: string, spec: RunSpec): Promise<number> {
  const at = spec.at ?? 1_700_100_000_000 + ++externalIds * 1000
  const result = await getDb().transaction((tx) =>
    upsertCiRun(tx, {
      repositoryId,
      provider: spec.provider ?? 'github',
      kind: 'workflow_run',
      externalId: spec.externalId ?? `run-${++externalIds}`,
      attempt: spec.attempt ?? 1,
      name: spec.name ?? 'CI',
      branch: spec.branch ?? 'main',
      headSha: spec.headSha ?? sha(spec.commit),
      status: 'completed',
      conclusion: spec.conclusion,
      startedAt: at - 500,
      completedAt: at,
      url: null,
      sourceUpdatedAt: at,
    }),
  )
  return result.run!.id
}

export async function addTestResults(
  runId: number,
  tests: Array<{ name: string; classname?: string; status: TestStatus; file?: string; message?: string }>,
) {
  await getDb()
    .insert(testResults)
    .values(
      tests.map((test) => ({
        ciRunId: runId,
        suite: 'suite',
        classname: test.classname ?? null,
        name: test.name,
        file: test.file ?? null,
        status: test.status,
        failureMessage: test.message ?? null,
      })),
    )
}

/** Runs linker rounds until there is nothing left to do, as the worker would. */
export async function settleLinker() {
  const linker = getLinker()
  for (let i = 0; i < 20; i++) {
    const stats = await linker.runRound()
    if (stats.handled === 0) return
  }
  throw new Error('the linker did not settle in 20 rounds')
}

export async function episodesOf(repositoryId: string) {
  return getDb().select().from(episodes).where(eq(episodes.repositoryId, repositoryId)).orderBy(episodes.openedAt, episodes.id)
}

export async function rangeOf(episodeId: number): Promise<string[]> {
  const rows = await getDb().all<{ sha: string }>(sql`select sha from episode_commits where episode_id = ${episodeId} order by position`)
  return rows.map((row) => row.sha)
}

/** Labels for shas, for readable assertions. */
export function labeller(labels: string[]) {
  const byHash = new Map(labels.map((label) => [sha(label), label]))
  return (hash: string | null) => (hash === null ? null : (byHash.get(hash) ?? hash))
}

/** An `Authorization` header for a fresh API token of the demo user with that role. */
export async function bearerFor(role: 'viewer' | 'engineer' | 'admin', scope: 'read' | 'read+write' = 'read+write') {
  const { userWithRole } = await import('./auth')
  const { createApiToken } = await import('../../app/auth/api-tokens.server')
  const user = await userWithRole(role)
  const { token } = await createApiToken({ userId: user.id, name: `linker-${role}-${scope}`, scope, days: 1 }, { userId: user.id })
  return { authorization: `Bearer ${token}` }
}

/** A JSON API request. */
export function apiRequest(pathname: string, headers: Record<string, string>, body?: unknown) {
  return new Request(`http://localhost:3000${pathname}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

/** Rows of a raw SQL query against the test database (for assertions; route files may not import drizzle). */
export async function rows<T>(text: string, ...args: Array<string | number | null>): Promise<T[]> {
  const { getClient } = await import('../../app/db.server')
  const result = await getClient().execute({ sql: text, args })
  return result.rows.map((row) => Object.fromEntries(result.columns.map((column) => [column, row[column]]))) as T[]
}
