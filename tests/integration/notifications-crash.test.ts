// The sender dies in the middle of a batch (kill -9 while Resend is answering slowly), the server
// starts again on the same database: every mail reaches Resend exactly once per idempotency key, and
// none is lost. Resend (the fake) has done the work of a call when the sender dies; the restarted
// sender takes the orphaned claim over after its lease and makes the same call with the same key.
import { execFileSync } from 'node:child_process'
import { createClient, type Client } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeResend, type FakeResend } from '../fake-resend'
import { startServer, tempDatabaseUrl, type RunningServer } from '../helpers/server'

const MAILS = 250

let fake: FakeResend
let client: Client | undefined
const servers: RunningServer[] = []

beforeAll(async () => {
  fake = await startFakeResend()
})
afterAll(async () => {
  for (const server of servers)
    if (server.process.exitCode === null && server.process.signalCode === null) await crash(server)
  client?.close()
  await fake.close()
})

/** A process and everything it started: `tsx server.ts` runs the server in a child process of its own. */
function processTree(pid: number): number[] {
  let children: number[] = []
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0)
  } catch {
    // no children
  }
  return [pid, ...children.flatMap(processTree)]
}

/** kill -9, the server process itself first: no shutdown handler runs, nothing is settled. */
async function crash(server: RunningServer) {
  const exited = new Promise((resolve) => server.process.once('exit', resolve))
  for (const pid of processTree(server.process.pid!).reverse()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  await exited
}

async function waitFor<T>(what: string, check: () => Promise<T | false> | T | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function statusCounts() {
  const result = await client!.execute('select status, count(*) as n from email_outbox group by status')
  return Object.fromEntries(result.rows.map((row) => [String(row.status), Number(row.n)]))
}

describe('the sender killed in the middle of a batch', () => {
  it('delivers every mail exactly once per idempotency key after a restart', { timeout: 150_000 }, async () => {
    const databaseUrl = tempDatabaseUrl('inquest-crash-')
    const env = {
      DATABASE_URL: databaseUrl,
      SEED_DEMO: 'false',
      RESEND_API_KEY: 're_crash_test',
      RESEND_BASE_URL: fake.url,
      EMAIL_FROM: 'Inquest <inquest@example.com>',
    }
    const first = await startServer(env)
    servers.push(first)
    client = createClient({ url: databaseUrl })
    await client.execute('PRAGMA busy_timeout = 5000')

    // Resend answers slowly: the kill lands while a batch call waits for its answer.
    fake.setDelay(3000)
    const now = Date.now()
    const rows = Array.from({ length: MAILS }, (_, index) => [
      `crash-${String(index).padStart(3, '0')}`,
      `person${index}@example.com`,
      `Mail ${index}`,
    ])
    await client.execute({
      sql: `insert into email_outbox (id, to_address, category, template, subject, html, text, headers, status, attempts, next_attempt_at, created_at, updated_at)
        select value ->> 0, value ->> 1, 'comment', 'test', value ->> 2, '<p>' || (value ->> 2) || '</p>', value ->> 2,
          '{"List-Unsubscribe":"<http://localhost/unsubscribe/x>"}', 'pending', 0, ?, ?, ? from json_each(?)`,
      args: [now, now, now, JSON.stringify(rows)],
    })

    await waitFor('the first batch call', () => fake.requests.length >= 1 || false, 30_000)
    await crash(first)
    const atKill = await statusCounts()
    // Claimed and in flight (or claimed and not yet tried), and some still waiting.
    expect(atKill.sending).toBeGreaterThan(0)
    expect(atKill.sent ?? 0).toBeLessThan(MAILS)
    const acceptedBeforeKill = fake.emails.length
    expect(acceptedBeforeKill).toBeGreaterThan(0)

    fake.setDelay(100)
    const second = await startServer(env)
    servers.push(second)
    // The orphaned claims come back once their lease (30 s) has run out.
    await waitFor('every mail sent', async () => ((await statusCounts()).sent === MAILS ? true : false), 90_000)
    await second.stop()

    const byOutboxId = new Map<string, number>()
    for (const email of fake.emails) {
      const id = fake.tag(email, 'outbox_id')!
      byOutboxId.set(id, (byOutboxId.get(id) ?? 0) + 1)
    }
    expect(byOutboxId.size).toBe(MAILS)
    expect([...byOutboxId.values()].every((count) => count === 1)).toBe(true)
    for (const [id] of rows) expect(byOutboxId.get(id as string)).toBe(1)

    // The call that was in flight at the kill was made again with the same key and body, and replayed.
    const keys = new Map<string, string>()
    let replays = 0
    for (const request of fake.requests) {
      const body = JSON.stringify(request.body)
      if (keys.has(request.idempotencyKey!)) {
        expect(keys.get(request.idempotencyKey!)).toBe(body)
        expect(request.replayed).toBe(true)
        replays++
      } else keys.set(request.idempotencyKey!, body)
    }
    expect(replays).toBeGreaterThanOrEqual(1)
    // Every accepted mail belongs to exactly one key.
    expect(new Set(fake.emails.map((email) => email.idempotencyKey)).size).toBe(keys.size)

    const providerIds = await client.execute(
      `select count(*) as n from email_outbox where status = 'sent' and provider_message_id is not null`,
    )
    expect(Number(providerIds.rows[0].n)).toBe(MAILS)
  })
})
