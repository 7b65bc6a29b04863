import { beforeAll, describe, expect, it } from 'vitest'
import { getLinker } from '../linker/worker.server'
import { ensureDemoUsers } from '../../tests/helpers/auth'
import { addCommits, addRun, addTestResults, apiRequest, bearerFor, chain, createRepository, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader } from './api.v1.flaky-tests'

let repo = ''
let auth: Record<string, string>

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  auth = await bearerFor('viewer', 'read')
  repo = await createRepository()
  await addCommits(repo, chain('q', 2))
  const now = Date.now()
  // Two jobs disagree about one test on q1.
  const a = await addRun(repo, { commit: 'q1', conclusion: 'success', name: 'unit', at: now - 120_000 })
  const b = await addRun(repo, { commit: 'q1', conclusion: 'failure', name: 'integration', at: now - 60_000 })
  await addTestResults(a, [{ name: 'logs in', classname: 'AuthTest', status: 'passed' }])
  await addTestResults(b, [{ name: 'logs in', classname: 'AuthTest', status: 'error', message: 'socket hang up' }])
  await settleLinker()
})

describe('GET /api/v1/flaky-tests', () => {
  it('lists flaky tests with rate, last seen and the runs behind each', async () => {
    const response = await settle(() => loader(routeArgs(apiRequest(`/api/v1/flaky-tests?repositoryId=${repo}`, auth))))
    expect(response.status).toBe(200)
    const body = await response.response!.json()
    expect(body.windowDays).toBe(30)
    expect(body.tests).toEqual([
      expect.objectContaining({
        scope: 'AuthTest',
        name: 'logs in',
        rate: 1,
        flakyCommits: 1,
        commits: 1,
        flakes: [expect.objectContaining({ sha: sha('q1'), runs: [expect.objectContaining({ name: 'unit', status: 'passed' }), expect.objectContaining({ name: 'integration', status: 'error' })] })],
      }),
    ])
    expect(new Date(body.tests[0].lastFlakyAt).getTime()).toBeGreaterThan(Date.now() - 600_000)
  })

  it('checks its query', async () => {
    expect((await settle(() => loader(routeArgs(apiRequest('/api/v1/flaky-tests?sort=random', auth))))).status).toBe(400)
  })
})
