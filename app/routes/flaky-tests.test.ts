import { beforeAll, describe, expect, it } from 'vitest'
import type { FlakeEvidence, FlakyTestSummary } from '../linker/flaky.server'
import { getLinker } from '../linker/worker.server'
import { cookieFor, ensureDemoUsers, makeRequest } from '../../tests/helpers/auth'
import { addCommits, addRun, addTestResults, chain, createRepository, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader } from './flaky-tests'

type Page = { tests: Array<FlakyTestSummary & { flakes: FlakeEvidence[] }> }
let repo = ''

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  repo = await createRepository()
  await addCommits(repo, chain('t', 3))
  // `retries upload` flakes on t1 (attempt 1 fails, attempt 2 passes) and passes on t2 and t3.
  const hourAgo = Date.now() - 3_600_000
  const first = await addRun(repo, { commit: 't1', conclusion: 'failure', externalId: 'flaky-1', attempt: 1, at: hourAgo })
  const second = await addRun(repo, { commit: 't1', conclusion: 'success', externalId: 'flaky-1', attempt: 2, at: hourAgo + 60_000 })
  await addTestResults(first, [{ name: 'retries upload', classname: 'UploadTest', status: 'failed', file: 'tests/upload.test.ts' }])
  await addTestResults(second, [{ name: 'retries upload', classname: 'UploadTest', status: 'passed', file: 'tests/upload.test.ts' }])
  for (const [index, commit] of ['t2', 't3'].entries()) {
    const run = await addRun(repo, { commit, conclusion: 'success', at: hourAgo + (index + 2) * 60_000 })
    await addTestResults(run, [{ name: 'retries upload', classname: 'UploadTest', status: 'passed' }])
  }
  await settleLinker()
})

describe('/flaky-tests', () => {
  it('lists flaky tests with their rate over the window and the runs behind each flake', async () => {
    const page = await settle<Page>(() => loader(routeArgs(makeRequest(`/flaky-tests?repository=${repo}`, { cookie: undefined }))))
    expect(page.status).toBe(302)
    const viewer = await cookieFor('viewer')
    const result = await settle<Page>(() => loader(routeArgs(makeRequest(`/flaky-tests?repository=${repo}&sort=last-seen`, { cookie: viewer }))))
    expect(result.status).toBe(200)
    const [test] = result.body.tests
    // Flaked on 1 of the 3 commits it ran on.
    expect(test).toMatchObject({ scope: 'UploadTest', name: 'retries upload', file: 'tests/upload.test.ts', flakyCommits: 1, commits: 3, rate: 0.333 })
    expect(test.flakes[0].sha).toBe(sha('t1'))
    expect(test.flakes[0].runs.map((run) => [run.attempt, run.status])).toEqual([
      [1, 'failed'],
      [2, 'passed'],
    ])
  })
})
