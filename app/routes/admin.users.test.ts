import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { beforeAll, describe, expect, it } from 'vitest'
import { findInvite } from '../auth/invites.server'
import { findUserByEmail } from '../auth/users.server'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { settle } from '../../tests/helpers/route'
import { action, loader } from './admin.users'

type Body = {
    intent?: string | null
    result?: { status?: string; error?: Record<string, string[] | null> } | null
    invite?: { email: string; url: string } | null
    notice?: string | null
    users?: Array<{ email: string; status: string; role: string }>
  }


const args = (request: Request) =>
  ({ request, params: {}, context: {} }) as unknown as ActionFunctionArgs & LoaderFunctionArgs
const post = async (form: Record<string, string>, role: 'admin' | 'engineer' | 'viewer' = 'admin') =>
  settle<Body>(() => action(args(makeRequest('/admin/users', { cookie: cookies[role] ?? '', form }))))

const cookies: Partial<Record<'admin' | 'engineer' | 'viewer', string>> = {}

beforeAll(async () => {
  await ensureDemoUsers()
  cookies.admin = await cookieFor('admin')
  cookies.engineer = await cookieFor('engineer')
  cookies.viewer = await cookieFor('viewer')
})

describe('permission', () => {
  it('engineers and viewers get 403 from the loader and the action; admins get the list', async () => {
    for (const role of ['engineer', 'viewer'] as const) {
      expect((await settle<Body>(() => loader(args(makeRequest('/admin/users', { cookie: cookies[role] }))))).status).toBe(
        403,
      )
      expect((await post({ intent: 'invite', email: 'x@example.com', name: 'X', role: 'admin' }, role)).status).toBe(
        403,
      )
    }
    expect(await findUserByEmail('x@example.com')).toBeUndefined()
    const page = await settle<Body>(() => loader(args(makeRequest('/admin/users', { cookie: cookies.admin }))))
    expect(page.status).toBe(200)
    expect(page.body.users?.map((user) => user.email)).toContain('engineer@example.com')
  })

  it('logged-out requests go to the login page', async () => {
    const outcome = await settle<Body>(() => loader(args(makeRequest('/admin/users'))))
    expect(outcome.status).toBe(302)
    expect(outcome.location).toBe('/login?redirectTo=%2Fadmin%2Fusers')
  })
})

describe('intent dispatch', () => {
  it('answers 400 to an unknown or missing intent and changes nothing', async () => {
    expect((await post({ intent: 'delete', userId: 'x' })).status).toBe(400)
    expect((await post({ email: 'y@example.com', name: 'Y', role: 'viewer' })).status).toBe(400)
    expect(await findUserByEmail('y@example.com')).toBeUndefined()
  })
})

describe('invite', () => {
  it('puts field errors next to the fields on bad input', async () => {
    const outcome = await post({ intent: 'invite', email: 'not-an-email', name: '', role: 'superuser' })
    expect(outcome.status).toBe(400)
    expect(outcome.body.intent).toBe('invite')
    expect(outcome.body.result?.error?.email).toEqual(['Enter a valid email address'])
    expect(outcome.body.result?.error?.name).toEqual(['Enter their name'])
    expect(outcome.body.result?.error?.role).toEqual(['Choose a role'])
  })

  it('refuses an email that is already taken with an error on the email field', async () => {
    const outcome = await post({ intent: 'invite', email: 'Engineer@Example.com', name: 'Again', role: 'viewer' })
    expect(outcome.status).toBe(400)
    expect(outcome.body.result?.error?.email).toEqual(['That email already has an account'])
    expect((await findUserByEmail('engineer@example.com'))?.role).toBe('engineer')
  })

  it('creates the invite and shows its link once, in the response', async () => {
    const outcome = await post({
      intent: 'invite',
      email: 'new.person@example.com',
      name: 'New Person',
      role: 'viewer',
    })
    expect(outcome.status).toBe(200)
    expect(outcome.body.invite?.email).toBe('new.person@example.com')
    const url = new URL(outcome.body.invite!.url)
    expect(url.origin).toBe('http://localhost:3000')
    const token = url.pathname.replace('/invite/', '')
    expect(await findInvite(token)).toMatchObject({ status: 'valid', email: 'new.person@example.com' })
    // The list shows them as invited; the link is not part of what the loader sends.
    const page = await settle<Body>(() => loader(args(makeRequest('/admin/users', { cookie: cookies.admin }))))
    expect(page.body.users?.find((user) => user.email === 'new.person@example.com')?.status).toBe('invited')
    expect(JSON.stringify(page.body)).not.toContain(token)
  })
})

describe('role, disable and enable', () => {
  it('validates the role and the user id', async () => {
    const engineer = await userWithRole('engineer')
    const bad = await post({ intent: 'role', userId: engineer.id, role: 'root' })
    expect(bad.status).toBe(400)
    expect(bad.body.result?.error?.role).toEqual(['Choose a role'])
    expect((await post({ intent: 'disable' })).status).toBe(400)
  })

  it('answers 404 for a user that does not exist', async () => {
    expect((await post({ intent: 'role', userId: 'no-such-user', role: 'viewer' })).status).toBe(404)
    expect((await post({ intent: 'disable', userId: 'no-such-user' })).status).toBe(404)
    expect((await post({ intent: 'enable', userId: 'no-such-user' })).status).toBe(404)
  })

  it('refuses to let an admin disable themselves, with a form error', async () => {
    const admin = await userWithRole('admin')
    const outcome = await post({ intent: 'disable', userId: admin.id })
    expect(outcome.status).toBe(400)
    expect(outcome.body.result?.error?.['']).toEqual(['You cannot disable your own account. Ask another admin.'])
    expect((await findUserByEmail('admin@example.com'))?.disabledAt).toBeNull()
  })

  it('refuses to demote the last active admin, with a form error', async () => {
    const admin = await userWithRole('admin')
    const outcome = await post({ intent: 'role', userId: admin.id, role: 'viewer' })
    expect(outcome.status).toBe(409)
    expect(outcome.body.result?.error?.['']?.[0]).toMatch(/last active admin/)
    expect((await findUserByEmail('admin@example.com'))?.role).toBe('admin')
  })

  it('changes a role, disables and re-enables', async () => {
    const viewer = await userWithRole('viewer')
    expect((await post({ intent: 'role', userId: viewer.id, role: 'engineer' })).status).toBe(200)
    expect((await findUserByEmail('viewer@example.com'))?.role).toBe('engineer')
    expect((await post({ intent: 'disable', userId: viewer.id })).status).toBe(200)
    expect((await findUserByEmail('viewer@example.com'))?.disabledAt).toBeInstanceOf(Date)
    // The viewer's session ended with the account.
    expect((await settle<Body>(() => loader(args(makeRequest('/admin/users', { cookie: cookies.viewer }))))).status).toBe(302)
    expect((await post({ intent: 'enable', userId: viewer.id })).status).toBe(200)
    expect((await findUserByEmail('viewer@example.com'))?.disabledAt).toBeNull()
  })
})
