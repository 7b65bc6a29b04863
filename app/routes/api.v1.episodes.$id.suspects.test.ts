import { beforeAll, describe, expect, it } from 'vitest'
import { getLinker } from '../linker/worker.server'
import { ensureDemoUsers } from '../../tests/helpers/auth'
import { addCommits, addRun, addTestResults, apiRequest, bearerFor, createRepository, episodesOf, rows, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { action, loader } from './api.v1.episodes.$id.suspects'

type Suspects = {
  episode: { id: number; status: string; firstRed: { sha: string }; range: { size: number } }
  suspects: Array<{ sha: string; rank: number | null; score: number; status: string; reasons: Array<{ code: string; text: string }> }>
}

let episodeId = 0
const tokens: Record<string, Record<string, string>> = {}

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  tokens.writer = await bearerFor('engineer', 'read+write')
  tokens.reader = await bearerFor('engineer', 'read')
  tokens.viewer = await bearerFor('viewer', 'read+write')
  const repo = await createRepository()
  await addCommits(repo, [
    { label: 'p1' },
    { label: 'p2', parents: ['p1'], files: ['src/cart.ts'] },
    { label: 'p3', parents: ['p2'], files: ['README.md'] },
  ])
  await addRun(repo, { commit: 'p1', conclusion: 'success' })
  const red = await addRun(repo, { commit: 'p3', conclusion: 'failure' })
  await addTestResults(red, [{ name: 'adds an item', classname: 'CartTest', status: 'failed', file: 'tests/cart.test.ts' }])
  await settleLinker()
  episodeId = (await episodesOf(repo))[0].id
})

const path = () => `/api/v1/episodes/${episodeId}/suspects`
const get = () => settle(() => loader(routeArgs(apiRequest(path(), tokens.reader), { id: String(episodeId) })))
const post = (token: Record<string, string>, body: unknown) => settle(() => action(routeArgs(apiRequest(path(), token, body), { id: String(episodeId) })))

describe('/api/v1/episodes/{id}/suspects', () => {
  it('lists the suspects, most suspect first, with reasons in words', async () => {
    const response = await get()
    expect(response.status).toBe(200)
    const body = (await response.response!.json()) as Suspects
    expect(body.episode).toMatchObject({ id: episodeId, status: 'open', firstRed: { sha: sha('p3') }, range: { size: 2 } })
    expect(body.suspects.map((suspect) => [suspect.sha, suspect.rank])).toEqual([
      [sha('p2'), 1],
      [sha('p3'), 2],
    ])
    expect(body.suspects[0].reasons[0]).toEqual({ code: 'testedSourceFile', text: 'Changes src/cart.ts (tested by cart.test.ts), which a failing test covers', points: 3 })
  })

  it('lets an engineer’s read+write token decide, refuses read tokens and viewers with 403', async () => {
    expect((await post(tokens.viewer, { sha: sha('p3'), status: 'rejected' })).status).toBe(403)
    expect((await post(tokens.reader, { sha: sha('p3'), status: 'rejected' })).status).toBe(403)
    const decided = await post(tokens.writer, { sha: sha('p3').slice(0, 8), status: 'rejected' })
    expect(decided.status).toBe(200)
    expect(await decided.response!.json()).toMatchObject({ changed: true, suspect: { sha: sha('p3'), status: 'rejected', rank: null } })
    const audit = await rows<{ action: string }>(`select action from audit_log where target_type = 'episode' and target_id = ?`, String(episodeId))
    expect(audit.map((row) => row.action)).toEqual(['suspect.reject'])
  })

  it('answers in the API error shape: 415, 400, 422 and 404', async () => {
    const notJson = await settle(() =>
      action(routeArgs(new Request(`http://localhost:3000${path()}`, { method: 'POST', headers: { ...tokens.writer, 'content-type': 'text/plain' }, body: 'x' }), { id: String(episodeId) })),
    )
    expect(notJson.status).toBe(415)
    const invalid = await post(tokens.writer, { sha: 'nope', status: 'maybe' })
    expect(invalid.status).toBe(400)
    expect(await invalid.response!.json()).toMatchObject({ error: { code: 'validation_failed', fields: { sha: ['Not a commit sha'], status: ['Say accepted or rejected'] } } })
    expect((await post(tokens.writer, { sha: sha('not-in-range'), status: 'accepted' })).status).toBe(422)
    const missing = await settle(() => loader(routeArgs(apiRequest('/api/v1/episodes/999999/suspects', tokens.reader), { id: '999999' })))
    expect(missing.status).toBe(404)
  })
})
