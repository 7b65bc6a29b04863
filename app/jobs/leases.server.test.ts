import { describe, expect, it } from 'vitest'
import { acquireLease, leaseInfo, releaseLease, withLease } from './leases.server'
import { runScheduledTick, startScheduler, stopScheduler, type ScheduledJob } from './scheduler.server'

const T0 = Date.parse('2026-12-01T08:00:00Z')

describe('job leases', () => {
  it('lets one holder at a time have a lease, until it runs out or is released', async () => {
    expect(await acquireLease('test:a', 60_000, { holder: 'replica-1', now: T0 })).toBe(true)
    expect(await acquireLease('test:a', 60_000, { holder: 'replica-2', now: T0 + 1000 })).toBe(false)
    // The holder extends its own lease.
    expect(await acquireLease('test:a', 60_000, { holder: 'replica-1', now: T0 + 30_000 })).toBe(true)
    expect(await acquireLease('test:a', 60_000, { holder: 'replica-2', now: T0 + 70_000 })).toBe(false)
    // Run out: another replica takes it over.
    expect(await acquireLease('test:a', 60_000, { holder: 'replica-2', now: T0 + 90_000 })).toBe(true)
    expect(await leaseInfo('test:a')).toEqual({ holder: 'replica-2', leaseUntil: T0 + 150_000 })
    // Releasing someone else's lease does nothing; releasing one's own frees it at once.
    await releaseLease('test:a', { holder: 'replica-1', now: T0 + 91_000 })
    expect(await acquireLease('test:a', 60_000, { holder: 'replica-1', now: T0 + 92_000 })).toBe(false)
    await releaseLease('test:a', { holder: 'replica-2', now: T0 + 93_000 })
    expect(await acquireLease('test:a', 60_000, { holder: 'replica-1', now: T0 + 93_000 })).toBe(true)
  })

  it('runs work under a lease and skips it while another holder has the lease', async () => {
    const outer = await withLease('test:b', 60_000, async () => {
      const inner = await withLease('test:b', 60_000, async () => 'ran twice', { holder: 'someone-else' })
      return inner
    })
    expect(outer).toEqual({ ran: true, result: { ran: false } })
    // Released after the work: the next one runs.
    expect(await withLease('test:b', 60_000, async () => 'next', { holder: 'someone-else' })).toEqual({
      ran: true,
      result: 'next',
    })
  })
})

describe('the scheduler', () => {
  it('ticks a job on its pattern under the job’s lease, and stops', async () => {
    const ticks: number[] = []
    const job: ScheduledJob = {
      name: 'test-every-second',
      pattern: '* * * * * *',
      leaseMs: 10_000,
      async tick(now) {
        ticks.push(now)
      },
    }
    startScheduler([job])
    await new Promise((resolve) => setTimeout(resolve, 2300))
    await stopScheduler()
    const count = ticks.length
    expect(count).toBeGreaterThanOrEqual(1)
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(ticks.length).toBe(count)
    // A tick by hand goes through the same lease: refused while another replica holds it.
    expect(await acquireLease('job:test-every-second', 60_000, { holder: 'another-replica' })).toBe(true)
    expect(await runScheduledTick(job)).toEqual({ ran: false })
  })
})
