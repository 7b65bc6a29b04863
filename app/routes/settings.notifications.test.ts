import { beforeAll, describe, expect, it } from 'vitest'
import { cookieFor, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { routeArgs, settle } from '../../tests/helpers/route'
import { getDeliveryFor, getDigestSettings } from '../notifications/preferences.server'
import { action, loader } from './settings.notifications'

type Body = {
  preferences?: { deliveries: Record<string, string>; digest: Record<string, unknown> }
  result?: { status?: string; error?: Record<string, string[] | null> | null }
  saved?: boolean
}

const form = {
  assigned: 'immediate',
  status_changed: 'immediate',
  comment: 'digest',
  suspect_found: 'off',
  branch_red: 'immediate',
  weekly_summary: 'off',
  frequency: 'weekly',
  weekday: '3',
  hour: '7',
  timezone: 'Europe/Berlin',
}

let viewerCookie = ''
beforeAll(async () => {
  viewerCookie = await cookieFor('viewer')
})

const post = (fields: Record<string, string>, cookie = viewerCookie) =>
  settle<Body>(() => action(routeArgs(makeRequest('/settings/notifications', { cookie, form: fields }))))

describe('/settings/notifications', () => {
  it('needs a login and shows anyone their own settings, defaults first', async () => {
    const anonymous = await settle<Body>(() => loader(routeArgs(makeRequest('/settings/notifications'))))
    expect(anonymous.status).toBe(302)
    expect(anonymous.location).toBe('/login?redirectTo=%2Fsettings%2Fnotifications')
    const page = await settle<Body>(() =>
      loader(routeArgs(makeRequest('/settings/notifications', { cookie: viewerCookie }))),
    )
    expect(page.status).toBe(200)
    expect(page.body.preferences).toMatchObject({
      deliveries: { assigned: 'immediate', status_changed: 'digest' },
      digest: { timezone: 'UTC' },
    })
  })

  it('saves the grid, the digest schedule and the master switch; the next read sees them', async () => {
    const viewer = await userWithRole('viewer')
    const saved = await post({ ...form, paused: 'on' })
    expect(saved.status).toBe(200)
    expect(saved.body.saved).toBe(true)
    expect(await getDeliveryFor(viewer.id, 'comment')).toBe('digest')
    expect(await getDeliveryFor(viewer.id, 'suspect_found')).toBe('off')
    expect(await getDigestSettings(viewer.id)).toEqual({
      frequency: 'weekly',
      weekday: 3,
      hour: 7,
      timezone: 'Europe/Berlin',
      paused: true,
    })
    // An unchecked box is "not paused".
    await post(form)
    expect((await getDigestSettings(viewer.id)).paused).toBe(false)
  })

  it('answers 400 with the field named for an unknown time zone, a missing choice or a bad hour, and saves nothing', async () => {
    const viewer = await userWithRole('viewer')
    const before = await getDigestSettings(viewer.id)
    const bad = await post({ ...form, timezone: 'Europe/Atlantis', hour: '25', comment: '' })
    expect(bad.status).toBe(400)
    expect(bad.body.result?.error?.timezone?.[0]).toMatch(/time zone/i)
    expect(bad.body.result?.error?.hour?.length).toBeGreaterThan(0)
    expect(bad.body.result?.error?.comment?.length).toBeGreaterThan(0)
    expect(await getDigestSettings(viewer.id)).toEqual(before)
  })
})
