// Secrets the server must read back (webhook secrets: an HMAC check needs the secret itself, so a
// hash will not do) are kept encrypted at rest with AES-256-GCM. A copy of the database alone does
// not reveal them; the key lives in the environment.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { decodeKey, getEnv, type Env } from '../env.server'

const IV_BYTES = 12
const TAG_BYTES = 16

export class SecretBoxError extends Error {
  name = 'SecretBoxError'
}

/**
 * The 32-byte key: SECRETS_ENCRYPTION_KEY, or (outside production, where the environment schema
 * requires the key) one derived from SESSION_SECRET with HKDF-SHA-256, so development needs no setup.
 */
export function secretsKey(env: Pick<Env, 'SECRETS_ENCRYPTION_KEY' | 'SESSION_SECRET' | 'NODE_ENV'> = getEnv()): Buffer {
  if (env.SECRETS_ENCRYPTION_KEY) {
    const key = decodeKey(env.SECRETS_ENCRYPTION_KEY)
    if (!key) throw new SecretBoxError('SECRETS_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64')
    return key
  }
  if (env.NODE_ENV === 'production') throw new SecretBoxError('SECRETS_ENCRYPTION_KEY is required in production')
  return Buffer.from(hkdfSync('sha256', env.SESSION_SECRET, 'inquest', 'secrets-encryption-key v1', 32))
}

let cached: { source: string; key: Buffer } | undefined

function currentKey(): Buffer {
  const env = getEnv()
  const source = `${env.NODE_ENV}\0${env.SECRETS_ENCRYPTION_KEY ?? ''}\0${env.SESSION_SECRET}`
  if (cached?.source !== source) cached = { source, key: secretsKey(env) }
  return cached.key
}

/**
 * Encrypts `plain` with a fresh random IV. Returns base64 of iv | tag | ciphertext. `context` (the
 * row's id) is bound as associated data: a ciphertext copied to another row does not open there.
 */
export function sealSecret(plain: string, context = '', key: Buffer = currentKey()): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')
}

/** Decrypts what sealSecret produced; throws a SecretBoxError if the key, context or bytes are wrong. */
export function openSecret(sealed: string, context = '', key: Buffer = currentKey()): string {
  const bytes = Buffer.from(sealed, 'base64')
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('the sealed secret is too short')
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(context, 'utf8'))
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    throw new SecretBoxError('the secret cannot be decrypted: wrong key, or the stored value was altered')
  }
}
