import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createUser } from '../auth/users.server'
import { getDb } from '../db.server'
import { createInvestigation } from '../investigations/investigations.server'
import { readTuples } from '../linker/sql.server'
import { runDigestTick } from './digests.server'
import { localTime } from './periods'
import { saveDigestSettings, setDelivery } from './preferences.server'

const HOUR = 3_600_000
const at = (iso: string) => Date.parse(iso)
let people = 0

async function person(
  schedule: Partial<{
    frequency: 'daily' | 'weekly' | 'off'
    weekday: number
    hour: number
    timezone: string
    paused: boolean
  }> = {},
  { joined = false } = {},
) {
  people++
  const user = await createUser({ email: `digest-${people}@example.com`, name: `Person ${people}`, role: 'engineer' })
  // Joined people (with a password) also get the weekly summary; a stand-in hash is enough here.
  if (joined) await getDb().run(sql`update users set password_hash = 'stand-in' where id = ${user.id}`)
  await getDb().transaction((tx) => saveDigestSettings(tx, user.id, schedule))
  return user.id
}

async function notify(
  userId: string,
  createdAt: number,
  summary = `Something happened at ${new Date(createdAt).toISOString()}`,
) {
  const rows = await getDb().all<{
    id: number
  }>(sql`insert into notifications (user_id, event_type, delivery, status, summary, path, created_at)
    values (${userId}, 'status_changed', 'digest', 'pending', ${summary}, '/investigations/1', ${createdAt}) returning id`)
  return Number(rows[0].id)
}

interface DigestRow {
  id: number
  period: string
  count: number
  createdAt: number
  outboxId: string | null
}

async function digestsOf(userId: string): Promise<DigestRow[]> {
  return getDb()
    .all<DigestRow>(sql`select id, period, notification_count as count, created_at as createdAt, outbox_id as outboxId
    from digests where user_id = ${userId} order by created_at, id`)
}

async function mailOf(userId: string) {
  return getDb().all<{
    id: string
    category: string
    subject: string
    html: string
    text: string
    headers: string
    status: string
    createdAt: number
  }>(
    sql`select id, category, subject, html, text, headers, status, created_at as createdAt from email_outbox where user_id = ${userId} order by created_at, id`,
  )
}

/** Ticks from `from` to `to` (exclusive) every `step` ms; `before` runs first at each tick's time (new notifications). */
async function tick(from: number, to: number, step: number, before?: (now: number) => Promise<void>) {
  for (let now = from; now < to; now += step) {
    if (before) await before(now)
    await runDigestTick({ now })
  }
}

/** A notification at 03:00 and one at 12:00 local each day, written when the fake clock reaches them. */
function dailyNotifications(userId: string, timeZone: string) {
  const written = new Set<string>()
  const ids = new Map<string, number>()
  return {
    ids,
    async before(now: number) {
      const local = localTime(now, timeZone)
      for (const hour of [3, 12]) {
        const key = `${local.year}-${local.month}-${local.day}@${hour}`
        if (local.hour >= hour && !written.has(key)) {
          written.add(key)
          ids.set(key, await notify(userId, now, key))
        }
      }
    },
  }
}

describe('digests', () => {
  it('sends nothing when nothing is pending, and waits for the next period for what comes after the hour', async () => {
    const userId = await person({ frequency: 'daily', hour: 8, timezone: 'UTC' })
    await tick(at('2026-12-01T07:00:00Z'), at('2026-12-01T09:00:00Z'), 15 * 60_000)
    expect(await digestsOf(userId)).toEqual([])
    expect(await mailOf(userId)).toEqual([])

    // Arrives after today's 08:00: not a reason to mail today.
    await notify(userId, at('2026-12-01T10:00:00Z'))
    await tick(at('2026-12-01T10:00:00Z'), at('2026-12-02T07:59:00Z'), HOUR)
    expect(await mailOf(userId)).toEqual([])
    await runDigestTick({ now: at('2026-12-02T08:00:00Z') })
    expect((await digestsOf(userId)).map((row) => [row.period, row.count])).toEqual([['2026-12-02', 1]])
  })

  it('writes the digest mail with what waited, one-click unsubscribe headers, and marks the notifications digested', async () => {
    const userId = await person({ frequency: 'daily', hour: 8, timezone: 'Europe/Berlin' })
    const first = await notify(userId, at('2026-12-01T05:00:00Z'), 'Grace moved #12 <Checkout> to identified')
    const second = await notify(userId, at('2026-12-01T06:00:00Z'), 'The linker found a new suspect for #12')
    const result = await runDigestTick({ now: at('2026-12-01T07:00:00Z') }) // 08:00 in Berlin
    expect(result.digests).toBeGreaterThanOrEqual(1)

    const [digest] = await digestsOf(userId)
    expect(digest).toMatchObject({ period: '2026-12-01', count: 2 })
    const [mail] = await mailOf(userId)
    expect(digest.outboxId).toBe(mail.id)
    expect(mail.category).toBe('digest')
    expect(mail.status).toBe('pending')
    expect(mail.subject).toBe('Your daily Inquest digest: 2 updates')
    expect(mail.html).toContain('Grace moved #12 &lt;Checkout&gt; to identified')
    expect(mail.html).toContain('http://localhost:3000/investigations/1')
    expect(mail.text).toContain('The linker found a new suspect for #12')
    expect(mail.text).toContain('Tue 1 Dec, 06:00') // 05:00 UTC in Berlin
    const headers = JSON.parse(mail.headers) as Record<string, string>
    expect(headers['List-Unsubscribe']).toMatch(/^<http:\/\/localhost:3000\/unsubscribe\/[A-Za-z0-9_-]{20,}>$/)
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
    const token = headers['List-Unsubscribe'].slice(1, -1)
    expect(mail.html).toContain(token)
    expect(mail.text).toContain(token)
    const tokens = await getDb().all<{ category: string }>(
      sql`select category from unsubscribe_tokens where user_id = ${userId}`,
    )
    expect(tokens).toEqual([{ category: 'digest' }])
    const marked = await getDb().all<{ id: number; status: string; digestId: number }>(
      sql`select id, status, digest_id as digestId from notifications where user_id = ${userId} order by id`,
    )
    expect(marked).toEqual([
      { id: first, status: 'digested', digestId: digest.id },
      { id: second, status: 'digested', digestId: digest.id },
    ])

    // The period is done: later ticks today send nothing more.
    await tick(at('2026-12-01T08:00:00Z'), at('2026-12-01T22:00:00Z'), HOUR)
    expect(await mailOf(userId)).toHaveLength(1)
  })

  it('sends nothing to people who paused mail or turned the digest off', async () => {
    const paused = await person({ frequency: 'daily', hour: 8, timezone: 'UTC', paused: true })
    const off = await person({ frequency: 'off', hour: 8, timezone: 'UTC' })
    for (const userId of [paused, off]) await notify(userId, at('2026-12-01T01:00:00Z'))
    await tick(at('2026-12-01T07:00:00Z'), at('2026-12-03T07:00:00Z'), HOUR)
    expect(await mailOf(paused)).toEqual([])
    expect(await mailOf(off)).toEqual([])
    expect(await digestsOf(paused)).toEqual([])
  })

  for (const [season, from, to] of [
    ['spring forward (8 March 2026)', '2026-03-06T05:00:00Z', '2026-03-11T05:00:00Z'],
    ['fall back (1 November 2026)', '2026-10-30T04:00:00Z', '2026-11-04T05:00:00Z'],
  ] as const) {
    it(`sends an 08:00 New York daily digest exactly once a day, at 08:00 local, around the ${season}`, async () => {
      const zone = 'America/New_York'
      const userId = await person({ frequency: 'daily', hour: 8, timezone: zone })
      const feed = dailyNotifications(userId, zone)
      await tick(at(from), at(to), 15 * 60_000, feed.before)
      const rows = await digestsOf(userId)
      const days = rows.map((row) => row.period)
      expect(days).toEqual([...new Set(days)])
      expect(days).toHaveLength(5)
      for (const row of rows) {
        const sent = localTime(row.createdAt, zone)
        expect([sent.hour, sent.minute]).toEqual([8, 0])
        expect(row.period).toBe(
          `${sent.year}-${String(sent.month).padStart(2, '0')}-${String(sent.day).padStart(2, '0')}`,
        )
      }
      // Each notification went out once: the 03:00 one that day, the 12:00 one the next morning.
      const statuses = await getDb().all<{ status: string; n: number }>(
        sql`select status, count(*) as n from notifications where user_id = ${userId} and digest_id is not null group by status`,
      )
      expect(statuses).toEqual([{ status: 'digested', n: rows.reduce((sum, row) => sum + row.count, 0) }])
      expect(rows.slice(1).every((row) => row.count === 2)).toBe(true)
      expect(await mailOf(userId)).toHaveLength(5)
    })
  }

  it('passes a digest hour that DST skips or repeats once a day, no more, no less', async () => {
    const zone = 'America/New_York'
    const spring = await person({ frequency: 'daily', hour: 2, timezone: zone })
    const fall = await person({ frequency: 'daily', hour: 1, timezone: zone })
    const springFeed = dailyNotifications(spring, zone)
    const fallFeed = dailyNotifications(fall, zone)
    // Midnight notifications, so each day has something at 01:00 and 02:00.
    const feed = async (now: number) => {
      await springFeed.before(now)
      await fallFeed.before(now)
      for (const userId of [spring, fall]) {
        const local = localTime(now, zone)
        if (local.hour === 0 && local.minute === 0) await notify(userId, now)
      }
    }
    await tick(at('2026-03-07T05:00:00Z'), at('2026-03-10T05:00:00Z'), 15 * 60_000, feed)
    await tick(at('2026-10-31T04:00:00Z'), at('2026-11-03T05:00:00Z'), 15 * 60_000, feed)
    const springDays = (await digestsOf(spring)).map((row) => row.period)
    expect(springDays).toEqual(['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02'])
    const fallDays = (await digestsOf(fall)).map((row) => row.period)
    expect(fallDays).toEqual(['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02'])
    // The skipped 02:00 on 8 March: sent at 03:00 EDT, when the clock jumped past it.
    const skipped = (await digestsOf(spring)).find((row) => row.period === '2026-03-08')!
    expect(skipped.createdAt).toBe(at('2026-03-08T07:00:00Z'))
    // The repeated 01:00 on 1 November: sent the first time (EDT).
    const repeated = (await digestsOf(fall)).find((row) => row.period === '2026-11-01')!
    expect(repeated.createdAt).toBe(at('2026-11-01T05:00:00Z'))
  })

  it('sends a weekly digest once per ISO week, across the year boundary', async () => {
    const userId = await person({ frequency: 'weekly', weekday: 1, hour: 8, timezone: 'UTC' })
    const feed = async (now: number) => {
      if (new Date(now).getUTCHours() === 18) await notify(userId, now)
    }
    await tick(at('2026-12-23T00:00:00Z'), at('2027-01-13T00:00:00Z'), HOUR, feed)
    const rows = await digestsOf(userId)
    expect(rows.map((row) => row.period)).toEqual(['2026-W53', '2027-W01', '2027-W02'])
    expect(rows.map((row) => new Date(row.createdAt).toISOString())).toEqual([
      '2026-12-28T08:00:00.000Z',
      '2027-01-04T08:00:00.000Z',
      '2027-01-11T08:00:00.000Z',
    ])
    expect(rows.map((row) => row.count)).toEqual([5, 7, 7])
    expect((await mailOf(userId))[0].subject).toBe('Your weekly Inquest digest: 5 updates')
  })

  it('sends the weekly summary on the weekday and hour, as its own mail or folded into the digest', async () => {
    const own = await person({ frequency: 'daily', weekday: 2, hour: 9, timezone: 'UTC' }, { joined: true })
    const folded = await person({ frequency: 'daily', weekday: 2, hour: 9, timezone: 'UTC' }, { joined: true })
    const never = await person({ frequency: 'daily', weekday: 2, hour: 9, timezone: 'UTC' }, { joined: true })
    await getDb().transaction(async (tx) => {
      await setDelivery(tx, folded, 'weekly_summary', 'digest')
      await setDelivery(tx, never, 'weekly_summary', 'off')
    })
    // An empty workspace has nothing to summarize: no mail.
    await runDigestTick({ now: at('2026-12-01T09:00:00Z') })
    expect((await mailOf(own)).filter((mail) => mail.category === 'weekly_summary')).toEqual([])

    const id = await createInvestigation(
      { title: 'Checkout tests red on main', kind: 'failing_build', severity: 'sev2' },
      own,
    )
    await notify(folded, at('2026-12-07T12:00:00Z'))
    await tick(at('2026-12-07T00:00:00Z'), at('2026-12-14T00:00:00Z'), HOUR)

    const ownMail = await mailOf(own)
    expect(ownMail.map((mail) => [mail.category, new Date(mail.createdAt).toISOString()])).toEqual([
      ['weekly_summary', '2026-12-08T09:00:00.000Z'],
    ])
    expect(ownMail[0].subject).toBe('Inquest weekly summary, week 50 of 2026')
    expect(ownMail[0].html).toContain(`#${id} Checkout tests red on main`)
    expect(JSON.parse(ownMail[0].headers)['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
    const tokens = await getDb().all<{ category: string }>(
      sql`select category from unsubscribe_tokens where user_id = ${own}`,
    )
    expect(tokens).toEqual([{ category: 'weekly_summary' }])

    const foldedMail = await mailOf(folded)
    expect(foldedMail.map((mail) => mail.category)).toEqual(['digest'])
    expect(foldedMail[0].subject).toBe('Your daily Inquest digest: 1 update and the weekly summary')
    expect(foldedMail[0].text).toContain(`#${id} Checkout tests red on main`)
    expect(await mailOf(never)).toEqual([])
  })

  it('sends each digest once when two ticks run at once', async () => {
    const users: string[] = []
    for (let index = 0; index < 30; index++) {
      const userId = await person({ frequency: 'daily', hour: 6, timezone: 'UTC' })
      await notify(userId, at('2026-12-02T01:00:00Z'))
      users.push(userId)
    }
    const now = at('2026-12-02T06:00:00Z')
    const results = await Promise.all([runDigestTick({ now, chunkSize: 7 }), runDigestTick({ now, chunkSize: 7 })])
    const rows = await readTuples<[string, number]>(
      getDb(),
      sql`select json_group_array(json_array(user_id, n)) as j from (select user_id, count(*) as n from email_outbox
          where user_id in (select value from json_each(${JSON.stringify(users)})) group by user_id)`,
    )
    expect(rows).toHaveLength(30)
    expect(rows.every(([, count]) => count === 1)).toBe(true)
    expect(results.reduce((sum, result) => sum + result.digests, 0)).toBeGreaterThanOrEqual(30)
  })
})
