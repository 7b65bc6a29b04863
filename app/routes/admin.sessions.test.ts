import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { beforeAll, describe, expect, it } from 'vitest'
import { getOptionalActor } from '../auth/require.server'
import { createSession, sessionCookieName } from '../auth/session.server'
import { sha256Hex } from '../utils/crypto.server'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { settle } from '../../tests/helpers/route'
import { action, loader } from './admin.sessions'

type Body = Record<string, unknown> & {
    result?: { error?: Record<string, string[] | null> } | null
    notice?: string | null
  }


const args = (request: Request) =>
  ({ request, params: {}, context: {} }) as unknown as ActionFunctionArgs & LoaderFunctionArgs
let adminCookie = ''

beforeAll(async () => {
  await ensureDemoUsers()
  adminCookie = await cookieFor('admin')
})

const post = (form: Record<string, string>, cookie = adminCookie) =>
  settle<Body>(() => action(args(makeRequest('/admin/sessions', { cookie, form }))))

describe('/admin/sessions', () => {
  it('is 403 for engineers and viewers, loader and action alike', async () => {
    for (const role of ['engineer', 'viewer'] as const) {
      const cookie = await cookieFor(role)
      expect((await settle<Body>(() => loader(args(makeRequest('/admin/sessions', { cookie }))))).status).toBe(403)
      expect((await post({ intent: 'end', handle: '0123456789abcdef' }, cookie)).status).toBe(403)
    }
  })

  it('lists every user’s sessions with a browser name and marks the admin’s own', async () => {
    const engineer = await userWithRole('engineer')
    await createSession(engineer.id, {
      ip: '192.0.2.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    })
    const page = await settle<Body>(() => loader(args(makeRequest('/admin/sessions', { cookie: adminCookie }))))
    const sessions = page.body.sessions as Array<{ email: string; browser: string; ip: string; current: boolean }>
    expect(sessions).toContainEqual(
      expect.objectContaining({ email: 'engineer@example.com', browser: 'Firefox on Linux', ip: '192.0.2.7' }),
    )
    expect(sessions.filter((session) => session.current)).toEqual([
      expect.objectContaining({ email: 'admin@example.com' }),
    ])
  })

  it('answers 400 to an unknown intent or a malformed handle', async () => {
    expect((await post({ intent: 'end-all' })).status).toBe(400)
    const bad = await post({ intent: 'end', handle: 'zzzz' })
    expect(bad.status).toBe(400)
    expect(bad.body.result?.error?.handle).toEqual(['Not a session handle'])
  })

  it('answers 404 to a session that does not exist', async () => {
    const outcome = await post({ intent: 'end', handle: '0123456789abcdef' })
    expect(outcome.status).toBe(404)
    expect(outcome.body.notice).toMatch(/does not exist/)
  })

  it('ends someone else’s session', async () => {
    const viewer = await userWithRole('viewer')
    const { sessionId } = await createSession(viewer.id, { ip: null, userAgent: null })
    const cookie = `${sessionCookieName()}=${sessionId}`
    expect(await getOptionalActor(makeRequest('/', { cookie }))).not.toBeNull()
    const outcome = await post({ intent: 'end', handle: sha256Hex(sessionId).slice(0, 16) })
    expect(outcome.status).toBe(200)
    expect(await getOptionalActor(makeRequest('/', { cookie }))).toBeNull()
  })
})
