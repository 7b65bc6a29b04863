// The CI API: any CI system (Jenkins, Buildkite, a script) pushes its runs and their JUnit reports.
// Runs go through upsertCiRun like webhook runs do, so they are stored, ordered and put on the
// timeline the same way.
import { and, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { ciRuns, repositories, RUN_STATUSES, testResults, type TestStatus } from '../../db/schema'
import { getDb } from '../db.server'
import { upsertCiRun } from './ci-runs.server'
import { parseJUnitStream, type TestCaseResult } from './junit.server'

export const RUN_CONCLUSIONS = ['success', 'failure', 'cancelled', 'skipped', 'timed_out', 'neutral', 'action_required', 'stale'] as const
/** Runs of these providers come in through their webhooks; the API must not overwrite them. */
const WEBHOOK_PROVIDERS = new Set(['github', 'gitlab'])

const isoDate = z
  .string()
  .datetime({ offset: true, message: 'Use an ISO 8601 date and time, such as 2025-01-31T12:00:00Z' })
  .transform((value) => Date.parse(value))

export const ciRunBodySchema = z
  .object({
    repository: z.string({ required_error: 'Name the repository (its id or name)' }).trim().min(1, 'Name the repository (its id or name)').max(255),
    provider: z
      .string({ required_error: 'Name the CI system, such as jenkins' })
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9._-]{0,49}$/, 'Use a short name of letters, digits, dots, dashes and underscores, such as jenkins')
      .refine((value) => !WEBHOOK_PROVIDERS.has(value), 'GitHub and GitLab runs come in through their webhooks; name your CI system instead'),
    externalId: z.union([z.string().trim().min(1).max(200), z.number().int().nonnegative()]).transform(String),
    attempt: z.number().int().min(1).max(1000).default(1),
    name: z.string({ required_error: 'Name the job or pipeline' }).trim().min(1, 'Name the job or pipeline').max(200),
    branch: z.string().trim().min(1).max(255).nullish(),
    headSha: z
      .string({ required_error: 'Give the commit the run built (40 hex digits)' })
      .regex(/^[0-9a-fA-F]{40}$/, 'Use the full 40-hex-digit commit sha')
      .transform((value) => value.toLowerCase()),
    status: z.enum(RUN_STATUSES, { errorMap: () => ({ message: `Use one of: ${RUN_STATUSES.join(', ')}` }) }),
    conclusion: z.enum(RUN_CONCLUSIONS, { errorMap: () => ({ message: `Use one of: ${RUN_CONCLUSIONS.join(', ')}` }) }).nullish(),
    startedAt: isoDate.nullish(),
    completedAt: isoDate.nullish(),
    /** The CI system's time of this state; between two updates of one run, the later wins. Default: when the request arrives. */
    updatedAt: isoDate.optional(),
    url: z
      .string()
      .url('Use an absolute http(s) URL')
      .max(2000)
      .refine((value) => /^https?:\/\//i.test(value), 'Use an absolute http(s) URL')
      .nullish(),
  })
  .superRefine((value, ctx) => {
    if (value.status === 'completed' && !value.conclusion) {
      ctx.addIssue({ code: 'custom', path: ['conclusion'], message: 'A completed run needs a conclusion' })
    }
    if (value.status !== 'completed' && value.conclusion) {
      ctx.addIssue({ code: 'custom', path: ['conclusion'], message: 'Only a completed run has a conclusion' })
    }
    if (value.startedAt && value.completedAt && value.completedAt < value.startedAt) {
      ctx.addIssue({ code: 'custom', path: ['completedAt'], message: 'The run cannot complete before it started' })
    }
  })

export type CiRunBody = z.output<typeof ciRunBodySchema>

/** A run is a few hundred bytes of JSON; anything past this is refused. */
export const MAX_RUN_BODY_BYTES = 64 * 1024

/**
 * The body as text, or null once it passes `maxBytes`. Express refuses a large Content-Length
 * before the route runs, but a chunked body has none: count as it arrives.
 */
export async function readBodyText(body: ReadableStream<Uint8Array> | null, maxBytes = MAX_RUN_BODY_BYTES): Promise<string | null> {
  if (!body) return ''
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let bytes = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return text + decoder.decode()
      bytes += value.byteLength
      if (bytes > maxBytes) return null
      text += decoder.decode(value, { stream: true })
    }
  } finally {
    reader.releaseLock()
  }
}
export type CiRun = typeof ciRuns.$inferSelect

async function findRepositoryId(reference: string): Promise<string | null> {
  const [row] = await getDb()
    .select({ id: repositories.id })
    .from(repositories)
    .where(sql`${repositories.id} = ${reference} or ${repositories.name} = ${reference}`)
    .orderBy(sql`${repositories.id} = ${reference} desc`)
    .limit(1)
  return row?.id ?? null
}

export type RecordRunResult =
  | { ok: true; created: boolean; applied: boolean; run: CiRun }
  | { ok: false; status: 404; field: 'repository'; message: string }

/**
 * Creates or updates the run (repository, provider, externalId, attempt). `applied` is false when
 * what is stored is newer (a later state, or the same state sent later), which then stays.
 */
export async function recordCiRun(body: CiRunBody, now = Date.now()): Promise<RecordRunResult> {
  const repositoryId = await findRepositoryId(body.repository)
  if (!repositoryId) return { ok: false, status: 404, field: 'repository', message: `No repository has the id or name "${body.repository}".` }
  const db = getDb()
  return db.transaction(async (tx) => {
    const identity = and(
      eq(ciRuns.repositoryId, repositoryId),
      eq(ciRuns.provider, body.provider),
      eq(ciRuns.externalId, body.externalId),
      eq(ciRuns.attempt, body.attempt),
    )
    const [existing] = await tx.select({ id: ciRuns.id }).from(ciRuns).where(identity)
    const result = await upsertCiRun(tx, {
      repositoryId,
      provider: body.provider,
      kind: 'build',
      externalId: body.externalId,
      attempt: body.attempt,
      name: body.name,
      branch: body.branch ?? null,
      headSha: body.headSha,
      status: body.status,
      conclusion: body.conclusion ?? null,
      startedAt: body.startedAt ?? null,
      completedAt: body.completedAt ?? null,
      url: body.url ?? null,
      sourceUpdatedAt: body.updatedAt ?? now,
    })
    const run = result.run ?? (await tx.select().from(ciRuns).where(identity))[0]
    return { ok: true as const, created: !existing, applied: result.changed, run }
  })
}

/**
 * Reads and drops what is left of a refused request body, in the background, as a web server's
 * lingering close does: the answer goes out at once, and the connection stays usable, because a
 * keep-alive client's next request is not read from the middle of this body, and a client still
 * uploading is not cut off before it reads the answer. Past `maxBytes` or `maxMs` the stream is
 * cancelled, which closes the connection.
 */
export function discardBody(body: ReadableStream<Uint8Array> | null, { maxBytes = 8 * 1024 * 1024, maxMs = 30_000 } = {}) {
  if (!body || body.locked) return
  const reader = body.getReader()
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), maxMs)
  void (async () => {
    let bytes = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        bytes += value.byteLength
        if (bytes > maxBytes) return await reader.cancel()
      }
    } catch {
      // The client went away: nothing left to drop.
    } finally {
      clearTimeout(timer)
    }
  })()
}

export async function findCiRun(id: number): Promise<CiRun | null> {
  const [row] = await getDb().select().from(ciRuns).where(eq(ciRuns.id, id))
  return row ?? null
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function presentCiRun(run: CiRun) {
  return {
    id: run.id,
    repositoryId: run.repositoryId,
    provider: run.provider,
    externalId: run.externalId,
    attempt: run.attempt,
    name: run.name,
    branch: run.branch,
    headSha: run.headSha,
    status: run.status,
    conclusion: run.conclusion,
    startedAt: iso(run.startedAt),
    completedAt: iso(run.completedAt),
    url: run.url,
    testResultsUrl: `/api/v1/ci-runs/${run.id}/test-results`,
  }
}

export const UPLOAD_MODES = ['replace', 'append'] as const
export type UploadMode = (typeof UPLOAD_MODES)[number]

export interface UploadSummary {
  runId: number
  mode: UploadMode
  tests: number
  passed: number
  failed: number
  errors: number
  skipped: number
  /** Results of earlier uploads that this one replaced. */
  replaced: number
}

/**
 * Stores a JUnit report of a run, read from the request body as it streams in: each batch of test
 * cases is inserted as it is parsed (its own short transaction, so the server keeps answering
 * while a large report arrives), and the report takes effect at the end in one transaction.
 *
 * - `replace` (the default): the report is the run's results; a re-upload of the same report
 *   (a retried CI step) replaces what the run had rather than doubling it.
 * - `append`: one of several reports of the run (one per test job or module) adds to the others.
 *
 * A report that fails half-way (malformed XML, too large, the client gone) leaves nothing behind:
 * the rows already inserted are deleted, and the run keeps its earlier results.
 */
export async function storeTestResults(
  run: CiRun,
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  { mode, maxBytes }: { mode: UploadMode; maxBytes?: number },
): Promise<UploadSummary> {
  const db = getDb()
  const ids: number[] = []
  const counts: Record<TestStatus, number> = { passed: 0, failed: 0, error: 0, skipped: 0 }
  try {
    await parseJUnitStream(
      body,
      async (cases: TestCaseResult[]) => {
        const rows = await db
          .insert(testResults)
          .values(cases.map((testCase) => ({ ciRunId: run.id, ...testCase })))
          .returning({ id: testResults.id })
        for (const row of rows) ids.push(row.id)
        for (const testCase of cases) counts[testCase.status]++
      },
      { maxBytes },
    )
  } catch (error) {
    await deleteResults(ids)
    throw error
  }

  const mine = JSON.stringify(ids)
  const replaced = await db.transaction(async (tx) => {
    let replacedCount = 0
    if (mode === 'replace') {
      const earlier = sql`select id from test_results where ci_run_id = ${run.id} and id not in (select value from json_each(${mine}))`
      await tx.run(sql`delete from events where kind = 'test_result' and repository_id = ${run.repositoryId} and ref_id in (select cast(id as text) from (${earlier}))`)
      const deleted = await tx.run(sql`delete from test_results where id in (${earlier})`)
      replacedCount = deleted.rowsAffected
    }
    // Failures and errors go on the timeline, passes and skips do not: a suite of thousands of
    // tests would bury every commit, push and run under passing tests in each build. A failure is
    // the thing to see next to the commit that may have caused it; passes are one query away in
    // test_results.
    await tx.run(sql`
      insert into events (kind, at, repository_id, branch, sha, title, link, ref_id)
      select 'test_result', ${run.completedAt ?? run.startedAt ?? Date.now()}, ${run.repositoryId}, ${run.branch}, ${run.headSha},
        (case status when 'failed' then 'Test failed: ' else 'Test error: ' end)
          || (case when classname is null or classname = name then name else classname || ' › ' || name end),
        ${run.url}, cast(id as text)
      from test_results
      where id in (select value from json_each(${mine})) and status in ('failed', 'error')
      on conflict do nothing`)
    return replacedCount
  })
  return { runId: run.id, mode, tests: ids.length, passed: counts.passed, failed: counts.failed, errors: counts.error, skipped: counts.skipped, replaced }
}

async function deleteResults(ids: number[]) {
  if (ids.length === 0) return
  await getDb().run(sql`delete from test_results where id in (select value from json_each(${JSON.stringify(ids)}))`)
}
