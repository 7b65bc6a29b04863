import { eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { ciRuns, deliveries } from '../../../db/schema'
import { getDb } from '../../db.server'
import { createRepository } from '../repositories.server'
import { repositorySchema } from '../repository-schema'
import { claimDelivery, LEASE_MS, MAX_ATTEMPTS, peekDueDeliveries, recordDelivery, retryDelayMs, takePeeked } from './deliveries.server'
import { processDueDeliveries } from './delivery-worker.server'

let repositoryId: string
const run = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    workflow_run: { id, name: 'CI', head_branch: 'main', head_sha: 'c'.repeat(40), status: 'completed', conclusion: 'success', run_attempt: 1, updated_at: '2024-01-01T00:00:00Z', ...extra },
  })

async function row(deliveryId: string) {
  const [found] = await getDb().select().from(deliveries).where(eq(deliveries.deliveryId, deliveryId))
  return found
}

async function drain() {
  while ((await processDueDeliveries()) > 0) {
    // until nothing is due
  }
}

beforeAll(async () => {
  const created = await createRepository(repositorySchema.parse({ name: 'worker', provider: 'github', externalName: 'acme/worker' }), { label: 'test' })
  if (!created.ok) throw new Error(created.message)
  repositoryId = created.repository.id
  // A database error that has nothing to do with the payload: the kind of failure worth retrying.
  await getDb().run(sql.raw("create trigger refuse_boom before insert on ci_runs when new.external_id = 'boom' begin select raise(abort, 'disk on fire'); end"))
})

const delivery = (deliveryId: string, payload: string) => ({ provider: 'github' as const, deliveryId, repositoryId, event: 'workflow_run', payload, status: 'pending' as const })

describe('recordDelivery', () => {
  it('writes deliveries that arrive together in one group; a second copy of one is a redelivery', async () => {
    const results = await Promise.all([
      recordDelivery(delivery('g-1', run('1'))),
      recordDelivery(delivery('g-2', run('2'))),
      recordDelivery(delivery('g-1', run('1'))),
    ])
    expect(results[0]).toMatchObject({ duplicate: false })
    expect(results[1]).toMatchObject({ duplicate: false })
    expect(results[2]).toEqual({ id: null, duplicate: true })
    expect(await recordDelivery(delivery('g-2', run('2')))).toEqual({ id: null, duplicate: true })
    await drain()
  })
})

describe('processDueDeliveries', () => {
  it('processes a batch; a delivery that fails rolls back only its own writes', async () => {
    await Promise.all([
      recordDelivery(delivery('ok-1', run('101'))),
      recordDelivery(delivery('bad', run('102', { head_sha: null }))),
      recordDelivery(delivery('ok-2', run('103'))),
    ])
    expect(await processDueDeliveries()).toBe(3)
    expect((await row('ok-1')).status).toBe('processed')
    expect((await row('ok-2')).status).toBe('processed')
    // A payload without what the event needs fails at once: retrying cannot help.
    expect(await row('bad')).toMatchObject({ status: 'failed', attempts: 1, lastError: 'workflow_run has no "head_sha"' })
    const runs = await getDb().select({ externalId: ciRuns.externalId }).from(ciRuns).where(eq(ciRuns.repositoryId, repositoryId))
    expect(runs.map((found) => found.externalId).sort()).toEqual(['1', '101', '103', '2'])
  })

  it('retries a failure with exponential backoff, then marks it failed after the last attempt', async () => {
    await recordDelivery(delivery('boom', run('boom')))
    const before = Date.now()
    await processDueDeliveries()
    const first = await row('boom')
    expect(first).toMatchObject({ status: 'pending', attempts: 1, leasedUntil: null })
    expect(first.lastError).toContain('disk on fire')
    expect(first.nextAttemptAt).toBeGreaterThanOrEqual(before + 8_000)
    expect(first.nextAttemptAt).toBeLessThanOrEqual(Date.now() + 12_000)
    // Not due yet: nothing to do.
    expect(await processDueDeliveries()).toBe(0)

    await getDb().update(deliveries).set({ nextAttemptAt: 0, attempts: MAX_ATTEMPTS - 1 }).where(eq(deliveries.deliveryId, 'boom'))
    await processDueDeliveries()
    expect(await row('boom')).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS })
  })

  it('ignores events it does not handle', async () => {
    await recordDelivery({ ...delivery('other', '{}'), event: 'deployment' })
    await processDueDeliveries()
    expect((await row('other')).status).toBe('ignored')
  })
})

describe('taking due deliveries', () => {
  it('never hands one delivery to two takers, and takes over a claim that ran out', async () => {
    await Promise.all(Array.from({ length: 6 }, (_, index) => recordDelivery(delivery(`lease-${index}`, run(`l${index}`)))))
    // Two workers peek at the same due deliveries; each takes what is still due in its transaction.
    const [first, second] = await Promise.all([peekDueDeliveries(10), peekDueDeliveries(10)])
    expect(first.map((peeked) => peeked.id)).toEqual(second.map((peeked) => peeked.id))
    const [a, b] = await Promise.all([getDb().transaction((tx) => takePeeked(tx, first)), getDb().transaction((tx) => takePeeked(tx, second))])
    expect([...a, ...b].map((taken) => taken.id).sort()).toEqual(first.map((peeked) => peeked.id).sort())
    expect(Math.min(a.length, b.length)).toBe(0)
    expect(await peekDueDeliveries(10)).toHaveLength(0)

    // A worker that claimed one on its own (a retry) died: once its lease runs out it is due again.
    await recordDelivery(delivery('lease-died', run('l-died')))
    const [pending] = await peekDueDeliveries(10)
    expect(await claimDelivery(pending.id)).toMatchObject({ id: pending.id, attempts: 1 })
    expect(await peekDueDeliveries(10)).toHaveLength(0)
    const later = Date.now() + LEASE_MS + 1
    const overdue = await peekDueDeliveries(10, later)
    expect(overdue.map((peeked) => peeked.id)).toEqual([pending.id])
    const [taken] = await getDb().transaction((tx) => takePeeked(tx, overdue, later))
    expect(taken).toMatchObject({ id: pending.id, attempts: 2 })
  })

  it('backs off 10 s, 20 s, 40 s ... up to an hour, with ±20% jitter', () => {
    expect(retryDelayMs(1, 0.5)).toBe(10_000)
    expect(retryDelayMs(2, 0.5)).toBe(20_000)
    expect(retryDelayMs(4, 0.5)).toBe(80_000)
    expect(retryDelayMs(20, 0.5)).toBe(3_600_000)
    expect(retryDelayMs(1, 0)).toBe(8_000)
    expect(retryDelayMs(1, 1)).toBe(12_000)
  })
})
