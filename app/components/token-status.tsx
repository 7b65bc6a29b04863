/** Active, expired or revoked, as a small badge. */
export function tokenStatus(token: { revokedAt: Date | string | null; expiresAt: Date | string }, now = Date.now()) {
  if (token.revokedAt) return 'revoked'
  if (new Date(token.expiresAt).getTime() <= now) return 'expired'
  return 'active'
}

const STYLES = {
  active: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200',
  expired: 'bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200',
  revoked: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
} as const

export function TokenStatusBadge({ status }: { status: keyof typeof STYLES }) {
  return <span className={`rounded px-1.5 py-0.5 text-xs ${STYLES[status]}`}>{status}</span>
}
