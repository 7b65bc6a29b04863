import { z } from 'zod'
import { singleton } from './utils/singleton.server'

const DATABASE_URL_PATTERN = /^(file:|libsql:\/\/|https?:\/\/|wss?:\/\/)/

const port = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback
      const parsed = Number(value)
      if (!/^\d+$/.test(value) || parsed < 1 || parsed > 65535) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from 1 to 65535 (got "${value}")` })
        return z.NEVER
      }
      return parsed
    })

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value))

export const envSchema = z
  .object({
    // development | production | test. Production requires SESSION_SECRET and APP_URL and never seeds demo data. Default: development.
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    // TCP port the HTTP server listens on. Default: 3000.
    PORT: port('PORT', 3000),
    // Interface to bind. Default: 0.0.0.0 (all interfaces).
    HOST: z.string().min(1).default('0.0.0.0'),
    // libSQL database: file:PATH for an embedded file, libsql:// or https:// for a libSQL server. Default: file:./data/inquest.db.
    DATABASE_URL: z
      .string()
      .default('file:./data/inquest.db')
      .refine((value) => DATABASE_URL_PATTERN.test(value), {
        message: 'DATABASE_URL must start with file:, libsql://, http(s):// or ws(s)://',
      }),
    // Auth token for a remote libSQL server (sqld, Turso). Default: none.
    DATABASE_AUTH_TOKEN: optionalString,
    // Sync URL that turns a file: DATABASE_URL into an embedded replica of a libSQL server. Default: none.
    DATABASE_SYNC_URL: optionalString,
    // Encrypts the embedded database file at rest (libSQL encryptionKey). Default: none (unencrypted).
    DATABASE_ENCRYPTION_KEY: optionalString,
    // Server secret (development derives the webhook-secret key from it). At least 32 characters; required in production. Default in development: a fixed dev value.
    SESSION_SECRET: optionalString.refine((value) => value === undefined || value.length >= 32, {
      message: 'SESSION_SECRET must be at least 32 characters',
    }),
    // Public base URL of the app (origin checks, links in mail). Required in production. Default: http://localhost:PORT.
    APP_URL: optionalString.refine((value) => value === undefined || URL.canParse(value), {
      message: 'APP_URL must be an absolute URL such as https://inquest.example.com',
    }),
    // Express "trust proxy": how many proxies (a number), true, false, or a list such as loopback,uniquelocal. Decides the client IP. Default: loopback.
    TRUST_PROXY: z
      .string()
      .default('loopback')
      .transform((value): boolean | number | string =>
        value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value,
      ),
    // 32-byte key (64 hex digits or base64) for AES-256-GCM encryption of webhook secrets at rest. Required in production. Default in development: derived from SESSION_SECRET.
    SECRETS_ENCRYPTION_KEY: optionalString.refine((value) => value === undefined || decodeKey(value) !== null, {
      message: 'SECRETS_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64',
    }),
    // Git import reads repositories only under this directory. Default: ./data/git.
    GIT_IMPORT_ROOT: z.string().min(1).default('./data/git'),
    // pino log level: fatal, error, warn, info, debug, trace or silent. Default: info.
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Seed the demo workspace into an empty database at start (never in production). Default: true.
    SEED_DEMO: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true'),
    // Resend API key. Set: mail is sent through Resend. Unset: mail is kept in the outbox as `captured` (admins see it). Default: none.
    RESEND_API_KEY: optionalString,
    // Base URL of the Resend API (tests point it at a fake on loopback). Default: https://api.resend.com.
    RESEND_BASE_URL: optionalString.refine((value) => value === undefined || URL.canParse(value), {
      message: 'RESEND_BASE_URL must be an absolute URL such as https://api.resend.com',
    }),
    // Sender of every mail, e.g. `Inquest <inquest@example.com>` (a domain verified in Resend). Default: Inquest <inquest@localhost>.
    EMAIL_FROM: z.string().min(3).default('Inquest <inquest@localhost>'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return
    if (!env.SESSION_SECRET)
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'SESSION_SECRET is required in production' })
    if (!env.APP_URL) ctx.addIssue({ code: 'custom', path: ['APP_URL'], message: 'APP_URL is required in production' })
    if (!env.SECRETS_ENCRYPTION_KEY)
      ctx.addIssue({ code: 'custom', path: ['SECRETS_ENCRYPTION_KEY'], message: 'SECRETS_ENCRYPTION_KEY is required in production' })
  })
  .transform((env) => ({
    ...env,
    SESSION_SECRET: env.SESSION_SECRET ?? 'inquest-development-secret-not-for-production',
    APP_URL: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
  }))

export type Env = z.infer<typeof envSchema>

/** A 32-byte key from 64 hex digits or base64, or null. */
export function decodeKey(value: string): Buffer | null {
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64')
  return bytes.length === 32 ? bytes : null
}

export class EnvError extends Error {
  name = 'EnvError'
}

/** Parses an environment; throws an EnvError whose message is one readable line. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || 'environment'
    return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`
  })
  throw new EnvError(`Invalid configuration: ${problems.join('; ')}`)
}

/** The environment of this process, parsed once. */
export function getEnv(): Env {
  return singleton('env', () => parseEnv(process.env))
}
