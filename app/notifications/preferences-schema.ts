// Notification preferences as the page and the server both see them: event types, their labels, the
// defaults for people who never touched the page, and the form's zod schema. Browser-safe (no drizzle).
import { z } from 'zod'
import type { Delivery, DigestFrequency, NotificationEventType } from '../../db/schema/notifications'

export type { Delivery, DigestFrequency, NotificationEventType }

// The schema's lists, repeated here so the browser bundle does not pull drizzle in; the `satisfies`
// lines fail to compile if they drift apart.
export const EVENT_TYPES = [
  'assigned',
  'status_changed',
  'comment',
  'suspect_found',
  'branch_red',
  'weekly_summary',
] as const satisfies readonly NotificationEventType[]
export const DELIVERY_CHOICES = ['immediate', 'digest', 'off'] as const satisfies readonly Delivery[]
export const FREQUENCIES = ['daily', 'weekly', 'off'] as const satisfies readonly DigestFrequency[]
type Missing<A, B> = Exclude<A, B> extends never ? true : never
const _allEventTypes: Missing<NotificationEventType, (typeof EVENT_TYPES)[number]> = true
void _allEventTypes

export const EVENT_LABELS: Record<NotificationEventType, { label: string; hint: string }> = {
  assigned: { label: 'Assigned to me', hint: 'An investigation is given to you.' },
  status_changed: { label: 'Status changed', hint: 'On an investigation you own or watch.' },
  comment: { label: 'Comment or mention', hint: 'A note on something you watch, or an @mention anywhere.' },
  suspect_found: { label: 'New suspect found', hint: 'The linker ranks a new top suspect for your investigation.' },
  branch_red: { label: 'A branch I watch went red', hint: 'Watch branches from their red episode page.' },
  weekly_summary: { label: 'Weekly summary', hint: 'What happened in the workspace last week.' },
}

export const DELIVERY_LABELS: Record<Delivery, string> = {
  immediate: 'Immediately',
  digest: 'In my digest',
  off: 'Off',
}

/**
 * What new people get until they change it (no row = this). Things aimed at you personally (assigned,
 * comments and mentions) and red branches you chose to watch come at once; status changes and new
 * suspects, which can be chatty, wait for the digest. The weekly summary is its own mail once a week
 * (`immediate` for this type means "as its own mail"; `digest` folds it into the digest).
 */
export const DEFAULT_DELIVERY: Record<NotificationEventType, Delivery> = {
  assigned: 'immediate',
  status_changed: 'digest',
  comment: 'immediate',
  suspect_found: 'digest',
  branch_red: 'immediate',
  weekly_summary: 'immediate',
}

export interface DigestSettingsView {
  frequency: DigestFrequency
  /** ISO weekday for weekly digests: 1 = Monday ... 7 = Sunday. */
  weekday: number
  /** Local hour, 0-23. */
  hour: number
  /** IANA name. */
  timezone: string
  /** The master switch: no non-essential mail at all while true. */
  paused: boolean
}

/** Daily at 08:00 UTC, not paused (the digest_settings column defaults). */
export const DEFAULT_DIGEST: DigestSettingsView = {
  frequency: 'daily',
  weekday: 1,
  hour: 8,
  timezone: 'UTC',
  paused: false,
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const

/** What a one-click unsubscribe token names: one event type, the digest, or everything but security mail. */
export type UnsubscribeCategory = NotificationEventType | 'digest' | 'all'
export const UNSUBSCRIBE_CATEGORIES = [
  ...EVENT_TYPES,
  'digest',
  'all',
] as const satisfies readonly UnsubscribeCategory[]

/** What stops, in words for the unsubscribe page and the mail footer ("Unsubscribe from …"). */
export const UNSUBSCRIBE_LABELS: Record<UnsubscribeCategory, string> = {
  assigned: 'mail when an investigation is assigned to you',
  status_changed: 'status changes on investigations you watch',
  comment: 'comments and mentions',
  suspect_found: 'new suspects found',
  branch_red: 'red branches you watch',
  weekly_summary: 'the weekly summary',
  digest: 'your digest',
  all: 'all mail except security mail',
}

/** The zone's canonical spelling, or null when it is not an IANA zone this runtime knows. */
export function canonicalTimeZone(value: string): string | null {
  const name = value.trim()
  // Only names (`Europe/Berlin`, `UTC`): no offsets such as `+05:00`, which newer runtimes also accept.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return null
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return null
  }
}

const delivery = z.enum(DELIVERY_CHOICES, {
  errorMap: () => ({ message: 'Choose immediately, in my digest, or off' }),
})

export const preferencesSchema = z.object({
  assigned: delivery,
  status_changed: delivery,
  comment: delivery,
  suspect_found: delivery,
  branch_red: delivery,
  weekly_summary: delivery,
  frequency: z.enum(FREQUENCIES, { errorMap: () => ({ message: 'Choose daily, weekly or off' }) }),
  weekday: z
    .number({ invalid_type_error: 'Choose a weekday', required_error: 'Choose a weekday' })
    .int()
    .min(1, 'Choose a weekday')
    .max(7, 'Choose a weekday'),
  hour: z
    .number({ invalid_type_error: 'Choose an hour', required_error: 'Choose an hour' })
    .int()
    .min(0, 'Choose an hour from 0 to 23')
    .max(23, 'Choose an hour from 0 to 23'),
  timezone: z
    .string({ required_error: 'Enter a time zone such as Europe/Berlin or UTC' })
    .max(64, 'That is too long for a time zone')
    .transform((value, ctx) => {
      const zone = canonicalTimeZone(value)
      if (!zone) {
        ctx.addIssue({
          code: 'custom',
          message: 'Not a known time zone: use an IANA name such as Europe/Berlin, or UTC',
        })
        return z.NEVER
      }
      return zone
    }),
  paused: z.boolean().default(false),
})

export type PreferencesInput = z.infer<typeof preferencesSchema>
