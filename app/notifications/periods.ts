// Digest periods in a person's own timezone: a daily digest belongs to a local date (`2026-12-01`),
// a weekly one to an ISO week (`2026-W49`). Local time comes from Intl with the IANA zone, so
// daylight saving time is the runtime's business: 08:00 is 08:00 on either side of a change, an
// hour that does not exist (spring forward) is passed at once, and one that happens twice (fall
// back) is passed the first time; the (user, period) row makes sure a period has one digest.

export interface LocalTime {
  year: number
  /** 1-12 */
  month: number
  day: number
  /** 0-23 */
  hour: number
  minute: number
  second: number
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number
}

export interface Schedule {
  frequency: 'daily' | 'weekly' | 'off'
  /** ISO weekday of weekly digests (and of the weekly summary). */
  weekday: number
  /** Local hour, 0-23. */
  hour: number
  timezone: string
}

const WEEKDAY_NUMBERS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 }
const formatters = new Map<string, Intl.DateTimeFormat>()

// Building a DateTimeFormat costs far more than using one: one per zone, kept.
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      })
    } catch {
      // A zone this runtime does not know (the settings page refuses those): UTC.
      formatter = formatterFor('UTC')
    }
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** The wall-clock time at `at` (ms since the epoch) in an IANA zone (UTC for an unknown zone). */
export function localTime(at: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {}
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAY_NUMBERS[parts.weekday] ?? 1,
  }
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0')

/** `2026-12-01`: the local date. */
export function dayKey(local: Pick<LocalTime, 'year' | 'month' | 'day'>): string {
  return `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}`
}

/** The ISO 8601 week of a calendar date: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day))
  const weekday = date.getUTCDay() || 7
  // The Thursday of this week decides the year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday)
  const weekYear = date.getUTCFullYear()
  const firstDay = Date.UTC(weekYear, 0, 1)
  const week = Math.ceil(((date.getTime() - firstDay) / 86_400_000 + 1) / 7)
  return { year: weekYear, week }
}

/** `2026-W49`: the local date's ISO week. */
export function weekKey(local: Pick<LocalTime, 'year' | 'month' | 'day'>): string {
  const { year, week } = isoWeek(local.year, local.month, local.day)
  return `${pad(year, 4)}-W${pad(week)}`
}

/** The weekly summary of an ISO week has a period of its own beside the digests: `summary:2026-W49`. */
export function summaryKey(week: string): string {
  return `summary:${week}`
}

/** Whether the local time has reached the schedule's hour today. */
function hourPassed(local: LocalTime, hour: number) {
  return local.hour >= hour
}

/** Whether the local time has reached the schedule's weekday and hour in this ISO week. */
function weeklySlotPassed(local: LocalTime, weekday: number, hour: number) {
  return local.weekday > weekday || (local.weekday === weekday && hourPassed(local, hour))
}

/**
 * The digest period that is due at `at`: the local date once the local hour has come (daily), or
 * the ISO week once its weekday and hour have come (weekly). Null before that, or when off.
 */
export function dueDigestPeriod(
  schedule: Schedule,
  at: number,
  local = localTime(at, schedule.timezone),
): string | null {
  if (schedule.frequency === 'daily') return hourPassed(local, schedule.hour) ? dayKey(local) : null
  if (schedule.frequency === 'weekly')
    return weeklySlotPassed(local, schedule.weekday, schedule.hour) ? weekKey(local) : null
  return null
}

/** The ISO week whose weekly summary is due at `at` (its weekday and hour have come), or null. */
export function dueSummaryWeek(
  schedule: Pick<Schedule, 'weekday' | 'hour' | 'timezone'>,
  at: number,
  local = localTime(at, schedule.timezone),
): string | null {
  return weeklySlotPassed(local, schedule.weekday, schedule.hour) ? weekKey(local) : null
}

/** Wall-clock fields read as if they were UTC: differences between two of them are wall-clock time. */
function wallMs(local: Pick<LocalTime, 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'>) {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second)
}

/**
 * The instant a wall-clock time happens in a zone: the first, when it happens twice (fall back);
 * when it never happens (spring forward), the instant it would be at the offset from before the change.
 */
export function instantOf(
  wall: Pick<LocalTime, 'year' | 'month' | 'day' | 'hour'> & { minute?: number },
  timeZone: string,
): number {
  const target = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute ?? 0, 0)
  const offsetAt = (instant: number) => wallMs(localTime(instant, timeZone)) - instant
  // The zone's offsets half a day either side: changes are months apart, so these are the two that can apply.
  const candidates = [target - offsetAt(target - 43_200_000), target - offsetAt(target + 43_200_000)]
  const real = candidates.filter((instant) => wallMs(localTime(instant, timeZone)) === target)
  return real.length ? Math.min(...real) : Math.max(...candidates)
}

/**
 * When the due period's delivery time was (the first instant of its local date at the hour, or of
 * its weekday at the hour). Notifications newer than this wait for the next period: a digest goes
 * at its hour, not whenever something arrives after it.
 */
export function slotInstant(schedule: Schedule, at: number, local = localTime(at, schedule.timezone)): number {
  let { year, month, day } = local
  if (schedule.frequency === 'weekly') {
    const date = new Date(Date.UTC(year, month - 1, day - (local.weekday - schedule.weekday)))
    year = date.getUTCFullYear()
    month = date.getUTCMonth() + 1
    day = date.getUTCDate()
  }
  return Math.min(at, instantOf({ year, month, day, hour: schedule.hour }, schedule.timezone))
}

/** The weekly summary's slot in the week of `at` (same rule as a weekly digest). */
export function summarySlotInstant(schedule: Pick<Schedule, 'weekday' | 'hour' | 'timezone'>, at: number): number {
  return slotInstant({ ...schedule, frequency: 'weekly' }, at)
}
