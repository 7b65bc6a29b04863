// Every route module declares what it needs, and anonymous, viewer, engineer and admin get exactly that.
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { PERMISSIONS, userHasPermission, type Access, type Role } from '../../app/auth/permissions'
import { cookieFor, ensureDemoUsers, makeRequest } from '../helpers/auth'

const ROUTES_DIR = path.resolve('app/routes')
const ROUTE_FILES = readdirSync(ROUTES_DIR).filter((file) => /\.(ts|tsx)$/.test(file) && !/\.test\.(ts|tsx)$/.test(file))
const ROLES: Role[] = ['viewer', 'engineer', 'admin']

interface RouteModule {
  access?: { loader?: Access; action?: Access }
  loader?: (args: unknown) => Promise<unknown> | unknown
  action?: (args: unknown) => Promise<unknown> | unknown
}

/** The URL path and params a flat-routes file name stands for, with made-up values for params. */
export function routePath(file: string): { path: string; params: Record<string, string> } {
  const name = file.replace(/\.(ts|tsx)$/, '')
  const params: Record<string, string> = {}
  const segments: string[] = []
  for (const raw of name.split(/\.(?![^[]*\])/)) {
    const segment = raw.replace(/\[(.*?)\]/g, '$1')
    if (segment === '_index' || segment.startsWith('_')) continue
    if (segment === '$') {
      params['*'] = 'no-such-page'
      segments.push('no-such-page')
    } else if (segment.startsWith('$')) {
      params[segment.slice(1)] = 'does-not-exist'
      segments.push('does-not-exist')
    } else {
      segments.push(segment)
    }
  }
  return { path: `/${segments.join('/')}`, params }
}

async function outcome(run: () => unknown): Promise<Response | 'ok'> {
  try {
    const result = await run()
    return result instanceof Response ? result : 'ok'
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    // A route that got past its permission check and then failed on made-up input still passed the gate.
    return 'ok'
  }
}

// The redirect that requirePermission answers to a missing login (not, say, logout's own redirect).
const isLoginRedirect = (response: Response | 'ok') =>
  response !== 'ok' && response.status === 302 && /^\/login(\?redirectTo=|$)/.test(response.headers.get('location') ?? '')
const isDenied = (response: Response | 'ok') => response !== 'ok' && (response.status === 401 || response.status === 403)

const cookies: Partial<Record<Role, string>> = {}

beforeAll(async () => {
  await ensureDemoUsers()
})

async function freshCookie(role: Role) {
  // Logout and session routes may end the session they are called with: a new one for every call.
  cookies[role] = await cookieFor(role)
  return cookies[role]!
}

it('finds the route modules', () => {
  expect(ROUTE_FILES.length).toBeGreaterThan(3)
})

describe.each(ROUTE_FILES)('%s', (file) => {
  const { path: pathname, params } = routePath(file)
  const api = pathname.startsWith('/api/')
  let mod: RouteModule

  beforeAll(async () => {
    mod = await import(path.join(ROUTES_DIR, file))
  })

  it('declares the access of each handler it exports', () => {
    expect(mod.access, `${file} must export \`access\``).toBeDefined()
    for (const handler of ['loader', 'action'] as const) {
      if (!mod[handler]) continue
      const declared = mod.access?.[handler]
      expect(declared, `${file} exports ${handler} without access.${handler}`).toBeDefined()
      expect(['public', ...PERMISSIONS]).toContain(declared)
    }
  })

  for (const handler of ['loader', 'action'] as const) {
    it(`${handler}: anonymous, viewer, engineer and admin get what ${handler} declares`, async () => {
      const run = mod[handler]
      if (!run) return
      const access = mod.access![handler]!
      const method = handler === 'loader' ? 'GET' : 'POST'
      const call = (cookie?: string) =>
        outcome(() => run({ request: makeRequest(pathname, { method, cookie, form: method === 'POST' ? {} : undefined }), params, context: { requestId: 'test', cspNonce: '' } }))

      const anonymous = await call()
      if (access === 'public') {
        expect(isDenied(anonymous), `${method} ${pathname} is public`).toBe(false)
      } else if (api) {
        expect(anonymous !== 'ok' && anonymous.status, `${method} ${pathname} anonymous`).toBe(401)
      } else {
        expect(isLoginRedirect(anonymous), `${method} ${pathname} anonymous goes to /login`).toBe(true)
      }

      for (const role of ROLES) {
        const result = await call(await freshCookie(role))
        const allowed = access === 'public' || userHasPermission(role, access)
        if (allowed) {
          expect(isDenied(result) || isLoginRedirect(result), `${method} ${pathname} as ${role} is allowed`).toBe(false)
        } else {
          expect(result !== 'ok' && result.status, `${method} ${pathname} as ${role} is forbidden`).toBe(403)
        }
      }
    })
  }
})
