// Leases on scheduled jobs (job_leases): a replica runs a job's tick only while it holds the job's
// lease, so several replicas on one database run each tick once. Taking a lease is one conditional
// upsert: it succeeds when nobody holds the job, the holder's lease ran out, or we hold it already.
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { getDb } from '../db.server'
import { singleton } from '../utils/singleton.server'

/** Who this process is, in job_leases.holder: host, pid and a random part (pids repeat across hosts and restarts). */
export function leaseHolder(): string {
  return singleton('lease-holder', () => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`)
}

/** Takes (or extends) the lease on `name` until now + ttlMs. True when this holder has it now. */
export async function acquireLease(
  name: string,
  ttlMs: number,
  { holder = leaseHolder(), now = Date.now() } = {},
): Promise<boolean> {
  const rows = await getDb().all<{ holder: string }>(sql`
    insert into job_leases (name, holder, lease_until, updated_at) values (${name}, ${holder}, ${now + ttlMs}, ${now})
    on conflict (name) do update set holder = excluded.holder, lease_until = excluded.lease_until, updated_at = excluded.updated_at
      where job_leases.lease_until <= ${now} or job_leases.holder = excluded.holder
    returning holder`)
  return rows.length === 1 && rows[0].holder === holder
}

/** Gives the lease back (only if this holder has it), so the next tick anywhere need not wait for it to run out. */
export async function releaseLease(name: string, { holder = leaseHolder(), now = Date.now() } = {}): Promise<void> {
  await getDb().run(
    sql`update job_leases set lease_until = ${now}, updated_at = ${now} where name = ${name} and holder = ${holder}`,
  )
}

/** Who holds a lease and until when (for the CLI's messages), or undefined when nobody ever took it. */
export async function leaseInfo(name: string): Promise<{ holder: string; leaseUntil: number } | undefined> {
  const rows = await getDb().all<{ holder: string; leaseUntil: number }>(
    sql`select holder, lease_until as leaseUntil from job_leases where name = ${name}`,
  )
  return rows[0]
}

/**
 * Runs `work` while holding the lease, extending it every third of its ttl so a long run keeps it,
 * and releases it after. Returns `{ ran: false }` without running when another holder has it.
 */
export async function withLease<T>(
  name: string,
  ttlMs: number,
  work: () => Promise<T>,
  { holder = leaseHolder() }: { holder?: string } = {},
): Promise<{ ran: true; result: T } | { ran: false }> {
  if (!(await acquireLease(name, ttlMs, { holder }))) return { ran: false }
  let renewing: Promise<unknown> = Promise.resolve()
  const timer = setInterval(
    () => {
      renewing = acquireLease(name, ttlMs, { holder }).catch(() => false)
    },
    Math.max(1000, Math.floor(ttlMs / 3)),
  )
  timer.unref()
  try {
    return { ran: true, result: await work() }
  } finally {
    clearInterval(timer)
    await renewing
    await releaseLease(name, { holder })
  }
}
