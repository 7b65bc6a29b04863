import { beforeAll, describe, expect, it } from 'vitest'
import { getLinker } from '../linker/worker.server'
import { ensureDemoUsers } from '../../tests/helpers/auth'
import { addCommits, addRun, apiRequest, bearerFor, chain, createRepository, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader } from './api.v1.repositories.$id.branches.$branch.status'

type Status = {
  state: string
  branch: string
  workflows: Array<{
    name: string
    state: string
    lastGreen: { sha: string; base: string } | null
    firstRed: { sha: string } | null
    episode: { id: number; range: { size: number; base: string; commits: Array<{ sha: string; subject: string }> } } | null
    pendingRuns: number
  }>
  error?: { code: string; message: string }
}

let repo = ''
let auth: Record<string, string>

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  auth = await bearerFor('viewer', 'read')
  repo = await createRepository()
  await addCommits(repo, [...chain('s', 3), ...chain('f', 2, 's2')])
  await addRun(repo, { commit: 's2', conclusion: 'success' })
  await addRun(repo, { commit: 's3', conclusion: 'success' })
  await addRun(repo, { commit: 'f1', conclusion: 'success', branch: 'feature/login', name: 'lint' })
  await addRun(repo, { commit: 'f2', conclusion: 'failure', branch: 'feature/login', name: 'CI' })
  await addRun(repo, { commit: 'f2', conclusion: 'success', branch: 'feature/login', name: 'lint' })
  await settleLinker()
})

const get = (branchParam: string, id = repo) =>
  settle<Status>(() => loader(routeArgs(apiRequest(`/api/v1/repositories/${id}/branches/${encodeURIComponent(branchParam)}/status`, auth), { id, branch: branchParam })))

describe('GET /api/v1/repositories/{id}/branches/{branch}/status', () => {
  it('gives each workflow’s state, last green, first red and range for a branch whose name holds a slash', async () => {
    const response = await get('feature/login')
    expect(response.status).toBe(200)
    const body = (await response.response!.json()) as Status
    expect(body).toMatchObject({ branch: 'feature/login', state: 'red' })
    const ci = body.workflows.find((workflow) => workflow.name === 'CI')!
    expect(ci).toMatchObject({ state: 'red', lastGreen: { sha: sha('s2'), base: 'default_branch' }, firstRed: { sha: sha('f2') }, pendingRuns: 0 })
    expect(ci.episode!.range).toMatchObject({ size: 2, base: 'default_branch' })
    expect(ci.episode!.range.commits.map((commit) => commit.sha)).toEqual([sha('f2'), sha('f1')])
    expect(body.workflows.find((workflow) => workflow.name === 'lint')).toMatchObject({ state: 'green', episode: null, firstRed: null })
  })

  it('takes the branch %2F-encoded once more (a client that encoded twice) too', async () => {
    const response = await get('feature%2Flogin')
    expect(((await response.response!.json()) as Status).branch).toBe('feature/login')
  })

  it('is unknown for a branch with no runs, 404 for an unknown repository, 400 for a bad branch name', async () => {
    expect(await (await get('no-runs-here')).response!.json()).toMatchObject({ state: 'unknown', workflows: [] })
    const missing = await get('main', 'no-such-repository')
    expect(missing.status).toBe(404)
    expect(await missing.response!.json()).toMatchObject({ error: { code: 'not_found' } })
    expect((await get('bad..name')).status).toBe(400)
  })

  it('answers 401 without a token', async () => {
    const response = await settle(() => loader(routeArgs(apiRequest(`/api/v1/repositories/${repo}/branches/main/status`, {}), { id: repo, branch: 'main' })))
    expect(response.status).toBe(401)
  })
})
