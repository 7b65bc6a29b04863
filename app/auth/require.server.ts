import { redirect } from '@remix-run/node'
import { getRequestContext } from '../observability/request-context.server'
import { authenticateApiToken } from './api-tokens.server'
import { apiError } from '../utils/api-error.server'
import { tokenAllows, userHasPermission, type Access, type Permission } from './permissions'
import { API_CALLS_PER_TOKEN, hitRateLimit } from './rate-limit.server'
import { readSessionId, sessionCookieName, validateSession, type SessionUser } from './session.server'
import { safeRedirectPath } from './redirect'

export interface Actor {
  user: SessionUser
  via: 'session' | 'token'
  sessionId?: string
  tokenId?: string
  tokenScope?: 'read' | 'read+write'
}

type Resolution = { actor: Actor } | { actor: null; tokenError?: string }

// Loaders of one request (root + route) share one authentication: Remix hands each loader its own
// Request object, so the request context carries it; the WeakMap serves calls outside a server.
const resolved = new WeakMap<Request, Promise<Resolution>>()

function isApiRequest(request: Request) {
  return new URL(request.url).pathname.startsWith('/api/')
}

function bearerToken(request: Request): string | null | undefined {
  const header = request.headers.get('authorization')
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match ? match[1] : null
}

async function resolve(request: Request): Promise<Resolution> {
  const context = getRequestContext()
  const bearer = bearerToken(request)
  if (bearer !== undefined) {
    if (bearer === null) return { actor: null, tokenError: 'The Authorization header must be "Bearer <token>".' }
    const check = await authenticateApiToken(bearer, context?.ip)
    if (!check.ok) return { actor: null, tokenError: `The API token is ${check.reason === 'unknown' ? 'not valid' : check.reason}.` }
    const { identity } = check
    if (context) context.userId = identity.user.id
    return {
      actor: { user: identity.user, via: 'token', tokenId: identity.tokenId, tokenScope: identity.scope },
    }
  }
  const sessionId = readSessionId(request.headers.get('cookie'))
  if (!sessionId) return { actor: null }
  const session = await validateSession(sessionId)
  if (!session) return { actor: null }
  if (context) {
    context.userId = session.user.id
    if (session.renewedCookie) context.pendingCookies.push({ name: sessionCookieName(), serialized: session.renewedCookie })
  }
  return { actor: { user: session.user, via: 'session', sessionId } }
}

function resolveOnce(request: Request): Promise<Resolution> {
  const context = getRequestContext()
  if (context) {
    context.auth ??= resolve(request)
    return context.auth as Promise<Resolution>
  }
  let pending = resolved.get(request)
  if (!pending) {
    pending = resolve(request)
    resolved.set(request, pending)
  }
  return pending
}

/** The logged-in person (or token), or null. Never throws for a missing login. */
export async function getOptionalActor(request: Request): Promise<Actor | null> {
  return (await resolveOnce(request)).actor
}

export function actorCan(actor: Actor, permission: Permission): boolean {
  if (actor.via === 'token') return tokenAllows(actor.tokenScope ?? 'read', actor.user.role, permission)
  return userHasPermission(actor.user.role, permission)
}

function loginRedirect(request: Request): never {
  const url = new URL(request.url)
  const redirectTo = safeRedirectPath(url.pathname + url.search)
  const query = redirectTo && redirectTo !== '/' ? `?${new URLSearchParams({ redirectTo })}` : ''
  throw redirect(`/login${query}`)
}

/**
 * The first call of every loader and action. No login: a redirect to /login (or a JSON 401 on the
 * API). Logged in without the permission: 403. Returns who is acting.
 */
export async function requirePermission(request: Request, permission: Permission): Promise<Actor> {
  const resolution = await resolveOnce(request)
  const api = isApiRequest(request)
  if (!resolution.actor) {
    if (api || resolution.tokenError) {
      throw apiError(401, 'unauthorized', resolution.tokenError ?? 'Authenticate with "Authorization: Bearer inq_...".', {
        'WWW-Authenticate': 'Bearer',
      })
    }
    loginRedirect(request)
  }
  const { actor } = resolution
  if (!actorCan(actor, permission)) {
    if (api || actor.via === 'token') {
      throw apiError(403, 'forbidden', `This ${actor.via === 'token' ? 'token' : 'account'} may not do this (needs ${permission}).`)
    }
    throw new Response('Forbidden', { status: 403, statusText: 'Forbidden' })
  }
  if (actor.via === 'token' && actor.tokenId) {
    const limit = await hitRateLimit(`api:${actor.tokenId}`, API_CALLS_PER_TOKEN)
    if (limit.limited) {
      throw apiError(429, 'rate_limited', 'Too many requests for this token; slow down.', {
        'Retry-After': String(limit.retryAfterSeconds),
      })
    }
  }
  return actor
}

/** Same as requirePermission, for a declared Access that may be `public`. */
export async function requireAccess(request: Request, access: Access): Promise<Actor | null> {
  if (access === 'public') return getOptionalActor(request)
  return requirePermission(request, access)
}
