import { test as base, expect, type Page } from '@playwright/test'

export type DemoRole = 'admin' | 'engineer' | 'viewer'

/** Opens the e2e server's database in this worker, once. */
async function appModules() {
  process.env.DATABASE_URL = process.env.E2E_DATABASE_URL
  process.env.NODE_ENV = 'test'
  process.env.LOG_LEVEL = 'silent'
  const session = await import('../../app/auth/session.server')
  const users = await import('../../app/auth/users.server')
  return { session, users }
}

/** Logs in by creating a session directly in the database (fast); one test goes through the real form. */
export async function loginAs(page: Page, role: DemoRole) {
  const { session, users } = await appModules()
  const user = await users.findUserByEmail(`${role}@example.com`)
  if (!user) throw new Error(`demo ${role} missing`)
  const { sessionId } = await session.createSession(user.id, { ip: '127.0.0.1', userAgent: 'playwright' })
  const baseURL = test.info().project.use.baseURL!
  await page.context().addCookies([{ name: session.sessionCookieName(), value: sessionId, url: baseURL, httpOnly: true, sameSite: 'Lax' }])
}

/** Collects console errors and uncaught page errors; a test asserts the list is empty at its end. */
export function watchConsole(page: Page) {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return errors
}

export const test = base
export { expect }
