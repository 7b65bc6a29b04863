import { beforeAll, describe, expect, it } from 'vitest'
import { getLinker } from '../linker/worker.server'
import { ensureDemoUsers } from '../../tests/helpers/auth'
import { addCommits, addRun, apiRequest, bearerFor, chain, createRepository, episodesOf, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader } from './api.v1.links'
import { action } from './api.v1.links.$id'

type Links = { links: Array<{ id: number; from: { kind: string; id: string; title: string }; to: { sha: string }; rule: string; confidence: number; status: string }>; nextBefore: number | null }

let repo = ''
let redRun = 0
const tokens: Record<string, Record<string, string>> = {}

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  tokens.writer = await bearerFor('engineer')
  tokens.viewer = await bearerFor('viewer', 'read')
  repo = await createRepository()
  await addCommits(repo, chain('k', 2))
  await addRun(repo, { commit: 'k1', conclusion: 'success' })
  redRun = await addRun(repo, { commit: 'k2', conclusion: 'failure', externalId: 'run-77' })
  await settleLinker()
})

const list = async (query: string) => (await (await settle(() => loader(routeArgs(apiRequest(`/api/v1/links?${query}`, tokens.viewer))))).response!.json()) as Links

describe('/api/v1/links', () => {
  it('lists each run’s link to its commit with rule, confidence and status', async () => {
    const body = await list(`repositoryId=${repo}&runId=${redRun}`)
    expect(body.links).toEqual([
      expect.objectContaining({ from: { kind: 'ci_run', id: String(redRun), title: 'CI #run-77' }, to: expect.objectContaining({ sha: sha('k2') }), rule: 'run-head-sha', confidence: 1, status: 'suggested' }),
    ])
    expect((await list(`repositoryId=${repo}&limit=1`)).nextBefore).not.toBeNull()
    expect((await settle(() => loader(routeArgs(apiRequest('/api/v1/links?limit=0', tokens.viewer))))).status).toBe(400)
  })

  it('lets an engineer reject a run’s link (the run then stops counting); a read token may not', async () => {
    const [link] = (await list(`runId=${redRun}`)).links
    const decide = (token: Record<string, string>, status: string) => settle(() => action(routeArgs(apiRequest(`/api/v1/links/${link.id}`, token, { status }), { id: String(link.id) })))
    expect((await decide(tokens.viewer, 'rejected')).status).toBe(403)
    const rejected = await decide(tokens.writer, 'rejected')
    expect(rejected.status).toBe(200)
    expect(await rejected.response!.json()).toMatchObject({ changed: true, link: { id: link.id, status: 'rejected', decidedBy: 'Eli Engineer' } })
    expect(await episodesOf(repo)).toHaveLength(1)
    await settleLinker()
    expect(await episodesOf(repo)).toHaveLength(0)
    expect((await settle(() => action(routeArgs(apiRequest('/api/v1/links/999999', tokens.writer, { status: 'accepted' }), { id: '999999' })))).status).toBe(404)
  })
})
