import type { ParseArgsConfig } from 'node:util'
import { z } from 'zod'
import { createApiToken } from '../app/auth/api-tokens.server'
import { recordAudit } from '../app/auth/audit.server'
import { inviteUser } from '../app/auth/invites.server'
import { disableUser } from '../app/auth/user-admin.server'
import { MAX_TOKEN_DAYS } from '../app/auth/limits'
import { newPasswordSchema } from '../app/auth/schemas'
import { createUser, DuplicateEmailError, findUserByEmail } from '../app/auth/users.server'
import { closeDatabase, configureDatabase, getClient, getDb } from '../app/db.server'
import { getEnv } from '../app/env.server'
import { migrateDatabase } from '../db/migrate'

export class CliError extends Error {
  name = 'CliError'
}

interface Command {
  usage: string
  options: NonNullable<ParseArgsConfig['options']>
  run: (values: Record<string, string | boolean | undefined>) => Promise<string>
}

const roleSchema = z.enum(['admin', 'engineer', 'viewer'])

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name]
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`--${name} is required`)
  return value.trim()
}

function check<T>(schema: z.ZodType<T>, value: unknown, option: string): T {
  const result = schema.safeParse(value)
  if (!result.success) throw new CliError(`--${option}: ${result.error.issues[0]?.message}`)
  return result.data
}

async function requireUser(email: string) {
  const user = await findUserByEmail(email)
  if (!user) throw new CliError(`no user with email ${email}`)
  return user
}

const CLI_ACTOR = { label: 'cli' }

export const COMMANDS: Record<string, Command> = {
  'user:create': {
    usage: '--email EMAIL --role admin|engineer|viewer [--name NAME] [--password PASSWORD]   (no password: prints an invite link)',
    options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } },
    async run(values) {
      const email = check(z.string().email('not a valid email address'), required(values, 'email'), 'email')
      const role = check(roleSchema, required(values, 'role'), 'role')
      const password = values.password === undefined ? undefined : check(newPasswordSchema, values.password, 'password')
      const name = typeof values.name === 'string' && values.name.trim() ? values.name.trim() : email.split('@')[0]
      if (!password) {
        // No password: the person sets one through a single-use invite link.
        const invite = await inviteUser({ email, name, role }, CLI_ACTOR)
        if (!invite.ok) throw new CliError(invite.message)
        return `invited ${role} ${email}: they set a password at\n${invite.url}\n(the link works once and expires ${invite.expiresAt.toISOString()})`
      }
      try {
        const user = await createUser({ email, role, name, password })
        await recordAudit({ action: 'user.create', actor: CLI_ACTOR, targetType: 'user', targetId: user.id, detail: { email, role } })
        return `created ${role} ${user.email} (id ${user.id})`
      } catch (error) {
        if (error instanceof DuplicateEmailError) throw new CliError(error.message)
        throw error
      }
    },
  },
  'user:disable': {
    usage: '--email EMAIL   (ends their sessions and revokes their tokens)',
    options: { email: { type: 'string' } },
    async run(values) {
      const user = await requireUser(required(values, 'email'))
      const outcome = await disableUser(user.id, CLI_ACTOR)
      if (!outcome.ok) {
        throw new CliError(outcome.reason === 'last_admin' ? `${user.email} is the last active admin and stays enabled` : `cannot disable ${user.email}`)
      }
      return outcome.changed ? `disabled ${user.email}; their sessions ended and their tokens were revoked` : `${user.email} was already disabled`
    },
  },
  'token:create': {
    usage: `--email EMAIL --scope read|read+write --days 1-${MAX_TOKEN_DAYS} [--name NAME]   (prints the token)`,
    options: { email: { type: 'string' }, scope: { type: 'string' }, days: { type: 'string' }, name: { type: 'string' } },
    async run(values) {
      const user = await requireUser(required(values, 'email'))
      if (user.disabledAt) throw new CliError(`${user.email} is disabled`)
      const scope = check(z.enum(['read', 'read+write']), required(values, 'scope'), 'scope')
      const days = check(z.coerce.number().int().min(1).max(MAX_TOKEN_DAYS), required(values, 'days'), 'days')
      const name = typeof values.name === 'string' && values.name.trim() ? values.name.trim() : `cli ${new Date().toISOString().slice(0, 10)}`
      const created = await createApiToken({ userId: user.id, name, scope, days }, CLI_ACTOR)
      return created.token
    },
  },
  'digests:run': {
    usage: '--now [--at ISO-TIME]   (one digest tick, as the server runs each minute; --at runs it as at that time)',
    options: { now: { type: 'boolean' }, at: { type: 'string' } },
    async run(values) {
      if (!values.now && values.at === undefined) throw new CliError('pass --now to run one digest tick (or --at 2026-12-01T08:00:00Z)')
      const at = typeof values.at === 'string' ? Date.parse(values.at) : Date.now()
      if (!Number.isFinite(at)) throw new CliError(`--at: not a date and time: ${values.at}`)
      const { runScheduledTick } = await import('../app/jobs/scheduler.server')
      const { describeTick, digestJob } = await import('../app/notifications/digests.server')
      // A server on the same database may be in the middle of its own tick: wait for its lease.
      const deadline = Date.now() + DIGEST_LEASE_WAIT_MS
      for (;;) {
        const outcome = await runScheduledTick(digestJob, at)
        if (outcome.ran) {
          const sending = getEnv().RESEND_API_KEY ? 'a running server sends it' : 'without RESEND_API_KEY it is kept as captured'
          return `${describeTick(outcome.result as Parameters<typeof describeTick>[0])}\nThe mail is in the outbox: ${sending}.`
        }
        if (Date.now() > deadline) throw new CliError('another process has been running the digest tick for too long; try again later')
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
  },
}

/** How long `digests:run` waits for a tick running elsewhere (a server's scheduler) to finish. */
const DIGEST_LEASE_WAIT_MS = 120_000

/** Opens the database (migrating it), runs one command, closes the database. */
export async function runCommand(name: string, values: Record<string, string | boolean | undefined>): Promise<string> {
  const command = COMMANDS[name]
  if (!command) throw new CliError(`unknown command "${name}"`)
  const env = getEnv()
  await configureDatabase(getClient(), env.DATABASE_URL)
  await migrateDatabase(getDb())
  try {
    return await command.run(values)
  } finally {
    closeDatabase()
  }
}
