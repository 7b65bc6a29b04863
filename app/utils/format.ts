const dateTime = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
})

/** A date and time as people read it, in UTC (server and browser render the same text). */
export function formatDateTime(value: Date | string | number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  return `${dateTime.format(new Date(value))} UTC`
}
