import { beforeAll, describe, expect, it } from 'vitest'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { routeArgs, settle } from '../../tests/helpers/route'
import { createInvestigation, getInvestigation } from '../investigations/investigations.server'
import { action } from './investigations.$id_.watch'

let viewerCookie = ''
let id = 0

beforeAll(async () => {
  await ensureDemoUsers()
  viewerCookie = await cookieFor('viewer')
  const engineer = await userWithRole('engineer')
  id = await createInvestigation({ title: 'Checkout latency', kind: 'incident', severity: 'sev2' }, engineer.id)
})

const post = (form: Record<string, string>, investigationId = String(id), cookie = viewerCookie) =>
  settle(() => action(routeArgs(makeRequest(`/investigations/${investigationId}/watch`, { cookie, form }), { id: investigationId })))

const watcherIds = async () => (await getInvestigation(id))!.watchers.map((watcher) => watcher.id)

describe('POST /investigations/:id/watch', () => {
  it('lets a viewer watch and unwatch (their own mail), back to the page each time', async () => {
    const viewer = await userWithRole('viewer')
    const watched = await post({ intent: 'watch' })
    expect(watched.status).toBe(302)
    expect(await watcherIds()).toContain(viewer.id)
    expect((await post({ intent: 'watch' })).status).toBe(302)
    expect((await watcherIds()).filter((watcher) => watcher === viewer.id)).toHaveLength(1)
    expect((await post({ intent: 'unwatch' })).status).toBe(302)
    expect(await watcherIds()).not.toContain(viewer.id)
  })

  it('answers 400 to anything but watch or unwatch, 404 for a missing investigation, and sends strangers to log in', async () => {
    expect((await post({ intent: 'status' })).status).toBe(400)
    expect((await post({ intent: 'watch' }, '999999')).status).toBe(404)
    const anonymous = await post({ intent: 'watch' }, String(id), '')
    expect(anonymous.status).toBe(302)
  })
})
