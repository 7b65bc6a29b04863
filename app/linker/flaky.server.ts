// Flaky tests: a test that both passed and failed on one commit (across attempts, jobs or
// workflows) flaked there. test_outcomes folds every result into one row per test and commit;
// flaky_tests lists the tests that ever flaked; the flake rate over a window is read from both.
import { sql } from 'drizzle-orm'
import { getDb } from '../db.server'
import { RED_CONCLUSIONS } from './conclusions'
import { chunked, json, readTuples, type Tx } from './sql.server'

const DAY_MS = 24 * 60 * 60 * 1000
/** How far from a red run a test's flake still counts as known, and the window of the flake rate. */
export const FLAKE_WINDOW_MS = 30 * DAY_MS
const CHUNK = 5000
const RED_LIST = sql.raw(RED_CONCLUSIONS.map((conclusion) => `'${conclusion}'`).join(', '))

/** One test across runs: its class name (or suite) and name. */
export const testKeyOf = (scope: string, name: string) => `${scope}\t${name}`
export function splitTestKey(key: string) {
  const tab = key.indexOf('\t')
  return { scope: key.slice(0, tab), name: key.slice(tab + 1) }
}

/** Per test key: the commits it flaked on and when. */
export type FlakyKnowledge = Map<string, Map<string, number>>

export async function loadFlakyKnowledge(db: Tx, repositoryId: string): Promise<FlakyKnowledge> {
  const rows = await readTuples<[string, string, number]>(
    db,
    sql`select json_group_array(json_array(o.test_key, o.sha, o.last_at)) as j
        from flaky_tests f join test_outcomes o on o.repository_id = f.repository_id and o.test_key = f.test_key
        where f.repository_id = ${repositoryId} and o.passed = 1 and o.failed = 1`,
  )
  const knowledge: FlakyKnowledge = new Map()
  for (const [key, sha, at] of rows) {
    const commits = knowledge.get(key) ?? new Map<string, number>()
    commits.set(sha, at)
    knowledge.set(key, commits)
  }
  return knowledge
}

/** A red run is likely flaky when it reported failures and each failing test flaked within the window of the run. */
export function isLikelyFlaky(failingKeys: readonly string[], at: number, knowledge: FlakyKnowledge): boolean {
  if (failingKeys.length === 0) return false
  return failingKeys.every((key) => {
    const flakes = knowledge.get(key)
    if (!flakes) return false
    for (const time of flakes.values()) if (Math.abs(time - at) <= FLAKE_WINDOW_MS) return true
    return false
  })
}

// A run's failing tests (failed or error), and the key each test goes by: its scope, a tab, its name.
const FAILED = sql`t.status in ('failed', 'error')`
const TEST_KEY = sql`coalesce(t.classname, t.suite) || char(9) || t.name`

/** The failing (failed or error) test keys of each run. */
export async function loadFailingKeys(db: Tx, runIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  for (const id of runIds) out.set(id, [])
  for (const part of chunked(runIds, CHUNK)) {
    const rows = await readTuples<[number, string]>(
      db,
      sql`select json_group_array(json_array(t.ci_run_id, ${TEST_KEY})) as j from test_results t
          where t.ci_run_id in (select value from json_each(${json(part)})) and ${FAILED}`,
    )
    for (const [runId, key] of rows) out.get(runId)!.push(key)
  }
  return out
}

// --- the test results feed ---------------------------------------------------------------------

/** [test result id, run id, repository, sha, time, scope, name, file, status] */
export type TestFeedRow = [number, number, string, string, number, string, string, string | null, string]

export async function readTestFeed(db: Tx, after: number, upto: number, limit: number): Promise<TestFeedRow[]> {
  return readTuples<TestFeedRow>(
    db,
    sql`select json_group_array(json_array(id, ci_run_id, repository_id, head_sha, at, scope, name, file, status)) as j from (
          select t.id, t.ci_run_id, r.repository_id, r.head_sha, coalesce(r.completed_at, r.source_updated_at) as at,
            coalesce(t.classname, t.suite) as scope, t.name, t.file, t.status
          from test_results t join ci_runs r on r.id = t.ci_run_id
          where t.id > ${after} and t.id <= ${upto} order by t.id limit ${limit})`,
  )
}

export interface OutcomeRow {
  repositoryId: string
  testKey: string
  sha: string
  passed: boolean
  failed: boolean
  firstAt: number
  lastAt: number
}

export interface FlakyRow {
  repositoryId: string
  testKey: string
  file: string | null
  at: number
}

export interface FoldedTests {
  outcomes: OutcomeRow[]
  flaky: FlakyRow[]
  /** Runs whose failing tests changed: their classification must be looked at again. */
  changedRuns: Set<number>
  /** Red runs that failed a test that just became known-flaky. */
  affectedRuns: Set<number>
}

/**
 * Folds new test results into per-commit outcomes. `knowledgeOf` gives a repository's flaky
 * knowledge, which is updated in place with every newly seen flake.
 */
export async function foldTestResults(db: Tx, rows: TestFeedRow[], knowledgeOf: (repositoryId: string) => Promise<FlakyKnowledge>): Promise<FoldedTests> {
  const folded: FoldedTests = { outcomes: [], flaky: [], changedRuns: new Set(), affectedRuns: new Set() }
  const groups = new Map<string, OutcomeRow & { file: string | null }>()
  for (const [, runId, repositoryId, sha, at, scope, name, file, status] of rows) {
    if (status === 'skipped') continue
    const failed = status === 'failed' || status === 'error'
    if (failed) folded.changedRuns.add(runId)
    const testKey = testKeyOf(scope, name)
    const id = `${repositoryId}\n${testKey}\n${sha}`
    const group = groups.get(id)
    if (group) {
      group.passed ||= !failed
      group.failed ||= failed
      group.firstAt = Math.min(group.firstAt, at)
      group.lastAt = Math.max(group.lastAt, at)
      if (failed && file) group.file = file
    } else {
      groups.set(id, { repositoryId, testKey, sha, passed: !failed, failed, firstAt: at, lastAt: at, file: failed ? file : null })
    }
  }
  const byRepository = new Map<string, Array<OutcomeRow & { file: string | null }>>()
  for (const group of groups.values()) {
    const list = byRepository.get(group.repositoryId) ?? []
    list.push(group)
    byRepository.set(group.repositoryId, list)
  }
  for (const [repositoryId, list] of byRepository) {
    const knowledge = await knowledgeOf(repositoryId)
    const stored = new Map<string, [number, number, number, number]>()
    for (const part of chunked(list, CHUNK)) {
      // The keys drive (a cross join keeps them outside): SQLite would otherwise walk every outcome of the
      // repository for each key (2,000 keys of 32,517 outcomes: 23 s).
      const rows = await readTuples<[string, string, number, number, number, number]>(
        db,
        sql`select json_group_array(json_array(o.test_key, o.sha, o.passed, o.failed, o.first_at, o.last_at)) as j
            from json_each(${json(part.map((row) => [row.testKey, row.sha]))}) k
            cross join test_outcomes o on o.repository_id = ${repositoryId} and o.test_key = k.value ->> 0 and o.sha = k.value ->> 1`,
      )
      for (const [key, sha, passed, failed, firstAt, lastAt] of rows) stored.set(`${key}\n${sha}`, [passed, failed, firstAt, lastAt])
    }
    const newlyFlaky: Array<{ key: string; at: number }> = []
    for (const row of list) {
      const before = stored.get(`${row.testKey}\n${row.sha}`)
      const wasFlaky = before ? before[0] === 1 && before[1] === 1 : false
      const merged: OutcomeRow = {
        repositoryId,
        testKey: row.testKey,
        sha: row.sha,
        passed: row.passed || before?.[0] === 1,
        failed: row.failed || before?.[1] === 1,
        firstAt: Math.min(row.firstAt, before?.[2] ?? row.firstAt),
        lastAt: Math.max(row.lastAt, before?.[3] ?? row.lastAt),
      }
      folded.outcomes.push(merged)
      if (merged.passed && merged.failed) {
        const commits = knowledge.get(row.testKey) ?? new Map<string, number>()
        commits.set(row.sha, merged.lastAt)
        knowledge.set(row.testKey, commits)
        folded.flaky.push({ repositoryId, testKey: row.testKey, file: row.file, at: merged.lastAt })
        if (!wasFlaky) newlyFlaky.push({ key: row.testKey, at: merged.lastAt })
      }
    }
    // Red runs that failed a newly flaky test near that time may now be likely flaky.
    const shas = new Set<string>()
    for (const { key, at } of newlyFlaky) {
      const rows = await readTuples<[string]>(
        db,
        sql`select json_group_array(json_array(sha)) as j from test_outcomes
            where repository_id = ${repositoryId} and test_key = ${key} and failed = 1
              and last_at between ${at - FLAKE_WINDOW_MS} and ${at + FLAKE_WINDOW_MS}`,
      )
      for (const [sha] of rows) shas.add(sha)
      for (const row of list) if (row.testKey === key && row.failed) shas.add(row.sha)
    }
    for (const part of chunked([...shas], CHUNK)) {
      const runs = await readTuples<[number]>(
        db,
        sql`select json_group_array(json_array(id)) as j from ci_runs
            where repository_id = ${repositoryId} and head_sha in (select value from json_each(${json(part)})) and conclusion in (${RED_LIST})`,
      )
      for (const [id] of runs) folded.affectedRuns.add(id)
    }
  }
  return folded
}

export async function writeTestOutcomes(tx: Tx, folded: Pick<FoldedTests, 'outcomes' | 'flaky'>, now: number) {
  for (const part of chunked(folded.outcomes, CHUNK)) {
    await tx.run(sql`
      insert into test_outcomes (repository_id, test_key, sha, passed, failed, first_at, last_at)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 from json_each(${json(
        part.map((row) => [row.repositoryId, row.testKey, row.sha, row.passed ? 1 : 0, row.failed ? 1 : 0, row.firstAt, row.lastAt]),
      )}) where true
      on conflict (repository_id, test_key, sha) do update set passed = excluded.passed, failed = excluded.failed,
        first_at = excluded.first_at, last_at = excluded.last_at`)
  }
  for (const part of chunked(folded.flaky, CHUNK)) {
    await tx.run(sql`
      insert into flaky_tests (repository_id, test_key, scope, name, file, first_flaky_at, last_flaky_at, updated_at)
      select value ->> 0, value ->> 1, substr(value ->> 1, 1, instr(value ->> 1, char(9)) - 1), substr(value ->> 1, instr(value ->> 1, char(9)) + 1),
        value ->> 2, value ->> 3, value ->> 3, ${now}
      from json_each(${json(part.map((row) => [row.repositoryId, row.testKey, row.file, row.at]))}) where true
      on conflict (repository_id, test_key) do update set
        first_flaky_at = min(flaky_tests.first_flaky_at, excluded.first_flaky_at),
        last_flaky_at = max(flaky_tests.last_flaky_at, excluded.last_flaky_at),
        file = coalesce(excluded.file, flaky_tests.file), updated_at = excluded.updated_at`)
  }
}

/** Rebuilds a repository's outcomes and flaky tests from its test results (a full recompute). */
export async function rebuildTestOutcomes(tx: Tx, repositoryId: string, now: number) {
  await tx.run(sql`delete from test_outcomes where repository_id = ${repositoryId}`)
  await tx.run(sql`
    insert into test_outcomes (repository_id, test_key, sha, passed, failed, first_at, last_at)
    select r.repository_id, ${TEST_KEY}, r.head_sha,
      max(t.status = 'passed'), max(${FAILED}),
      min(coalesce(r.completed_at, r.source_updated_at)), max(coalesce(r.completed_at, r.source_updated_at))
    from test_results t join ci_runs r on r.id = t.ci_run_id
    where r.repository_id = ${repositoryId} and t.status != 'skipped'
    group by 2, 3`)
  await tx.run(sql`
    insert into flaky_tests (repository_id, test_key, scope, name, file, first_flaky_at, last_flaky_at, updated_at)
    select repository_id, test_key, substr(test_key, 1, instr(test_key, char(9)) - 1), substr(test_key, instr(test_key, char(9)) + 1),
      null, min(last_at), max(last_at), ${now}
    from test_outcomes where repository_id = ${repositoryId} and passed = 1 and failed = 1 group by test_key
    on conflict (repository_id, test_key) do update set first_flaky_at = excluded.first_flaky_at,
      last_flaky_at = excluded.last_flaky_at, updated_at = excluded.updated_at`)
  await tx.run(sql`
    delete from flaky_tests where repository_id = ${repositoryId} and not exists (
      select 1 from test_outcomes o where o.repository_id = flaky_tests.repository_id and o.test_key = flaky_tests.test_key
        and o.passed = 1 and o.failed = 1)`)
  // The file a failing result of each flaky test named: one pass over the failing results.
  await tx.run(sql`
    update flaky_tests set file = found.file
    from (
      select ${TEST_KEY} as test_key, max(t.file) as file
      from test_results t join ci_runs r on r.id = t.ci_run_id
      where r.repository_id = ${repositoryId} and t.file is not null and ${FAILED}
      group by 1
    ) as found
    where flaky_tests.repository_id = ${repositoryId} and flaky_tests.file is null and flaky_tests.test_key = found.test_key`)
}

// --- reading, for the page and the API ---------------------------------------------------------

export const FLAKY_SORTS = ['rate', 'last-seen'] as const
export type FlakySort = (typeof FLAKY_SORTS)[number]

export interface FlakyTestSummary {
  id: number
  repositoryId: string
  repository: string
  scope: string
  name: string
  file: string | null
  /** Commits the test ran on within the window, and those it flaked on. */
  commits: number
  flakyCommits: number
  rate: number
  firstFlakyAt: number
  lastFlakyAt: number
  lastRunAt: number | null
}

export async function listFlakyTests(options: {
  repositoryId?: string | null
  sort?: FlakySort
  limit?: number
  now?: number
  /** Include tests whose last flake is older than the window. */
  includeStale?: boolean
}): Promise<FlakyTestSummary[]> {
  const now = options.now ?? Date.now()
  const since = now - FLAKE_WINDOW_MS
  const order = options.sort === 'last-seen' ? sql`f.last_flaky_at desc, rate desc` : sql`rate desc, f.last_flaky_at desc`
  const rows = await getDb().all<{
    id: number
    repository_id: string
    repository: string
    scope: string
    name: string
    file: string | null
    commits: number
    flaky_commits: number
    rate: number
    first_flaky_at: number
    last_flaky_at: number
    last_run_at: number | null
  }>(sql`
    select f.id, f.repository_id, r.name as repository, f.scope, f.name, f.file, f.first_flaky_at, f.last_flaky_at,
      count(o.sha) as commits, coalesce(sum(o.passed = 1 and o.failed = 1), 0) as flaky_commits,
      coalesce(sum(o.passed = 1 and o.failed = 1), 0) * 1.0 / max(count(o.sha), 1) as rate, max(o.last_at) as last_run_at
    from flaky_tests f
    join repositories r on r.id = f.repository_id
    left join test_outcomes o on o.repository_id = f.repository_id and o.test_key = f.test_key and o.last_at >= ${since}
    where (${options.repositoryId ?? null} is null or f.repository_id = ${options.repositoryId ?? null})
      and (${options.includeStale ? 1 : 0} = 1 or f.last_flaky_at >= ${since})
    group by f.id
    order by ${order}
    limit ${options.limit ?? 100}`)
  return rows.map((row) => ({
    id: row.id,
    repositoryId: row.repository_id,
    repository: row.repository,
    scope: row.scope,
    name: row.name,
    file: row.file,
    commits: row.commits,
    flakyCommits: row.flaky_commits,
    rate: Math.round(row.rate * 1000) / 1000,
    firstFlakyAt: row.first_flaky_at,
    lastFlakyAt: row.last_flaky_at,
    lastRunAt: row.last_run_at,
  }))
}

export interface FlakeEvidence {
  sha: string
  at: number
  runs: Array<{ id: number; name: string; branch: string | null; attempt: number; url: string | null; externalId: string; status: string; at: number }>
}

/** The most recent commits each test flaked on, with the runs that passed and failed it there. */
export async function flakeEvidence(tests: Array<{ id: number; repositoryId: string; scope: string; name: string }>, perTest = 5) {
  const db = getDb()
  const out = new Map<number, FlakeEvidence[]>()
  for (const test of tests) {
    const key = testKeyOf(test.scope, test.name)
    const commits = await db.all<{ sha: string; last_at: number }>(sql`
      select sha, last_at from test_outcomes where repository_id = ${test.repositoryId} and test_key = ${key} and passed = 1 and failed = 1
      order by last_at desc limit ${perTest}`)
    if (commits.length === 0) {
      out.set(test.id, [])
      continue
    }
    const runs = await db.all<{ id: number; sha: string; name: string; branch: string | null; attempt: number; url: string | null; external_id: string; status: string; at: number }>(sql`
      select r.id, r.head_sha as sha, r.name, r.branch, r.attempt, r.url, r.external_id, t.status, coalesce(r.completed_at, r.source_updated_at) as at
      from ci_runs r join test_results t on t.ci_run_id = r.id
      where r.repository_id = ${test.repositoryId} and r.head_sha in (select value from json_each(${json(commits.map((commit) => commit.sha))}))
        and t.name = ${test.name} and coalesce(t.classname, t.suite) = ${test.scope} and t.status != 'skipped'
      order by at`)
    out.set(
      test.id,
      commits.map((commit) => ({
        sha: commit.sha,
        at: commit.last_at,
        runs: runs
          .filter((run) => run.sha === commit.sha)
          .map((run) => ({ id: run.id, name: run.name, branch: run.branch, attempt: run.attempt, url: run.url, externalId: run.external_id, status: run.status, at: run.at })),
      })),
    )
  }
  return out
}
