import { describe, expect, it } from 'vitest'
import { EnvError, parseEnv } from './env.server'

describe('environment', () => {
  it('fills every default for an empty environment', () => {
    const env = parseEnv({})
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      DATABASE_URL: 'file:./data/inquest.db',
      APP_URL: 'http://localhost:3000',
      LOG_LEVEL: 'info',
      SEED_DEMO: true,
    })
  })

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number from 1 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 1 to 65535 (got "70000")'],
    [{ DATABASE_URL: 'mysql://db' }, 'DATABASE_URL must start with file:'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ APP_URL: 'not a url' }, 'APP_URL must be an absolute URL'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET must be at least 32 characters'],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET is required in production'],
    [{ NODE_ENV: 'production' }, 'SECRETS_ENCRYPTION_KEY is required in production'],
    [{ SECRETS_ENCRYPTION_KEY: 'too-short' }, 'SECRETS_ENCRYPTION_KEY must be 32 bytes'],
  ])('rejects %o with a readable one-line message', (source, message) => {
    let error: unknown
    try {
      parseEnv(source)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(EnvError)
    expect((error as Error).message).toContain(message)
    expect((error as Error).message).not.toContain('\n')
  })

  it('accepts production with its required values and strips a trailing slash from APP_URL', () => {
    const env = parseEnv({
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      APP_URL: 'https://inquest.example.com/',
      SECRETS_ENCRYPTION_KEY: 'ab'.repeat(32),
    })
    expect(env.APP_URL).toBe('https://inquest.example.com')
  })
})
