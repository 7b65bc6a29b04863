import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { beforeAll, describe, expect, it } from 'vitest'
import { authenticateApiToken, createApiToken } from '../auth/api-tokens.server'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { settle } from '../../tests/helpers/route'
import { action, loader } from './admin.tokens'

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
  settle<Body>(() => action(args(makeRequest('/admin/tokens', { cookie, form }))))

describe('/admin/tokens', () => {
  it('is 403 for engineers and viewers, loader and action alike', async () => {
    const engineer = await userWithRole('engineer')
    const token = await createApiToken(
      { userId: engineer.id, name: 'kept', scope: 'read', days: 5 },
      { userId: engineer.id },
    )
    for (const role of ['engineer', 'viewer'] as const) {
      const cookie = await cookieFor(role)
      expect((await settle<Body>(() => loader(args(makeRequest('/admin/tokens', { cookie }))))).status).toBe(403)
      expect((await post({ intent: 'revoke', tokenId: token.id }, cookie)).status).toBe(403)
    }
    expect((await authenticateApiToken(token.token)).ok).toBe(true)
  })

  it('lists every user’s tokens with owner and status', async () => {
    const viewer = await userWithRole('viewer')
    const token = await createApiToken(
      { userId: viewer.id, name: 'viewer-script', scope: 'read', days: 5 },
      { userId: viewer.id },
    )
    const page = await settle<Body>(() => loader(args(makeRequest('/admin/tokens', { cookie: adminCookie }))))
    const tokens = page.body.tokens as Array<{ id: string; ownerEmail: string; status: string; prefix: string }>
    expect(tokens.find((row) => row.id === token.id)).toMatchObject({
      ownerEmail: 'viewer@example.com',
      status: 'active',
      prefix: token.prefix,
    })
    expect(JSON.stringify(page.body)).not.toContain(token.token)
  })

  it('answers 400 to an unknown intent or a missing token id, 404 to an unknown token', async () => {
    expect((await post({ intent: 'delete', tokenId: 'x' })).status).toBe(400)
    const missing = await post({ intent: 'revoke' })
    expect(missing.status).toBe(400)
    expect(missing.body.result?.error?.tokenId).toEqual(['No token given'])
    expect((await post({ intent: 'revoke', tokenId: 'no-such-token' })).status).toBe(404)
  })

  it('revokes anyone’s token, once', async () => {
    const engineer = await userWithRole('engineer')
    const token = await createApiToken(
      { userId: engineer.id, name: 'to-revoke', scope: 'read+write', days: 5 },
      { userId: engineer.id },
    )
    expect((await post({ intent: 'revoke', tokenId: token.id })).status).toBe(200)
    expect(await authenticateApiToken(token.token)).toEqual({ ok: false, reason: 'revoked' })
    expect((await post({ intent: 'revoke', tokenId: token.id })).status).toBe(409)
  })
})
