// The wizard's routes: /investigations/new (step 1 of a new draft, optionally seeded from an episode)
// and /investigations/new/<draftId>/<step>.
import { beforeAll, describe, expect, it } from 'vitest'
import { getDraft } from '../investigations/drafts.server'
import { getInvestigation } from '../investigations/investigations.server'
import { toDateTimeInput } from '../investigations/wizard-schema'
import { getLinker } from '../linker/worker.server'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, addTestResults, chain, createRepository, episodesOf, rows, settleLinker } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import * as entry from './investigations.new'
import * as step from './investigations.new_.$draftId.$step'

type Body = {
  result?: { status?: string; error?: Record<string, string[] | null> } | null
  prefill?: { label: string; suggestedTitle: string | null } | null
  draft?: { id: string; step: number; values: Record<string, unknown> }
  view?: { step: number; candidates?: { suspects: Array<{ key: string; label: string }>; runs: Array<{ key: string }>; tests: Array<{ key: string }> } }
}

const RED_AT = Date.UTC(2026, 10, 24, 3, 9)
let cookies: Record<'viewer' | 'engineer' | 'admin', string>
let repositoryId = ''
let episodeId = 0
let redRunId = 0

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  cookies = { viewer: await cookieFor('viewer'), engineer: await cookieFor('engineer'), admin: await cookieFor('admin') }
  repositoryId = await createRepository()
  await addCommits(repositoryId, chain('n', 4))
  await addRun(repositoryId, { commit: 'n1', conclusion: 'success', at: RED_AT - 9 * 3_600_000 })
  redRunId = await addRun(repositoryId, { commit: 'n4', conclusion: 'failure', at: RED_AT })
  await addTestResults(redRunId, [{ classname: 'cart', name: 'total', status: 'failed' }])
  await settleLinker()
  episodeId = (await episodesOf(repositoryId))[0].id
})

const startLoad = (search: string, cookie = cookies.engineer) =>
  settle<Body>(() => entry.loader(routeArgs(makeRequest(`/investigations/new${search}`, { cookie }))))
const start = (search: string, form: Record<string, string>, cookie = cookies.engineer) =>
  settle<Body>(() => entry.action(routeArgs(makeRequest(`/investigations/new${search}`, { cookie, form }))))
const params = (draftId: string, n: number) => ({ draftId, step: String(n) })
const load = (draftId: string, n: number, cookie = cookies.engineer) =>
  settle<Body>(() => step.loader(routeArgs(makeRequest(`/investigations/new/${draftId}/${n}`, { cookie }), params(draftId, n))))
function submit(draftId: string, n: number, form: Record<string, string | string[]>, cookie = cookies.engineer) {
  const body = new URLSearchParams()
  for (const [name, value] of Object.entries(form)) for (const item of [value].flat()) body.append(name, item)
  const request = makeRequest(`/investigations/new/${draftId}/${n}`, { cookie, form: {} })
  return settle<Body>(() => step.action(routeArgs(new Request(request, { body }), params(draftId, n))))
}
const draftIdOf = (location: string | null | undefined) => /\/investigations\/new\/([^/]+)\/\d/.exec(location ?? '')?.[1] ?? ''

const STEP_1 = { intent: 'next', title: 'Cart totals are off', description: 'Totals come out **2.97**', kind: 'regression', severity: 'sev2' }

describe('/investigations/new', () => {
  it('is for people who can write investigations: viewers get 403', async () => {
    expect((await startLoad('', cookies.viewer)).status).toBe(403)
    expect((await start('', STEP_1, cookies.viewer)).status).toBe(403)
    expect((await startLoad('')).status).toBe(200)
  })

  it('answers 400 with the errors of each field, and stores nothing', async () => {
    const before = await rows<{ n: number }>('select count(*) as n from investigation_drafts')
    const reply = await start('', { intent: 'next', title: '', kind: 'chaos', severity: 'sev2' })
    expect(reply.status).toBe(400)
    expect(reply.body.result?.error).toMatchObject({ title: ['Say in a line what is wrong'], kind: ['Choose failing build, regression or incident'] })
    expect(await rows<{ n: number }>('select count(*) as n from investigation_drafts')).toEqual(before)
    expect((await start('', { intent: 'shrug' })).status).toBe(400)
  })

  it('starts from an episode with a suggested title, then jumps to the evidence with where and when filled in', async () => {
    const page = await startLoad(`?episode=${episodeId}`)
    expect(page.body.prefill).toMatchObject({ suggestedTitle: `CI is red on main in ${repositoryId}` })
    expect((await startLoad('?episode=987654')).status).toBe(404)
    const started = await start(`?episode=${episodeId}`, STEP_1)
    expect(started.status).toBe(302)
    expect(started.location).toMatch(/\/investigations\/new\/[^/]+\/4$/)
    const engineer = await userWithRole('engineer')
    const draft = await getDraft(draftIdOf(started.location), engineer.id)
    expect(draft).toMatchObject({
      step: 3,
      data: {
        what: { title: 'Cart totals are off' },
        where: { repositoryId, branch: 'main', workflow: 'CI' },
        when: { firstSeen: toDateTimeInput(RED_AT) },
        linker: { episodeId, firstRedRunId: redRunId },
      },
    })
  })

  it('starts from a repository, branch and workflow as the red branches link them', async () => {
    const started = await start(`?repository=${repositoryId}&branch=main&workflow=CI`, STEP_1)
    expect(started.location).toMatch(/\/4$/)
    expect((await startLoad('?repository=no-such-repository')).status).toBe(404)
  })
})

describe('/investigations/new/<draftId>/<step>', () => {
  it('keeps a draft to its author: someone else gets 404, and so does a made-up draft or step', async () => {
    const started = await start('', STEP_1)
    expect(started.location).toMatch(/\/2$/)
    const id = draftIdOf(started.location)
    expect((await load(id, 2)).status).toBe(200)
    expect((await load(id, 2, cookies.admin)).status).toBe(404)
    expect((await submit(id, 2, { intent: 'next' }, cookies.admin)).status).toBe(404)
    expect((await load(id, 2, cookies.viewer)).status).toBe(403)
    expect((await load('no-such-draft', 2)).status).toBe(404)
    expect((await load(id, 7)).status).toBe(404)
    // Not there yet: the next step to fill.
    expect((await load(id, 4)).location).toBe(`/investigations/new/${id}/2`)
  })

  it('walks every step to a new investigation; back keeps what was typed, even when it is not valid yet', async () => {
    const engineer = await userWithRole('engineer')
    const admin = await userWithRole('admin')
    const viewer = await userWithRole('viewer')
    const id = draftIdOf((await start('', STEP_1)).location)

    const badBranch = await submit(id, 2, { intent: 'next', repositoryId, branch: 'no..dots', workflow: 'CI' })
    expect(badBranch.status).toBe(400)
    expect(badBranch.body.result?.error?.branch).toEqual(['Enter a branch name as git has it, such as main'])
    expect((await submit(id, 2, { intent: 'next', repositoryId: 'nope', branch: 'main' })).body.result?.error?.repositoryId).toEqual(['Choose a repository from the list'])
    expect((await submit(id, 2, { intent: 'next', repositoryId, branch: 'main', workflow: '' })).location).toBe(`/investigations/new/${id}/3`)

    const when = await load(id, 3)
    expect(when.body.draft?.values).toEqual({ firstSeen: toDateTimeInput(RED_AT), lastKnownGood: toDateTimeInput(RED_AT - 9 * 3_600_000) })
    expect((await submit(id, 3, { intent: 'back', firstSeen: 'half past never', lastKnownGood: '' })).location).toBe(`/investigations/new/${id}/2`)
    expect((await load(id, 3)).body.draft?.values).toMatchObject({ firstSeen: 'half past never' })
    const badTime = await submit(id, 3, { intent: 'next', firstSeen: 'half past never' })
    expect(badTime.status).toBe(400)
    expect(badTime.body.result?.error?.firstSeen).toBeDefined()
    expect((await submit(id, 3, { intent: 'next', firstSeen: toDateTimeInput(RED_AT), lastKnownGood: '' })).location).toBe(`/investigations/new/${id}/4`)

    const evidence = await load(id, 4)
    const { suspects, runs, tests } = evidence.body.view!.candidates!
    expect(suspects.length).toBe(3)
    const picked = [suspects[0].key, runs[0].key, tests[0].key]
    const added = await submit(id, 4, { intent: 'add-link', picked, 'links[0].url': 'https://status.example.com/9', 'links[0].title': 'Status page' })
    expect(added.location).toBe(`/investigations/new/${id}/4#links`)
    expect((await load(id, 4)).body.draft?.values).toMatchObject({ picked, links: [{ url: 'https://status.example.com/9', title: 'Status page' }, { url: '', title: '' }] })
    const badLink = await submit(id, 4, { intent: 'next', picked, 'links[0].url': 'not a url', 'links[0].title': 'Status page' })
    expect(badLink.status).toBe(400)
    expect(badLink.body.result?.error?.['links[0].url']).toBeDefined()
    const stale = await submit(id, 4, { intent: 'next', picked: [...picked, 'ci_run:999999'] })
    expect(stale.body.result?.error?.picked).toEqual(['Some of what you picked is no longer there: pick again'])
    const fourth = await submit(id, 4, { intent: 'next', picked, 'links[0].url': 'https://status.example.com/9', 'links[0].title': 'Status page', 'links[1].url': '' })
    expect(fourth.location).toBe(`/investigations/new/${id}/5`)

    expect((await submit(id, 5, { intent: 'create', ownerId: viewer.id })).body.result?.error?.ownerId).toEqual(['Choose an owner from the list'])
    const created = await submit(id, 5, { intent: 'create', ownerId: admin.id, watcherIds: [viewer.id] })
    expect(created.status).toBe(302)
    const investigationId = Number(/^\/investigations\/(\d+)$/.exec(created.location ?? '')?.[1])
    const view = await getInvestigation(investigationId)
    expect(view).toMatchObject({ title: 'Cart totals are off', kind: 'regression', severity: 'sev2', workflow: 'CI', episodeId, firstRedRunId: redRunId, ownerId: admin.id })
    expect(view!.watchers.map((watcher) => watcher.id).sort()).toEqual([admin.id, engineer.id, viewer.id].sort())
    const evidenceRows = await rows<{ kind: string; label: string }>('select kind, label from investigation_evidence where investigation_id = ? order by id', investigationId)
    expect(evidenceRows.map((row) => row.kind)).toEqual(['suspect', 'ci_run', 'test', 'link'])
    expect(evidenceRows[2].label).toBe('cart › total')
    expect(evidenceRows[3].label).toBe('Status page')
    expect((await load(id, 5)).status).toBe(404)
  })

  it('answers 400 to an unknown intent, and to link buttons outside the evidence step', async () => {
    const id = draftIdOf((await start('', STEP_1)).location)
    expect((await submit(id, 1, { intent: 'explode' })).status).toBe(400)
    expect((await submit(id, 1, { ...STEP_1, intent: 'add-link' })).status).toBe(400)
  })
})
