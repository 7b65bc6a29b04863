import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeResend, type FakeResend } from '../../tests/fake-resend'
import { getDb } from '../db.server'
import { firstRow } from '../linker/sql.server'
import { enqueueEmail, retryOutboxEmail } from './outbox.server'
import {
  idempotencyKeyFor,
  MAX_ATTEMPTS,
  resetSenderRateLimit,
  sendDueEmails,
  type SenderConfig,
} from './sender.server'

let fake: FakeResend
let config: SenderConfig
const T0 = Date.parse('2026-12-01T08:00:00Z')

beforeAll(async () => {
  fake = await startFakeResend()
  config = { apiKey: 're_test_key', baseUrl: fake.url, from: 'Inquest <inquest@example.com>' }
})
afterAll(async () => {
  await fake.close()
})
beforeEach(async () => {
  fake.reset()
  resetSenderRateLimit()
  await getDb().run(sql`delete from email_outbox`)
})

async function enqueue(count: number, at = T0, overrides: { to?: (index: number) => string } = {}) {
  const ids: string[] = []
  await getDb().transaction(async (tx) => {
    for (let index = 0; index < count; index++) {
      ids.push(
        await enqueueEmail(
          tx,
          {
            userId: null,
            to: overrides.to ? overrides.to(index) : `person${index}@example.com`,
            category: 'comment',
            template: 'test',
            subject: `Mail ${index}`,
            html: `<p>Mail ${index}</p>`,
            text: `Mail ${index}`,
            headers: {
              'List-Unsubscribe': `<http://localhost:3000/unsubscribe/t${index}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            },
          },
          at,
        ),
      )
    }
  })
  return ids
}

interface Row {
  id: string
  status: string
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  providerMessageId: string | null
}

async function row(id: string): Promise<Row> {
  const found = await firstRow<Row>(
    getDb(),
    sql`select id, status, attempts, next_attempt_at as nextAttemptAt, last_error as lastError, provider_message_id as providerMessageId
        from email_outbox where id = ${id}`,
  )
  if (!found) throw new Error(`no outbox row ${id}`)
  return found
}

async function statuses() {
  const rows = await getDb().all<{ status: string; n: number }>(
    sql`select status, count(*) as n from email_outbox group by status`,
  )
  return Object.fromEntries(rows.map((entry) => [entry.status, Number(entry.n)]))
}

/** Rounds at one moment until nothing more is handled. */
async function drain(at: number, settings = config) {
  let calls = 0
  for (let round = 0; round < 50; round++) {
    const result = await sendDueEmails({ now: () => at, config: settings })
    calls += result.calls
    if (result.handled === 0) break
  }
  return calls
}

describe('the outbox sender', () => {
  it('sends many mails in batch calls of at most 100, each mail once, with its own headers and an idempotency key', async () => {
    const ids = await enqueue(250)
    const calls = await drain(T0)

    const batches = fake.requests.filter((request) => request.path === '/emails/batch')
    expect(calls).toBe(3)
    expect(batches.map((request) => (request.body as unknown[]).length).sort((a, b) => b - a)).toEqual([100, 100, 50])
    expect(fake.requests.every((request) => request.idempotencyKey)).toBe(true)
    expect(fake.emails).toHaveLength(250)
    const outboxIds = fake.emails.map((email) => fake.tag(email, 'outbox_id'))
    expect(new Set(outboxIds)).toEqual(new Set(ids))
    const first = fake.emails.find((email) => fake.tag(email, 'outbox_id') === ids[0])!
    expect(first.from).toBe('Inquest <inquest@example.com>')
    expect(first.to).toBe('person0@example.com')
    expect(first.headers).toEqual({
      'List-Unsubscribe': '<http://localhost:3000/unsubscribe/t0>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    })
    expect(await statuses()).toEqual({ sent: 250 })
    const sent = await row(ids[0])
    expect(sent.providerMessageId).toBe(first.id)
  })

  it('sends a lone mail with the single call, keyed by its outbox id', async () => {
    const [id] = await enqueue(1)
    await drain(T0)
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0].path).toBe('/emails')
    expect(fake.requests[0].idempotencyKey).toBe(id)
    expect((await row(id)).status).toBe('sent')
  })

  it('waits as long as a 429 Retry-After says, without counting it as an attempt', async () => {
    const [id] = await enqueue(1)
    fake.failNext(1, { status: 429, retryAfter: 7 })
    await sendDueEmails({ now: () => T0, config })
    const waiting = await row(id)
    expect(waiting.status).toBe('pending')
    expect(waiting.attempts).toBe(0)
    expect(waiting.nextAttemptAt).toBe(T0 + 7000)
    expect(waiting.lastError).toContain('429')

    // A second mail that comes due meanwhile waits too: the limit is the account's.
    await enqueue(1, T0 + 2000)
    expect((await sendDueEmails({ now: () => T0 + 6000, config })).calls).toBe(0)
    expect(fake.requests).toHaveLength(1)

    await drain(T0 + 7000)
    expect((await row(id)).status).toBe('sent')
    expect(fake.emails).toHaveLength(2)
  })

  it('backs off exponentially with jitter on 5xx and resends under the same key', async () => {
    const ids = await enqueue(3)
    fake.failNext(1, { status: 500 })
    await sendDueEmails({ now: () => T0, config })
    const first = await row(ids[0])
    expect(first.status).toBe('pending')
    expect(first.attempts).toBe(1)
    expect(first.nextAttemptAt).toBeGreaterThanOrEqual(T0 + 24_000)
    expect(first.nextAttemptAt).toBeLessThanOrEqual(T0 + 36_000)

    fake.failNext(1, { status: 503 })
    await sendDueEmails({ now: () => first.nextAttemptAt, config })
    const second = await row(ids[0])
    expect(second.attempts).toBe(2)
    // The second wait is about twice the first (60 s ± 20%).
    expect(second.nextAttemptAt - first.nextAttemptAt).toBeGreaterThanOrEqual(48_000)
    expect(second.nextAttemptAt - first.nextAttemptAt).toBeLessThanOrEqual(72_000)

    await drain(second.nextAttemptAt)
    expect(await statuses()).toEqual({ sent: 3 })
    const keys = fake.requests.map((request) => request.idempotencyKey)
    expect(new Set(keys)).toEqual(new Set([idempotencyKeyFor(ids)]))
    expect(fake.emails).toHaveLength(3)
  })

  it('marks a mail failed, with the reason, after the last attempt', async () => {
    const [id] = await enqueue(1)
    fake.failNext(MAX_ATTEMPTS, { status: 500 })
    let at = T0
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await sendDueEmails({ now: () => at, config })
      at = (await row(id)).nextAttemptAt
    }
    const failed = await row(id)
    expect(failed.status).toBe('failed')
    expect(failed.attempts).toBe(MAX_ATTEMPTS)
    expect(failed.lastError).toMatch(/gave up after 8 attempts.*500/)
    await drain(at + 24 * 3600_000)
    expect(fake.requests).toHaveLength(MAX_ATTEMPTS)
    expect(fake.emails).toHaveLength(0)
  })

  it('keeps mail as captured, sending nothing, without an API key', async () => {
    const ids = await enqueue(2)
    await drain(T0, { ...config, apiKey: undefined })
    expect(fake.requests).toHaveLength(0)
    expect((await row(ids[0])).status).toBe('captured')
    expect(await statuses()).toEqual({ captured: 2 })
  })

  it('never sends a cancelled mail', async () => {
    const ids = await enqueue(3)
    await getDb().run(
      sql`update email_outbox set status = 'cancelled', last_error = 'unsubscribed' where id = ${ids[1]}`,
    )
    await drain(T0)
    const sentIds = fake.emails.map((email) => fake.tag(email, 'outbox_id'))
    expect(sentIds.sort()).toEqual([ids[0], ids[2]].sort())
    expect((await row(ids[1])).status).toBe('cancelled')
  })

  it('sends each mail of a batch the API refused on its own, and fails only the bad one', async () => {
    const ids = await enqueue(3, T0, { to: (index) => (index === 1 ? '' : `person${index}@example.com`) })
    await drain(T0)
    expect(fake.requests[0]).toMatchObject({ path: '/emails/batch', status: 422 })
    expect((await row(ids[0])).status).toBe('sent')
    expect((await row(ids[2])).status).toBe('sent')
    const bad = await row(ids[1])
    expect(bad.status).toBe('failed')
    expect(bad.lastError).toContain('validation_error')
    expect(fake.emails).toHaveLength(2)
  })

  it('takes over a claim whose sender died, as the same call under the same key', async () => {
    const ids = await enqueue(3)
    fake.setDelay(200)
    // The first sender's call reaches Resend; it "dies" before it hears back (its answer is ignored here).
    const abandoned = sendDueEmails({ now: () => T0, config })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(fake.emails).toHaveLength(3)
    await getDb().run(sql`update email_outbox set lease_until = ${T0} where status = 'sending'`)
    // The lease ran out: another sender takes the same group.
    await drain(T0 + 60_000)
    await abandoned
    expect(fake.requests.filter((request) => request.path === '/emails/batch')).toHaveLength(2)
    expect(fake.requests[1].replayed).toBe(true)
    expect(new Set(fake.requests.map((request) => request.idempotencyKey)).size).toBe(1)
    expect(fake.emails).toHaveLength(3)
    expect(await statuses()).toEqual({ sent: 3 })
    expect((await row(ids[0])).providerMessageId).toBe(
      fake.emails.find((email) => fake.tag(email, 'outbox_id') === ids[0])!.id,
    )
  })

  it('lets an admin put a failed mail back in line, audited, and then sends it', async () => {
    const [id] = await enqueue(1)
    await getDb().run(
      sql`update email_outbox set status = 'failed', attempts = ${MAX_ATTEMPTS}, last_error = '500 internal_server_error' where id = ${id}`,
    )
    expect(await retryOutboxEmail(id, { label: 'test admin' }, T0)).toEqual({ ok: true })
    const back = await row(id)
    expect(back).toMatchObject({ status: 'pending', attempts: 0, lastError: null })
    const audit = await firstRow<{ action: string; targetId: string }>(
      getDb(),
      sql`select action, target_id as targetId from audit_log where action = 'outbox.retry' order by id desc limit 1`,
    )
    expect(audit).toEqual({ action: 'outbox.retry', targetId: id })
    await drain(T0)
    expect((await row(id)).status).toBe('sent')
    expect(fake.requests[0].idempotencyKey).toBe(id)
    // Only failed mail can be retried.
    expect(await retryOutboxEmail(id, { label: 'test admin' })).toEqual({ ok: false, reason: 'not_failed' })
    expect(await retryOutboxEmail('missing', { label: 'test admin' })).toEqual({ ok: false, reason: 'not_found' })
  })
})
