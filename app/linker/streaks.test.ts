import { describe, expect, it } from 'vitest'
import { decidingRun, planEpisodes, type RunFacts, type SequenceEntry } from './streaks'

const run = (id: number, conclusion: string, at: number, attempt = 1, rejected = false): RunFacts => ({
  id,
  attempt,
  conclusion,
  at,
  provider: 'github',
  externalId: String(id),
  rejected,
})

describe('decidingRun', () => {
  it('takes the latest attempt, ignoring cancelled, skipped and inconclusive runs and rejected links', () => {
    expect(decidingRun([run(1, 'failure', 10), run(1, 'success', 20, 2)])).toMatchObject({ run: { attempt: 2 }, verdict: 'green' })
    expect(decidingRun([run(1, 'failure', 10), run(2, 'cancelled', 30), run(3, 'skipped', 40), run(4, 'neutral', 50)])).toMatchObject({ run: { id: 1 }, verdict: 'red' })
    expect(decidingRun([run(1, 'failure', 10), run(2, 'success', 20, 1, true)])).toMatchObject({ run: { id: 1 } })
    expect(decidingRun([run(1, 'timed_out', 10)])?.verdict).toBe('red')
    expect(decidingRun([run(1, 'startup_failure', 10)])?.verdict).toBe('red')
    expect(decidingRun([run(1, 'cancelled', 10)])).toBeNull()
  })

  it('breaks ties by attempt, then external id, never by arrival', () => {
    const a = run(9, 'failure', 10, 1)
    const b = { ...run(3, 'success', 10, 1), externalId: '10' }
    expect(decidingRun([a, b])?.run.id).toBe(3)
    expect(decidingRun([b, a])?.run.id).toBe(3)
  })
})

const entries = (pattern: string): SequenceEntry[] =>
  [...pattern].map((char, index) => ({ sha: `c${index}`, verdict: char === 'G' ? 'green' : char === 'R' ? 'red' : 'flaky', runId: index + 1, at: index }))

describe('planEpisodes', () => {
  it('opens an episode at each first red after a green and closes it at the next green', () => {
    const planned = planEpisodes(entries('GGRRGRR'))
    expect(planned.map((plan) => [plan.lastGreen?.sha, plan.firstRed.sha, plan.closing?.sha ?? null, plan.streak.length])).toEqual([
      ['c1', 'c2', 'c4', 2],
      ['c4', 'c5', null, 2],
    ])
  })

  it('gives a branch with no green yet an episode without a last green', () => {
    expect(planEpisodes(entries('RRG'))[0]).toMatchObject({ lastGreen: null, firstRed: { sha: 'c0' }, closing: { sha: 'c2' } })
  })

  it('a streak of likely-flaky reds is a likely-flaky episode; a real red after a flaky one starts the episode', () => {
    expect(planEpisodes(entries('GFG'))[0]).toMatchObject({ likelyFlaky: true, firstRed: { sha: 'c1' } })
    expect(planEpisodes(entries('GFRG'))[0]).toMatchObject({ likelyFlaky: false, firstRed: { sha: 'c2' }, lastGreen: { sha: 'c0' }, streak: [{ sha: 'c1' }, { sha: 'c2' }] })
  })
})
