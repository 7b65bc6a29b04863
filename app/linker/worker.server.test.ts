import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { HELD_ELSEWHERE } from '../jobs/workers.server'
import { addCommits, addRun, createRepository } from '../../tests/helpers/linker'
import { releaseLinkerLease, runLinkerRound } from './worker.server'

async function lease() {
  return getDb().get<{ holder: string; until: number }>(sql`select text_value as holder, int_value as until from linker_state where key = 'lease'`)
}

async function queued() {
  return (await getDb().get<{ n: number }>(sql`select count(*) as n from linker_queue`))!.n
}

describe('the linker lease', () => {
  it('keeps a second process out while held, and lets it in at once when handed back', async () => {
    const repo = await createRepository()
    await addCommits(repo, [{ label: 'lease-1' }])
    await addRun(repo, { commit: 'lease-1', conclusion: 'success' })
    expect(await runLinkerRound()).toBeGreaterThan(0)
    const mine = (await lease())!
    expect(mine.until).toBeGreaterThan(Date.now())

    // Another replica took the lease over: this process must leave the queue alone.
    await getDb().run(sql`update linker_state set text_value = 'other-replica', int_value = ${Date.now() + 60_000} where key = 'lease'`)
    await addRun(repo, { commit: 'lease-1', conclusion: 'failure', externalId: 'lease-run', attempt: 2 })
    const waiting = await queued()
    expect(waiting).toBeGreaterThan(0)
    expect(await runLinkerRound()).toBe(HELD_ELSEWHERE)
    expect(await queued()).toBe(waiting)
    // Handing back a lease someone else holds does nothing.
    await releaseLinkerLease()
    expect((await lease())!.holder).toBe('other-replica')

    // That replica stops and hands it back: this one takes over on its next round, not a minute later.
    await getDb().run(sql`update linker_state set int_value = 0 where key = 'lease' and text_value = 'other-replica'`)
    expect(await runLinkerRound()).toBeGreaterThan(0)
    expect(await queued()).toBe(0)
    await releaseLinkerLease()
    expect((await lease())!.until).toBeLessThanOrEqual(Date.now())
  })
})
