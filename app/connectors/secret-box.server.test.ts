import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { decodeKey } from '../env.server'
import { openSecret, sealSecret, SecretBoxError, secretsKey } from './secret-box.server'

const key = randomBytes(32)

describe('sealSecret / openSecret', () => {
  it('round-trips, with a fresh IV every time, as base64 of iv | tag | ciphertext', () => {
    const first = sealSecret('hunter2-webhook-secret', 'repo-1', key)
    const second = sealSecret('hunter2-webhook-secret', 'repo-1', key)
    expect(first).not.toBe(second)
    expect(Buffer.from(first, 'base64').length).toBe(12 + 16 + 'hunter2-webhook-secret'.length)
    expect(first).not.toContain('hunter2')
    expect(openSecret(first, 'repo-1', key)).toBe('hunter2-webhook-secret')
    expect(openSecret(second, 'repo-1', key)).toBe('hunter2-webhook-secret')
  })

  it('refuses another row, another key, or altered bytes', () => {
    const sealed = sealSecret('s3cret', 'repo-1', key)
    expect(() => openSecret(sealed, 'repo-2', key)).toThrow(SecretBoxError)
    expect(() => openSecret(sealed, 'repo-1', randomBytes(32))).toThrow(SecretBoxError)
    const bytes = Buffer.from(sealed, 'base64')
    bytes[bytes.length - 1] ^= 1
    expect(() => openSecret(bytes.toString('base64'), 'repo-1', key)).toThrow(SecretBoxError)
    expect(() => openSecret('c2hvcnQ=', 'repo-1', key)).toThrow(SecretBoxError)
  })
})

describe('secretsKey', () => {
  it('uses SECRETS_ENCRYPTION_KEY, as hex or base64', () => {
    const hex = 'ab'.repeat(32)
    expect(secretsKey({ SECRETS_ENCRYPTION_KEY: hex, SESSION_SECRET: 'x'.repeat(32), NODE_ENV: 'production' })).toEqual(Buffer.from(hex, 'hex'))
    const base64 = key.toString('base64')
    expect(secretsKey({ SECRETS_ENCRYPTION_KEY: base64, SESSION_SECRET: 'x'.repeat(32), NODE_ENV: 'production' })).toEqual(decodeKey(base64))
  })

  it('derives a stable key from SESSION_SECRET outside production, and refuses to in production', () => {
    const derived = secretsKey({ SECRETS_ENCRYPTION_KEY: undefined, SESSION_SECRET: 'a-session-secret-of-32-characters!', NODE_ENV: 'development' })
    expect(derived).toHaveLength(32)
    expect(secretsKey({ SECRETS_ENCRYPTION_KEY: undefined, SESSION_SECRET: 'a-session-secret-of-32-characters!', NODE_ENV: 'test' })).toEqual(derived)
    expect(secretsKey({ SECRETS_ENCRYPTION_KEY: undefined, SESSION_SECRET: 'another-session-secret-of-32-chars', NODE_ENV: 'development' })).not.toEqual(derived)
    expect(() => secretsKey({ SECRETS_ENCRYPTION_KEY: undefined, SESSION_SECRET: 'x'.repeat(32), NODE_ENV: 'production' })).toThrow(/required in production/)
  })
})
