import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { inviteUser } from '../auth/invites.server'
import { verifyPassword } from '../auth/password.server'
import { getOptionalActor } from '../auth/require.server'
import { findUserByEmail } from '../auth/users.server'
import { ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { settle } from '../../tests/helpers/route'
import { action, loader } from './invite.$token'

type Body = Record<string, unknown> & {
    result?: { error?: Record<string, string[] | null> } | null
    notice?: string | null
  }


const PASSWORD = 'twelve chars or more'
const args = (request: Request, token: string) =>
  ({ request, params: { token }, context: {} }) as unknown as ActionFunctionArgs & LoaderFunctionArgs

async function newInvite(email: string) {
  const admin = await userWithRole('admin')
  const created = await inviteUser({ email, name: 'Invitee', role: 'engineer' }, { userId: admin.id })
  if (!created.ok) throw new Error(created.message)
  return created
}

const get = (token: string) => settle<Body>(() => loader(args(makeRequest(`/invite/${token}`), token)))
const submit = (token: string, form: Record<string, string>) =>
  settle<Body>(() => action(args(makeRequest(`/invite/${token}`, { form }), token)))

beforeAll(async () => {
  await ensureDemoUsers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('/invite/:token', () => {
  it('shows the set-password page to anyone holding a valid link, logged in or not', async () => {
    const { token } = await newInvite('page@example.com')
    const outcome = await get(token)
    expect(outcome.status).toBe(200)
    expect(outcome.body).toMatchObject({ email: 'page@example.com', name: 'Invitee', loggedInAs: null })
  })

  it('answers 404 to an unknown token and 410 to a used or expired one, saying nothing about whose it was', async () => {
    const unknown = await get('x'.repeat(27))
    expect(unknown.status).toBe(404)
    const { token } = await newInvite('expired@example.com')
    expect((await get(token)).status).toBe(200)
    // 72 hours and a minute later.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + (72 * 60 + 1) * 60 * 1000)
    const expired = await get(token)
    expect(expired.status).toBe(410)
    const text = await expired.response!.text()
    expect(text).not.toContain('expired@example.com')
    expect((await submit(token, { password: PASSWORD, confirmPassword: PASSWORD })).status).toBe(410)
  })

  it('gives field errors for a short password, a mismatch, and a filled honeypot', async () => {
    const { token } = await newInvite('fields@example.com')
    const short = await submit(token, { password: 'short', confirmPassword: 'short' })
    expect(short.status).toBe(400)
    expect(short.body.error).toMatchObject({ password: ['Use at least 12 characters'] })
    const mismatch = await submit(token, { password: PASSWORD, confirmPassword: `${PASSWORD}!` })
    expect(mismatch.status).toBe(400)
    expect(mismatch.body.error).toMatchObject({ confirmPassword: ['The two passwords differ'] })
    const bot = await submit(token, { password: PASSWORD, confirmPassword: PASSWORD, website: 'http://spam.example' })
    expect(bot.status).toBe(400)
    expect(bot.body.error).toMatchObject({ website: ['Leave this field empty'] })
    // Passwords are not echoed back into the page.
    expect(JSON.stringify(mismatch.body)).not.toContain(PASSWORD)
    expect((await findUserByEmail('fields@example.com'))?.passwordHash).toBeNull()
  })

  it('sets the password, logs the person in with a new session and sends them home; the link then stops working', async () => {
    const { token } = await newInvite('welcome@example.com')
    const outcome = await submit(token, { password: PASSWORD, confirmPassword: PASSWORD })
    expect(outcome.status).toBe(302)
    expect(outcome.response!.headers.get('location')).toBe('/')
    const setCookie = outcome.response!.headers.get('set-cookie')!
    const actor = await getOptionalActor(makeRequest('/', { cookie: setCookie.split(';')[0] }))
    expect(actor?.user.email).toBe('welcome@example.com')
    expect(await verifyPassword((await findUserByEmail('welcome@example.com'))!.passwordHash, PASSWORD)).toBe(true)

    expect((await get(token)).status).toBe(410)
    expect(
      (await submit(token, { password: 'another password!!', confirmPassword: 'another password!!' })).status,
    ).toBe(410)
    expect(await verifyPassword((await findUserByEmail('welcome@example.com'))!.passwordHash, PASSWORD)).toBe(true)
  })
})
