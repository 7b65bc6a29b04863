import { eq, sql } from 'drizzle-orm'
import { rateLimits } from '../../db/schema'
import { getDb } from '../db.server'

export interface RateLimitRule {
  limit: number
  windowMs: number
}

export const LOGIN_FAILURES: RateLimitRule = { limit: 10, windowMs: 10 * 60 * 1000 }
export const API_CALLS_PER_TOKEN: RateLimitRule = { limit: 600, windowMs: 60 * 1000 }

export interface RateLimitState {
  limited: boolean
  retryAfterSeconds: number
}

function stateOf(row: { windowStart: number; count: number } | undefined, rule: RateLimitRule, now: number) {
  if (!row || now - row.windowStart >= rule.windowMs) return { limited: false, retryAfterSeconds: 0 }
  const retryAfterSeconds = Math.max(1, Math.ceil((row.windowStart + rule.windowMs - now) / 1000))
  return { limited: row.count >= rule.limit, retryAfterSeconds }
}

/** Whether `key` has used up its window, without counting anything. */
export async function peekRateLimit(key: string, rule: RateLimitRule, now = Date.now()): Promise<RateLimitState> {
  const [row] = await getDb().select().from(rateLimits).where(eq(rateLimits.key, key))
  return stateOf(row, rule, now)
}

/** Counts one hit against `key` (a new window when the old one has passed) and says whether it is over. */
export async function hitRateLimit(key: string, rule: RateLimitRule, now = Date.now()): Promise<RateLimitState> {
  const windowFloor = now - rule.windowMs
  const [row] = await getDb()
    .insert(rateLimits)
    .values({ key, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        windowStart: sql`case when ${rateLimits.windowStart} <= ${windowFloor} then ${now} else ${rateLimits.windowStart} end`,
        count: sql`case when ${rateLimits.windowStart} <= ${windowFloor} then 1 else ${rateLimits.count} + 1 end`,
      },
    })
    .returning()
  const state = stateOf(row, rule, now)
  return { ...state, limited: row.count > rule.limit }
}

export async function clearRateLimit(key: string) {
  await getDb().delete(rateLimits).where(eq(rateLimits.key, key))
}
