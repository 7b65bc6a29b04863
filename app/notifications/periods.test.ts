import { describe, expect, it } from 'vitest'
import { dayKey, dueDigestPeriod, dueSummaryWeek, instantOf, isoWeek, localTime, slotInstant, weekKey } from './periods'

const at = (iso: string) => Date.parse(iso)

describe('digest periods', () => {
  it('names a day by the local date and a week by its ISO week', () => {
    expect(dayKey(localTime(at('2026-12-01T10:00:00Z'), 'UTC'))).toBe('2026-12-01')
    expect(weekKey(localTime(at('2026-12-01T10:00:00Z'), 'UTC'))).toBe('2026-W49')
    // Already Wednesday in Tokyo, still Tuesday in Los Angeles.
    expect(dayKey(localTime(at('2026-12-01T23:30:00Z'), 'Asia/Tokyo'))).toBe('2026-12-02')
    expect(dayKey(localTime(at('2026-12-02T03:30:00Z'), 'America/Los_Angeles'))).toBe('2026-12-01')
  })

  it('follows ISO 8601 at year boundaries (weeks start on Monday; week 1 holds the first Thursday)', () => {
    expect(isoWeek(2026, 12, 28)).toEqual({ year: 2026, week: 53 })
    expect(isoWeek(2027, 1, 3)).toEqual({ year: 2026, week: 53 })
    expect(isoWeek(2027, 1, 4)).toEqual({ year: 2027, week: 1 })
    expect(isoWeek(2024, 12, 30)).toEqual({ year: 2025, week: 1 })
    expect(isoWeek(2021, 1, 3)).toEqual({ year: 2020, week: 53 })
    expect(isoWeek(2026, 1, 1)).toEqual({ year: 2026, week: 1 })
    // A Sunday night in Auckland is already Monday, the next ISO week.
    expect(weekKey(localTime(at('2027-01-03T12:00:00Z'), 'Pacific/Auckland'))).toBe('2027-W01')
  })

  it('makes a daily digest due once the local hour has come', () => {
    const schedule = { frequency: 'daily' as const, weekday: 1, hour: 8, timezone: 'Europe/Berlin' }
    expect(dueDigestPeriod(schedule, at('2026-12-01T06:59:00Z'))).toBeNull()
    expect(dueDigestPeriod(schedule, at('2026-12-01T07:00:00Z'))).toBe('2026-12-01')
    expect(dueDigestPeriod(schedule, at('2026-12-01T22:59:00Z'))).toBe('2026-12-01')
    expect(dueDigestPeriod(schedule, at('2026-12-01T23:00:00Z'))).toBeNull()
    expect(slotInstant(schedule, at('2026-12-01T15:00:00Z'))).toBe(at('2026-12-01T07:00:00Z'))
  })

  it('makes a weekly digest due from its weekday and hour to the end of the ISO week', () => {
    const schedule = { frequency: 'weekly' as const, weekday: 3, hour: 9, timezone: 'UTC' }
    expect(dueDigestPeriod(schedule, at('2026-11-30T12:00:00Z'))).toBeNull() // Monday
    expect(dueDigestPeriod(schedule, at('2026-12-02T08:59:00Z'))).toBeNull() // Wednesday 08:59
    expect(dueDigestPeriod(schedule, at('2026-12-02T09:00:00Z'))).toBe('2026-W49')
    expect(dueDigestPeriod(schedule, at('2026-12-06T23:59:00Z'))).toBe('2026-W49') // Sunday
    expect(dueDigestPeriod(schedule, at('2026-12-07T00:00:00Z'))).toBeNull() // next Monday
    expect(slotInstant(schedule, at('2026-12-05T10:00:00Z'))).toBe(at('2026-12-02T09:00:00Z'))
    expect(dueSummaryWeek(schedule, at('2026-12-02T09:00:00Z'))).toBe('2026-W49')
    expect(dueDigestPeriod({ ...schedule, frequency: 'off' }, at('2026-12-02T10:00:00Z'))).toBeNull()
  })

  it('keeps 08:00 at 08:00 local across both 2026 DST changes in New York', () => {
    const schedule = { frequency: 'daily' as const, weekday: 1, hour: 8, timezone: 'America/New_York' }
    // EST (UTC-5) before 8 March, EDT (UTC-4) from then until 1 November.
    expect(slotInstant(schedule, at('2026-03-07T20:00:00Z'))).toBe(at('2026-03-07T13:00:00Z'))
    expect(slotInstant(schedule, at('2026-03-08T20:00:00Z'))).toBe(at('2026-03-08T12:00:00Z'))
    expect(slotInstant(schedule, at('2026-10-31T20:00:00Z'))).toBe(at('2026-10-31T12:00:00Z'))
    expect(slotInstant(schedule, at('2026-11-01T20:00:00Z'))).toBe(at('2026-11-01T13:00:00Z'))
    expect(dueDigestPeriod(schedule, at('2026-03-08T11:59:00Z'))).toBeNull()
    expect(dueDigestPeriod(schedule, at('2026-03-08T12:00:00Z'))).toBe('2026-03-08')
  })

  it('passes an hour that does not happen at once, and an hour that happens twice the first time', () => {
    // 02:30 does not exist on 8 March in New York (01:59 EST, then 03:00 EDT).
    expect(instantOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 0 }, 'America/New_York')).toBe(
      at('2026-03-08T07:00:00Z'),
    )
    const spring = { frequency: 'daily' as const, weekday: 1, hour: 2, timezone: 'America/New_York' }
    expect(dueDigestPeriod(spring, at('2026-03-08T06:59:00Z'))).toBeNull() // 01:59 EST
    expect(dueDigestPeriod(spring, at('2026-03-08T07:00:00Z'))).toBe('2026-03-08') // 03:00 EDT
    // 01:30 happens twice on 1 November: 05:30Z (EDT) and 06:30Z (EST).
    expect(instantOf({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York')).toBe(
      at('2026-11-01T05:30:00Z'),
    )
  })

  it('treats an unknown zone as UTC', () => {
    expect(localTime(at('2026-12-01T10:00:00Z'), 'Not/AZone').hour).toBe(10)
  })
})
