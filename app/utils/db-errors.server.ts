/** True when the error (or one it wraps: Drizzle wraps libSQL's) is a UNIQUE constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error as { message?: string; code?: string; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current.code === 'SQLITE_CONSTRAINT_UNIQUE' || current.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true
    if (typeof current.message === 'string' && current.message.includes('UNIQUE constraint failed')) return true
  }
  return false
}
