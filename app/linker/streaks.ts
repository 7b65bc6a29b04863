// Pure rules: which run decides a commit's result in a sequence, and which red episodes a sequence
// in commit order holds. No database here; the engine feeds these and stores what comes out.
import { verdictOf } from './conclusions'

/** A commit's result in one sequence: flaky is a red run whose only failures are known-flaky tests. */
export type CommitVerdict = 'green' | 'red' | 'flaky'

export interface RunFacts {
  id: number
  attempt: number
  conclusion: string | null
  /** Completion time (the provider's), or its last update time when it gave none. */
  at: number
  provider: string
  externalId: string
  /** Someone rejected this run's link to its commit: it says nothing about the commit. */
  rejected: boolean
}

function compareExternalIds(a: string, b: string) {
  // Numeric ids compare as numbers ("10" after "9"); anything else as text.
  if (a.length !== b.length && /^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/** Later first: completion time, then attempt, then provider and external id (never arrival order). */
export function compareRunsLatestFirst(a: RunFacts, b: RunFacts): number {
  return (
    b.at - a.at ||
    b.attempt - a.attempt ||
    (a.provider < b.provider ? 1 : a.provider > b.provider ? -1 : 0) ||
    compareExternalIds(b.externalId, a.externalId) ||
    b.id - a.id
  )
}

/**
 * Re-runs of one commit count once: the latest green or red run decides. Cancelled, skipped and
 * other inconclusive runs, and runs whose link someone rejected, are left out.
 */
export function decidingRun(runs: readonly RunFacts[]): { run: RunFacts; verdict: 'green' | 'red' } | null {
  let best: RunFacts | null = null
  let verdict: 'green' | 'red' | null = null
  for (const run of runs) {
    if (run.rejected) continue
    const v = verdictOf(run.conclusion)
    if (!v) continue
    if (!best || compareRunsLatestFirst(run, best) < 0) {
      best = run
      verdict = v
    }
  }
  return best && verdict ? { run: best, verdict } : null
}

export interface SequenceEntry {
  sha: string
  verdict: CommitVerdict
  runId: number
  at: number
}

export interface PlannedEpisode<E extends SequenceEntry = SequenceEntry> {
  /** The first red commit of the streak; for a streak of flaky reds only, its first flaky one. */
  firstRed: E
  lastGreen: E | null
  /** The green that ended the streak; null while the episode is open. */
  closing: E | null
  likelyFlaky: boolean
  /** Every red or flaky entry of the streak, in commit order. */
  streak: E[]
}

/**
 * Splits entries (in commit order) into red streaks between greens. A streak with a real red opens
 * an episode at its first real red (flaky reds before it are part of the range, not its start); a
 * streak of flaky reds only is a likely-flaky episode, which does not make the branch red.
 */
export function planEpisodes<E extends SequenceEntry>(entries: readonly E[]): PlannedEpisode<E>[] {
  const planned: PlannedEpisode<E>[] = []
  let lastGreen: E | null = null
  let streak: E[] = []
  const flush = (closing: E | null) => {
    if (streak.length === 0) return
    const firstRed = streak.find((entry) => entry.verdict === 'red')
    planned.push({ firstRed: firstRed ?? streak[0], lastGreen, closing, likelyFlaky: !firstRed, streak })
    streak = []
  }
  for (const entry of entries) {
    if (entry.verdict === 'green') {
      flush(entry)
      lastGreen = entry
    } else streak.push(entry)
  }
  flush(null)
  return planned
}
