// What a completed run's conclusion means to the linker. Safe for the browser (pages explain it).

/** A red run: the code (or the build) is broken. GitLab's `failed` arrives here as `failure`. */
export const RED_CONCLUSIONS = ['failure', 'timed_out', 'startup_failure'] as const
/** A green run. */
export const GREEN_CONCLUSIONS = ['success'] as const
/**
 * Says nothing about the commit, so the run is left out of its sequence: neutral, cancelled,
 * skipped, action_required, stale, and anything a provider invents later.
 */
export const IGNORED_CONCLUSIONS = ['neutral', 'cancelled', 'skipped', 'action_required', 'stale'] as const

export type RunVerdict = 'green' | 'red'

const RED = new Set<string>(RED_CONCLUSIONS)
const GREEN = new Set<string>(GREEN_CONCLUSIONS)

export function verdictOf(conclusion: string | null | undefined): RunVerdict | null {
  if (!conclusion) return null
  if (GREEN.has(conclusion)) return 'green'
  if (RED.has(conclusion)) return 'red'
  return null
}
