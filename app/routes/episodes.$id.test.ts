import { beforeAll, describe, expect, it } from 'vitest'
import { getLinker } from '../linker/worker.server'
import { cookieFor, ensureDemoUsers, makeRequest } from '../../tests/helpers/auth'
import { addCommits, addRun, chain, createRepository, episodesOf, rows, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { action, loader } from './episodes.$id'

type Body = {
  target?: string | null
  notice?: string | null
  result?: { status?: string; error?: Record<string, string[] | null> } | null
  suspects?: Array<{ sha: string; status: string; rank: number | null }>
}

let episodeId = 0
let cookies: Record<'viewer' | 'engineer', string>

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  cookies = { viewer: await cookieFor('viewer'), engineer: await cookieFor('engineer') }
  const repo = await createRepository()
  await addCommits(repo, chain('e', 4))
  await addRun(repo, { commit: 'e1', conclusion: 'success' })
  await addRun(repo, { commit: 'e3', conclusion: 'failure' })
  await settleLinker()
  episodeId = (await episodesOf(repo))[0].id
})

const path = () => `/episodes/${episodeId}`
const post = (form: Record<string, string>, cookie = cookies.engineer) =>
  settle<Body>(() => action(routeArgs(makeRequest(path(), { cookie, form }), { id: String(episodeId) })))
const load = (cookie: string, id = String(episodeId)) => settle<Body>(() => loader(routeArgs(makeRequest(`/episodes/${id}`, { cookie }), { id })))

describe('/episodes/$id', () => {
  it('shows the range and ranked suspects to a viewer, and 404 for an unknown episode', async () => {
    const page = await load(cookies.viewer)
    expect(page.status).toBe(200)
    expect(page.body.suspects?.map((suspect) => suspect.sha).sort()).toEqual([sha('e2'), sha('e3')].sort())
    expect(page.body.suspects?.map((suspect) => suspect.rank)).toEqual([1, 2])
    expect((await load(cookies.viewer, '999999')).status).toBe(404)
    expect((await load(cookies.viewer, 'abc')).status).toBe(404)
  })

  it('refuses accept and reject to a viewer with 403', async () => {
    expect((await post({ intent: 'accept-suspect', sha: sha('e3') }, cookies.viewer)).status).toBe(403)
    expect((await post({ intent: 'reject-suspect', sha: sha('e2') }, cookies.viewer)).status).toBe(403)
  })

  it('lets an engineer accept and reject suspects, audit-logged; a rejected one leaves the ranking', async () => {
    const accepted = await post({ intent: 'accept-suspect', sha: sha('e3') })
    expect(accepted.status).toBe(200)
    expect(accepted.body.notice).toBe('Suspect accepted.')
    const rejected = await post({ intent: 'reject-suspect', sha: sha('e2').slice(0, 10) })
    expect(rejected.status).toBe(200)
    const suspects = (await load(cookies.viewer)).body.suspects!
    expect(suspects.find((suspect) => suspect.sha === sha('e2'))).toMatchObject({ status: 'rejected', rank: null })
    expect(suspects.find((suspect) => suspect.sha === sha('e3'))).toMatchObject({ status: 'accepted', rank: 1 })
    const audit = await rows<{ action: string; target_id: string }>(
      `select action, target_id from audit_log where action like 'suspect.%' and target_id = ? order by id`,
      String(episodeId),
    )
    expect(audit.map((row) => row.action)).toEqual(['suspect.accept', 'suspect.reject'])
    expect((await post({ intent: 'reject-suspect', sha: sha('e2') })).body.notice).toBe('Nothing to change.')
  })

  it('answers 400 to an unknown intent or a malformed sha, and 404 to a commit that is not a suspect', async () => {
    expect((await post({ intent: 'shrug' })).status).toBe(400)
    const bad = await post({ intent: 'accept-suspect', sha: 'zzz' })
    expect(bad.status).toBe(400)
    expect(bad.body.result?.error?.sha).toEqual(['Not a commit sha'])
    expect((await post({ intent: 'accept-suspect', sha: sha('elsewhere') })).status).toBe(404)
  })

  it('lets an engineer reject the first red run’s link to its commit, which takes the run out of its sequence', async () => {
    const [link] = await rows<{ id: number }>(
      `select l.id from links l join episodes e on l.from_ref = cast(e.first_red_run_id as text) where e.id = ? and l.from_kind = 'ci_run'`,
      episodeId,
    )
    expect((await post({ intent: 'reject-link', linkId: String(link.id) }, cookies.viewer)).status).toBe(403)
    const rejected = await post({ intent: 'reject-link', linkId: String(link.id) })
    expect(rejected.status).toBe(200)
    expect(rejected.body.notice).toMatch(/Link rejected/)
    await settleLinker()
    // The only red run no longer counts: the episode is gone.
    expect((await load(cookies.viewer)).status).toBe(404)
  })
})
