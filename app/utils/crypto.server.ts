import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A random identifier for rows (96 bits, URL-safe). */
export function newId(): string {
  return randomBytes(12).toString('base64url')
}

/** A secret token from the CSPRNG: 160 bits, URL-safe. */
export function newSecret(bytes = 20): string {
  return randomBytes(bytes).toString('base64url')
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
