import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createUser } from '../auth/users.server'
import { getDb } from '../db.server'
import { enqueueEmail } from './outbox.server'
import {
  effectiveDelivery,
  getDeliveriesFor,
  getDeliveryFor,
  getDigestSettings,
  getPreferences,
  savePreferences,
  setDelivery,
} from './preferences.server'
import { DEFAULT_DELIVERY, canonicalTimeZone, preferencesSchema } from './preferences-schema'

let count = 0
const newPerson = () =>
  createUser({ email: `prefs-${++count}-${Date.now()}@example.com`, name: 'Pref', role: 'engineer' })

describe('notification preferences', () => {
  it('gives someone who never chose the documented defaults', async () => {
    const person = await newPerson()
    expect(await getPreferences(person.id)).toEqual({
      deliveries: {
        assigned: 'immediate',
        status_changed: 'digest',
        comment: 'immediate',
        suspect_found: 'digest',
        branch_red: 'immediate',
        weekly_summary: 'immediate',
      },
      digest: { frequency: 'daily', weekday: 1, hour: 8, timezone: 'UTC', paused: false },
    })
  })

  it('saves the whole page and reads it back at once', async () => {
    const person = await newPerson()
    await savePreferences(person.id, {
      ...DEFAULT_DELIVERY,
      comment: 'digest',
      branch_red: 'off',
      frequency: 'weekly',
      weekday: 5,
      hour: 17,
      timezone: 'America/New_York',
      paused: false,
    })
    expect(await getDeliveryFor(person.id, 'comment')).toBe('digest')
    expect(await getDeliveryFor(person.id, 'branch_red')).toBe('off')
    expect(await getDigestSettings(person.id)).toEqual({
      frequency: 'weekly',
      weekday: 5,
      hour: 17,
      timezone: 'America/New_York',
      paused: false,
    })
  })

  it('answers for many people in one call, defaults included, and applies the master switch and a digest that is off', async () => {
    const [plain, paused, noDigest] = await Promise.all([newPerson(), newPerson(), newPerson()])
    await savePreferences(paused.id, {
      ...DEFAULT_DELIVERY,
      frequency: 'daily',
      weekday: 1,
      hour: 8,
      timezone: 'UTC',
      paused: true,
    })
    await savePreferences(noDigest.id, {
      ...DEFAULT_DELIVERY,
      frequency: 'off',
      weekday: 1,
      hour: 8,
      timezone: 'UTC',
      paused: false,
    })
    await getDb().transaction((tx) => setDelivery(tx, plain.id, 'status_changed', 'immediate'))
    const map = await getDeliveriesFor([plain.id, paused.id, noDigest.id, 'nobody'], 'status_changed')
    expect(map.size).toBe(3)
    expect(map.get(plain.id)).toMatchObject({ delivery: 'immediate', effective: 'immediate' })
    expect(map.get(paused.id)).toMatchObject({ delivery: 'digest', effective: 'off' })
    expect(map.get(noDigest.id)).toMatchObject({ delivery: 'digest', effective: 'off' })
    expect(effectiveDelivery('immediate', { paused: false, frequency: 'off' })).toBe('immediate')
  })
})

describe('saving stops what the new settings stop, at once', () => {
  const queue = (userId: string, category: string) =>
    getDb().transaction((tx) =>
      enqueueEmail(tx, {
        userId,
        to: 'x@example.com',
        category,
        template: 't',
        subject: 's',
        html: '<p>x</p>',
        text: 'x',
      }),
    )
  const statuses = (ids: string[]) =>
    Promise.all(
      ids.map(
        async (id) =>
          (await getDb().all<{ status: string }>(sql`select status from email_outbox where id = ${id}`))[0].status,
      ),
    )
  const base = { ...DEFAULT_DELIVERY, frequency: 'daily' as const, weekday: 1, hour: 8, timezone: 'UTC', paused: false }

  it('cancels waiting mail of a type turned off, and of everything but security mail when paused', async () => {
    const person = await newPerson()
    const ids = await Promise.all(
      ['comment', 'assigned', 'digest', 'security'].map((category) => queue(person.id, category)),
    )
    await savePreferences(person.id, { ...base, comment: 'off' })
    expect(await statuses(ids)).toEqual(['cancelled', 'pending', 'pending', 'pending'])
    await savePreferences(person.id, { ...base, frequency: 'off' })
    expect(await statuses(ids)).toEqual(['cancelled', 'pending', 'cancelled', 'pending'])
    await savePreferences(person.id, { ...base, paused: true })
    expect(await statuses(ids)).toEqual(['cancelled', 'cancelled', 'cancelled', 'pending'])
  })
})

describe('the preferences form schema', () => {
  const valid = { ...DEFAULT_DELIVERY, frequency: 'daily', weekday: 1, hour: 8, timezone: 'UTC' }

  it('accepts IANA zones in their canonical spelling and refuses the rest', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin')
    expect(canonicalTimeZone('UTC')).toBe('UTC')
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull()
    expect(canonicalTimeZone('+05:00')).toBeNull()
    expect(preferencesSchema.safeParse({ ...valid, timezone: 'Europe/Kyiv' }).success).toBe(true)
    const bad = preferencesSchema.safeParse({ ...valid, timezone: 'Atlantis/Capital' })
    expect(bad.success).toBe(false)
  })

  it('refuses an hour or weekday out of range and an unknown delivery', () => {
    expect(preferencesSchema.safeParse({ ...valid, hour: 24 }).success).toBe(false)
    expect(preferencesSchema.safeParse({ ...valid, weekday: 0 }).success).toBe(false)
    expect(preferencesSchema.safeParse({ ...valid, comment: 'sometimes' }).success).toBe(false)
    expect(preferencesSchema.parse(valid).paused).toBe(false)
  })
})
