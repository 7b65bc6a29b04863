import { createSession, sessionCookieName } from '../../app/auth/session.server'
import { createUser, findUserByEmail } from '../../app/auth/users.server'
import type { Role } from '../../app/auth/permissions'
import { DEMO_PASSWORD, DEMO_USERS } from '../../db/seed-accounts'

export const APP_ORIGIN = 'http://localhost:3000'

/** The demo users, created once per test file (argon2 hashing is the slow part). */
export async function ensureDemoUsers() {
  for (const user of DEMO_USERS) {
    if (!(await findUserByEmail(user.email))) await createUser({ ...user, password: DEMO_PASSWORD })
  }
}

export async function userWithRole(role: Role) {
  await ensureDemoUsers()
  const user = await findUserByEmail(`${role}@example.com`)
  if (!user) throw new Error(`no demo ${role}`)
  return user
}

/** A cookie header for a fresh session of the demo user with that role. */
export async function cookieFor(role: Role) {
  const user = await userWithRole(role)
  const { sessionId } = await createSession(user.id, { ip: '127.0.0.1', userAgent: 'vitest' })
  return `${sessionCookieName()}=${sessionId}`
}

/** A request as a browser would send it, with an optional session and form body. */
export function makeRequest(
  pathname: string,
  options: { method?: string; cookie?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
) {
  const headers = new Headers(options.headers)
  if (options.cookie) headers.set('cookie', options.cookie)
  const method = options.method ?? (options.form ? 'POST' : 'GET')
  if (method !== 'GET') headers.set('origin', APP_ORIGIN)
  return new Request(`${APP_ORIGIN}${pathname}`, {
    method,
    headers,
    body: options.form ? new URLSearchParams(options.form) : undefined,
  })
}
