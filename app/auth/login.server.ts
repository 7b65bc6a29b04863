import { Authenticator } from 'remix-auth'
import { FormStrategy } from 'remix-auth-form'
import type { Submission } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import type { z } from 'zod'
import { loginSchema } from './schemas'
import { getRequestContext } from '../observability/request-context.server'
import { recordAudit } from './audit.server'
import { verifyPassword } from './password.server'
import { LOGIN_FAILURES, clearRateLimit, hitRateLimit, peekRateLimit } from './rate-limit.server'
import { createSession } from './session.server'
import { findUserByEmail, normalizeEmail } from './users.server'
import { singleton } from '../utils/singleton.server'

export const LOGIN_FAILED_MESSAGE = 'That email and password do not match an active account.'

type LoginSubmission = Submission<z.input<typeof loginSchema>, string[], z.output<typeof loginSchema>>

export type LoginOutcome =
  | { kind: 'invalid'; submission: LoginSubmission }
  | { kind: 'failed'; submission: LoginSubmission; message: string }
  | { kind: 'limited'; submission: LoginSubmission; retryAfterSeconds: number }
  | { kind: 'ok'; userId: string; cookie: string; redirectTo?: string }

async function verifyLogin(form: FormData): Promise<LoginOutcome> {
  const submission = parseWithZod(form, { schema: loginSchema })
  if (submission.status !== 'success') return { kind: 'invalid', submission }
  const context = getRequestContext()
  const email = normalizeEmail(submission.value.email)
  const ipKey = `login:ip:${context?.ip ?? 'unknown'}`
  const accountKey = `login:account:${email}`
  const [byIp, byAccount] = await Promise.all([peekRateLimit(ipKey, LOGIN_FAILURES), peekRateLimit(accountKey, LOGIN_FAILURES)])
  if (byIp.limited || byAccount.limited) {
    return { kind: 'limited', submission, retryAfterSeconds: Math.max(byIp.retryAfterSeconds, byAccount.retryAfterSeconds) }
  }

  const user = await findUserByEmail(email)
  // Unknown emails are verified against a dummy hash: the same answer in the same time.
  const passwordMatches = await verifyPassword(user?.passwordHash, submission.value.password)
  if (!user || !passwordMatches || user.disabledAt) {
    await Promise.all([hitRateLimit(ipKey, LOGIN_FAILURES), hitRateLimit(accountKey, LOGIN_FAILURES)])
    await recordAudit({
      action: 'login.failure',
      actor: { userId: user?.id ?? null, label: email },
      detail: { reason: !user ? 'unknown email' : user.disabledAt ? 'disabled account' : 'wrong password' },
    })
    return { kind: 'failed', submission, message: LOGIN_FAILED_MESSAGE }
  }

  await clearRateLimit(accountKey)
  const session = await createSession(user.id, { ip: context?.ip, userAgent: context?.userAgent })
  await recordAudit({ action: 'login.success', actor: { userId: user.id }, targetType: 'user', targetId: user.id })
  return { kind: 'ok', userId: user.id, cookie: session.cookie, redirectTo: submission.value.redirectTo }
}

function authenticator() {
  return singleton('authenticator', () =>
    new Authenticator<LoginOutcome>().use(new FormStrategy(({ form }) => verifyLogin(form)), 'form'),
  )
}

/** Reads the login form and returns what happened; a success carries the new session's cookie. */
export function login(request: Request): Promise<LoginOutcome> {
  return authenticator().authenticate('form', request)
}
