import { afterEach, describe, expect, it } from 'vitest'
import { HELD_ELSEWHERE, nudgeWorker, startWorkers, stopWorkers, type Worker } from './workers.server'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

afterEach(() => stopWorkers())

describe('background workers', () => {
  it('go again at once when nudged, but wait their interval while another process holds the work', async () => {
    let rounds = 0
    let heldElsewhere = false
    const worker: Worker = {
      name: 'test-nudged',
      idleIntervalMs: 10_000,
      async runOnce() {
        rounds++
        return heldElsewhere ? HELD_ELSEWHERE : 0
      },
    }
    startWorkers([worker])
    await pause(20)
    expect(rounds).toBe(1)
    // Free to work: each nudge is a round.
    for (let nudge = 0; nudge < 5; nudge++) {
      nudgeWorker('test-nudged')
      await pause(10)
    }
    expect(rounds).toBe(6)
    // Held by another process: a stream of nudges must not make it ask again and again.
    heldElsewhere = true
    nudgeWorker('test-nudged')
    await pause(10)
    for (let nudge = 0; nudge < 50; nudge++) {
      nudgeWorker('test-nudged')
      await pause(2)
    }
    expect(rounds).toBe(7)
  })

  it('hand over what they hold when stopped, even in the middle of a wait', async () => {
    const stopped: string[] = []
    startWorkers([
      { name: 'test-holder', idleIntervalMs: 60_000, runOnce: async () => HELD_ELSEWHERE, stop: async () => void stopped.push('test-holder') },
    ])
    await pause(10)
    const started = performance.now()
    await stopWorkers()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(stopped).toEqual(['test-holder'])
  })
})
