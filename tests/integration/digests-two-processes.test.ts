// Two processes on one database file run the digest tick at the same moment: each digest goes out
// once. Through the lease (two `digests:run` at once, two servers' schedulers) only one process
// runs a tick; without it (two bare ticks) the unique (user, period) claim still lets one win.
import { execFile, spawn } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { createClient, type Client } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeResend, type FakeResend } from '../fake-resend'
import { startServer, tempDatabaseUrl, type RunningServer } from '../helpers/server'

const run = promisify(execFile)
const TSX = path.resolve('node_modules/.bin/tsx')
const PEOPLE = 600

const clients: Client[] = []
const servers: RunningServer[] = []
let fake: FakeResend

beforeAll(async () => {
  fake = await startFakeResend()
})
afterAll(async () => {
  for (const server of servers) await server.stop()
  for (const client of clients) client.close()
  await fake.close()
})

const childEnv = (databaseUrl: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATABASE_URL: databaseUrl,
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
})

async function inquest(databaseUrl: string, ...args: string[]) {
  const { stdout } = await run(TSX, ['cli/inquest.ts', ...args], { env: childEnv(databaseUrl) })
  return stdout
}

/** A migrated database (the CLI migrates before it runs) with PEOPLE people and a pending digest notification each. */
async function seededDatabase(prefix: string, hour: number, notifiedAt: number) {
  const databaseUrl = tempDatabaseUrl(prefix)
  await inquest(databaseUrl, 'digests:run', '--at', '2000-01-03T00:00:00Z')
  const client = createClient({ url: databaseUrl })
  clients.push(client)
  await client.execute('PRAGMA busy_timeout = 5000')
  const people = Array.from({ length: PEOPLE }, (_, index) => [`${prefix}${index}`, `${prefix}${index}@example.com`])
  await client.batch(
    [
      {
        sql: `insert into users (id, email, name, role) select value ->> 0, value ->> 1, value ->> 1, 'engineer' from json_each(?)`,
        args: [JSON.stringify(people)],
      },
      {
        sql: `insert into digest_settings (user_id, frequency, weekday, hour, timezone, paused, updated_at) select value ->> 0, 'daily', 1, ?, 'UTC', 0, 0 from json_each(?)`,
        args: [hour, JSON.stringify(people)],
      },
    ],
    'write',
  )
  await notifyEveryone(client, prefix, notifiedAt)
  return { databaseUrl, client }
}

async function notifyEveryone(client: Client, prefix: string, at: number) {
  await client.execute({
    sql: `insert into notifications (user_id, event_type, delivery, status, summary, path, created_at)
      select id, 'status_changed', 'digest', 'pending', 'Grace moved #1 to identified', '/investigations/1', ? from users where id like ?`,
    args: [at, `${prefix}%`],
  })
}

/** Per person: digests of the period and mails in the outbox. */
async function perPerson(client: Client, period: string) {
  const digests = await client.execute({
    sql: `select user_id, count(*) as n from digests where period = ? group by user_id`,
    args: [period],
  })
  const mails = await client.execute(
    `select user_id, count(*) as n from email_outbox where category = 'digest' group by user_id`,
  )
  return {
    digests: digests.rows.map((row) => Number(row.n)),
    mails: mails.rows.map((row) => Number(row.n)),
  }
}

/** Runs the bare tick (no lease) in a process of its own; resolves with its result. */
function bareTick(databaseUrl: string, at: string): Promise<{ digests: number; alreadyClaimed: number }> {
  const code = `import('./app/notifications/digests.server.ts').then(async ({ runDigestTick }) => {
    const result = await runDigestTick({ now: Date.parse(${JSON.stringify(at)}), chunkSize: 20 })
    process.stdout.write(JSON.stringify(result))
    process.exit(0)
  })`
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['--eval', code], { env: childEnv(databaseUrl), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk))
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`tick exited ${code}: ${err}`)),
    )
  })
}

describe('two processes ticking at once', () => {
  it(
    'two `digests:run --now` at once: one runs the tick under the lease, each digest once',
    { timeout: 120_000 },
    async () => {
      const { databaseUrl, client } = await seededDatabase('cli-', 8, Date.parse('2026-12-01T01:00:00Z'))
      const outputs = await Promise.all([
        inquest(databaseUrl, 'digests:run', '--at', '2026-12-01T09:00:00Z'),
        inquest(databaseUrl, 'digests:run', '--at', '2026-12-01T09:00:00Z'),
      ])
      const queued = outputs.map((output) => Number(/queued (\d+) digests?/.exec(output)?.[1]))
      expect(queued.sort((a, b) => a - b)).toEqual([0, PEOPLE])
      const { digests, mails } = await perPerson(client, '2026-12-01')
      expect(digests).toHaveLength(PEOPLE)
      expect(digests.every((count) => count === 1)).toBe(true)
      expect(mails).toHaveLength(PEOPLE)
      expect(mails.every((count) => count === 1)).toBe(true)

      // Without the lease, two bare ticks race for the same periods: the (user, period) claim decides.
      await notifyEveryone(client, 'cli-', Date.parse('2026-12-02T01:00:00Z'))
      const results = await Promise.all([
        bareTick(databaseUrl, '2026-12-02T09:00:00Z'),
        bareTick(databaseUrl, '2026-12-02T09:00:00Z'),
      ])
      expect(results[0].digests + results[1].digests).toBe(PEOPLE)
      const second = await perPerson(client, '2026-12-02')
      expect(second.digests).toHaveLength(PEOPLE)
      expect(second.digests.every((count) => count === 1)).toBe(true)
      expect(second.mails.every((count) => count === 2)).toBe(true)
      const notDigested = await client.execute(`select count(*) as n from notifications where status != 'digested'`)
      expect(Number(notDigested.rows[0].n)).toBe(0)
    },
  )

  it(
    'two servers on one database file: their schedulers tick, each digest is sent once',
    { timeout: 150_000 },
    async () => {
      // Due now whatever the time of day: daily at 00:00 UTC, with something that waited since before midnight.
      const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000
      const { databaseUrl, client } = await seededDatabase('srv-', 0, midnight - 3_600_000)
      const env = {
        DATABASE_URL: databaseUrl,
        SEED_DEMO: 'false',
        RESEND_API_KEY: 're_two_servers',
        RESEND_BASE_URL: fake.url,
      }
      servers.push(...(await Promise.all([startServer(env), startServer(env)])))

      const deadline = Date.now() + 120_000
      for (;;) {
        const sent = await client.execute(`select count(*) as n from email_outbox where status = 'sent'`)
        if (Number(sent.rows[0].n) === PEOPLE) break
        if (Date.now() > deadline) throw new Error(`only ${sent.rows[0].n} of ${PEOPLE} digests were sent`)
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
      const period = new Date(midnight).toISOString().slice(0, 10)
      const { digests, mails } = await perPerson(client, period)
      expect(digests).toHaveLength(PEOPLE)
      expect(digests.every((count) => count === 1)).toBe(true)
      expect(mails.every((count) => count === 1)).toBe(true)
      const outboxIds = fake.emails.map((email) => fake.tag(email, 'outbox_id'))
      expect(outboxIds).toHaveLength(PEOPLE)
      expect(new Set(outboxIds).size).toBe(PEOPLE)
      expect(new Set(fake.emails.map((email) => email.to)).size).toBe(PEOPLE)
    },
  )
})
