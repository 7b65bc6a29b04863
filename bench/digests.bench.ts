// Digests at scale: compose and enqueue 10,000 people's digests in one tick (target: under 30 s),
// then send them through the fake Resend on loopback with the real SDK, counting batch calls.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { progress } from './lib/stats'
import type { BenchRow } from './lib/types'

export const name = 'digests'

const envNumber = (key: string, fallback: number) => {
  const value = Number(process.env[key])
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback
}

const PEOPLE = envNumber('BENCH_DIGEST_PEOPLE', 10_000)
const PER_PERSON = envNumber('BENCH_DIGEST_NOTIFICATIONS', 5)
const TARGET_MS = 30_000
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles']
const SUMMARIES = [
  'Grace Hopper moved #412 Checkout tests red on main from investigating to identified',
  'The linker found a new suspect for #412: 3f9c2e1 Bump the cart service client to 4.2',
  'Linus commented on #398 Flaky login e2e: “retrying with the old fixture fixes it locally”',
  'Ada Lovelace assigned #405 Nightly deploy to staging failed to you',
  'Margaret Hamilton moved #377 p99 latency regression on search to mitigated',
]

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'inquest-bench-digests-'))
  const databaseUrl = `file:${path.join(dir, 'digests.db')}`
  process.env.DATABASE_URL = databaseUrl
  process.env.NODE_ENV = 'test'
  process.env.LOG_LEVEL = 'silent'
  process.env.APP_URL = 'https://inquest.example.com'
  for (const key of [
    'DATABASE_AUTH_TOKEN',
    'DATABASE_SYNC_URL',
    'DATABASE_ENCRYPTION_KEY',
    'RESEND_API_KEY',
    'RESEND_BASE_URL',
  ])
    delete process.env[key]

  const { sql } = await import('drizzle-orm')
  const { closeDatabase, configureDatabase, getClient, getDb } = await import('../app/db.server')
  const { migrateDatabase } = await import('../db/migrate')
  const { runDigestTick } = await import('../app/notifications/digests.server')
  const { sendDueEmails } = await import('../app/notifications/sender.server')
  const { startFakeResend } = await import('../tests/fake-resend')

  const fake = await startFakeResend()
  try {
    await configureDatabase(getClient(), databaseUrl)
    await migrateDatabase(getDb())
    const db = getDb()
    // Wednesday 2 December 2026, 12:00 UTC: every zone above is past midnight of its local date.
    const now = Date.parse('2026-12-02T12:00:00Z')
    const created = now - 2 * 24 * 3_600_000

    progress(`digests: seeding ${PEOPLE} people with ${PER_PERSON} pending digest notifications each`)
    const seedStart = performance.now()
    for (let start = 0; start < PEOPLE; start += 2000) {
      const people = Array.from({ length: Math.min(2000, PEOPLE - start) }, (_, offset) => {
        const index = start + offset
        return [`bench-user-${index}`, `person${index}@example.com`, `Person ${index}`, ZONES[index % ZONES.length]]
      })
      await db.transaction(async (tx) => {
        await tx.run(sql`insert into users (id, email, name, role, password_hash)
          select value ->> 0, value ->> 1, value ->> 2, 'engineer', 'bench' from json_each(${JSON.stringify(people)})`)
        // Daily at 00:00 local: due everywhere at the tick.
        await tx.run(sql`insert into digest_settings (user_id, frequency, weekday, hour, timezone, paused, updated_at)
          select value ->> 0, 'daily', 1, 0, value ->> 3, 0, ${created} from json_each(${JSON.stringify(people)})`)
        const notes = people.flatMap(([id], offset) =>
          Array.from({ length: PER_PERSON }, (_, n) => [
            id,
            SUMMARIES[(offset + n) % SUMMARIES.length],
            `/investigations/${400 + n}#activity-${offset * 10 + n}`,
            created + n * 60_000,
          ]),
        )
        await tx.run(sql`insert into notifications (user_id, event_type, delivery, status, summary, path, created_at)
          select value ->> 0, 'status_changed', 'digest', 'pending', value ->> 1, value ->> 2, value ->> 3 from json_each(${JSON.stringify(notes)})`)
      })
    }
    progress(`digests: seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; running one tick`)

    const cpu = process.cpuUsage()
    const tickStart = performance.now()
    const result = await runDigestTick({ now })
    const tickMs = performance.now() - tickStart
    const tickCpu = process.cpuUsage(cpu)
    if (result.digests !== PEOPLE) throw new Error(`expected ${PEOPLE} digests, the tick queued ${result.digests}`)
    const queued = await db.all<{ n: number; bytes: number }>(
      sql`select count(*) as n, sum(length(html) + length(text)) as bytes from email_outbox where status = 'pending'`,
    )
    progress(
      `digests: tick took ${(tickMs / 1000).toFixed(1)} s for ${result.digests} digests (${result.notifications} notifications)`,
    )

    progress('digests: sending through the fake Resend')
    const config = { apiKey: 're_bench', baseUrl: fake.url, from: 'Inquest <inquest@example.com>' }
    const sendStart = performance.now()
    let rounds = 0
    for (;;) {
      const round = await sendDueEmails({ config, now: () => now })
      rounds++
      if (round.handled === 0) break
    }
    const sendMs = performance.now() - sendStart
    const batchCalls = fake.requests.filter((request) => request.path === '/emails/batch')
    const singleCalls = fake.requests.filter((request) => request.path === '/emails')
    const largest = Math.max(...batchCalls.map((request) => (request.body as unknown[]).length))
    const [sent] = await db.all<{ n: number }>(sql`select count(*) as n from email_outbox where status = 'sent'`)
    if (Number(sent.n) !== PEOPLE || fake.emails.length !== PEOPLE)
      throw new Error(`expected ${PEOPLE} sent mails, got ${sent.n} rows sent and ${fake.emails.length} at the fake`)

    return [
      {
        case: `compose + enqueue ${PEOPLE.toLocaleString('en')} digests (one tick)`,
        p50: tickMs,
        unit: 'ms',
        n: result.digests,
        check: tickMs < TARGET_MS ? 'ok: < 30 s' : 'MISSED: < 30 s',
        note: `${result.notifications} notifications digested; ${(tickMs / result.digests).toFixed(2)} ms a digest; cpu ${((tickCpu.user + tickCpu.system) / 1000).toFixed(0)} ms; ${(Number(queued[0].bytes) / 1e6).toFixed(0)} MB of mail written`,
      },
      {
        case: `send ${PEOPLE.toLocaleString('en')} through the fake Resend`,
        p50: sendMs,
        unit: 'ms',
        n: fake.emails.length,
        note: `${batchCalls.length} batch calls (largest ${largest}), ${singleCalls.length} single sends, ${rounds} sender rounds; real SDK over loopback`,
      },
    ]
  } finally {
    await fake.close()
    closeDatabase()
    rmSync(dir, { recursive: true, force: true })
  }
}
