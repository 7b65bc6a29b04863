import { beforeAll, describe, expect, it } from 'vitest'
import type { EpisodeListItem } from '../linker/branches.server'
import { getLinker } from '../linker/worker.server'
import { cookieFor, ensureDemoUsers, makeRequest } from '../../tests/helpers/auth'
import { addCommits, addRun, chain, createRepository, rows, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { action, loader } from './branches'

let repo = ''

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  repo = await createRepository()
  await addCommits(repo, [...chain('m', 3), ...chain('x', 2, 'm2')])
  await addRun(repo, { commit: 'm2', conclusion: 'success' })
  await addRun(repo, { commit: 'm3', conclusion: 'failure' })
  await addRun(repo, { commit: 'x2', conclusion: 'failure', branch: 'feature/login', name: 'CI' })
  await settleLinker()
})

describe('/branches', () => {
  it('lists what is red now, with its top suspect', async () => {
    const page = await settle<{ episodes: EpisodeListItem[] }>(() => loader(routeArgs(makeRequest(`/branches?repository=${repo}`, { cookie: undefined }))))
    expect(page.status).toBe(302)
    const viewer = await cookieFor('viewer')
    const listed = await settle<{ episodes: EpisodeListItem[]; canRecompute: boolean }>(() => loader(routeArgs(makeRequest(`/branches?repository=${repo}`, { cookie: viewer }))))
    expect(listed.body.canRecompute).toBe(false)
    const red = listed.body.episodes.filter((episode) => episode.status === 'open')
    expect(red.map((episode) => [episode.branch, episode.firstRedSha, episode.base])).toEqual(
      expect.arrayContaining([
        ['main', sha('m3'), 'sequence'],
        ['feature/login', sha('x2'), 'default_branch'],
      ]),
    )
    expect(red.find((episode) => episode.branch === 'main')?.topSuspect?.sha).toBe(sha('m3'))
  })

  it('queues a recompute for admins only, audit-logged', async () => {
    const form = { intent: 'recompute', repositoryId: repo }
    const engineer = await cookieFor('engineer')
    const asEngineer = await settle(() => action(routeArgs(makeRequest('/branches', { cookie: engineer, form }))))
    expect(asEngineer.status).toBe(403)
    const admin = await cookieFor('admin')
    const queued = await settle(() => action(routeArgs(makeRequest('/branches', { cookie: admin, form }))))
    expect(queued.status).toBe(200)
    const queued2 = await rows<{ kind: string }>('select kind from linker_queue where repository_id = ?', repo)
    expect(queued2.map((row) => row.kind)).toContain('recompute')
    expect((await settle(() => action(routeArgs(makeRequest('/branches', { cookie: admin, form: { intent: 'recompute', repositoryId: 'nope' } }))))).status).toBe(404)
    expect((await settle(() => action(routeArgs(makeRequest('/branches', { cookie: admin, form: { intent: 'other' } }))))).status).toBe(400)
    await settleLinker()
    expect(await rows('select id from linker_queue where repository_id = ?', repo)).toEqual([])
    const audit = await rows<{ action: string }>(`select action from audit_log where action = 'linker.recompute' and target_id = ?`, repo)
    expect(audit).toHaveLength(1)
  })
})
