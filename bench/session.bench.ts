// The cost of "who is this, and may they do it?" on the real database, called in-process: every
// page and API call pays it once per loader that asks.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { progress, summarize } from './lib/stats'
import type { BenchRow } from './lib/types'

export const name = 'session'

const envNumber = (key: string, fallback: number) => {
  const value = Number(process.env[key])
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback
}

const WARMUP_CALLS = envNumber('BENCH_SESSION_WARMUP', 1000)
const CALLS = envNumber('BENCH_SESSION_CALLS', 5000)
/** The target from the issue: deciding who is acting costs under 1 ms at p99. */
const P99_TARGET_US = 1000

const elapsedMicros = (start: bigint) => Number(process.hrtime.bigint() - start) / 1000

export async function run(): Promise<BenchRow[]> {
  // The app reads its environment once, on first use: set it before anything imports app modules.
  const dir = mkdtempSync(path.join(tmpdir(), 'inquest-bench-session-'))
  const databaseUrl = `file:${path.join(dir, 'session.db')}`
  process.env.DATABASE_URL = databaseUrl
  process.env.NODE_ENV = 'test'
  process.env.LOG_LEVEL = 'silent'
  for (const key of ['DATABASE_AUTH_TOKEN', 'DATABASE_SYNC_URL', 'DATABASE_ENCRYPTION_KEY']) delete process.env[key]

  const { closeDatabase, configureDatabase, getClient, getDb } = await import('../app/db.server')
  const { migrateDatabase } = await import('../db/migrate')
  const { createUser } = await import('../app/auth/users.server')
  const { createSession, sessionCookieName } = await import('../app/auth/session.server')
  const { createApiToken } = await import('../app/auth/api-tokens.server')
  const { actorCan, getOptionalActor } = await import('../app/auth/require.server')
  const { sha256Hex } = await import('../app/utils/crypto.server')

  try {
    await configureDatabase(getClient(), databaseUrl)
    await migrateDatabase(getDb())
    // No password: argon2 is the login's cost, not this one's.
    const user = await createUser({ email: 'bench@example.com', name: 'Bench Engineer', role: 'engineer' })
    const { sessionId } = await createSession(user.id, { ip: '127.0.0.1', userAgent: 'bench' })
    const cookie = `${sessionCookieName()}=${sessionId}`
    const sessionHash = sha256Hex(sessionId)
    const { token } = await createApiToken(
      { userId: user.id, name: 'bench', scope: 'read+write', days: 30 },
      { userId: user.id },
    )

    const cases = [
      {
        case: 'session cookie → actor + can',
        call: async () => {
          const actor = await getOptionalActor(new Request('http://localhost/', { headers: { cookie } }))
          if (!actor || actor.via !== 'session' || !actorCan(actor, 'investigation:write'))
            throw new Error('session: no actor, or it may not write')
        },
        target: true,
      },
      {
        case: 'API token → actor + can',
        call: async () => {
          const actor = await getOptionalActor(
            new Request('http://localhost/api/v1/', { headers: { authorization: `Bearer ${token}` } }),
          )
          if (!actor || actor.via !== 'token' || !actorCan(actor, 'investigation:write'))
            throw new Error('token: no actor, or it may not write')
        },
        target: true,
      },
      {
        // One round trip to the embedded database: the floor under any query.
        case: 'db SELECT 1 (floor)',
        call: async () => {
          await getClient().execute('SELECT 1')
        },
        target: false,
      },
      {
        // One indexed read, raw client, no ORM: the session path makes two of these through Drizzle.
        case: 'db read 1 row by key (floor)',
        call: async () => {
          const result = await getClient().execute({ sql: 'SELECT * FROM sessions WHERE id = ?', args: [sessionHash] })
          if (result.rows.length !== 1) throw new Error('floor: the session row is missing')
        },
        target: false,
      },
    ]

    progress(`session: ${WARMUP_CALLS} warm-up calls, then ${CALLS} timed calls of each case, interleaved`)
    for (let i = 0; i < WARMUP_CALLS; i++) for (const item of cases) await item.call()

    // Interleaved call by call, so that noise from the rest of the machine lands on every case alike.
    // Wall time is the figure; the process's CPU time per call (user + system, µs resolution) is
    // kept beside it because it leaves out the time this process waited for a core, so a p99 that
    // is far above its CPU p99 is the machine's noise, not the code's cost.
    const samples = cases.map(() => [] as number[])
    const cpuSamples = cases.map(() => [] as number[])
    for (let i = 0; i < CALLS; i++) {
      for (let c = 0; c < cases.length; c++) {
        const cpu = process.cpuUsage()
        const start = process.hrtime.bigint()
        await cases[c].call()
        samples[c].push(elapsedMicros(start))
        const used = process.cpuUsage(cpu)
        cpuSamples[c].push(used.user + used.system)
      }
    }

    const keyRead = summarize(samples[cases.length - 1])
    return cases.map((item, index) => {
      const stats = summarize(samples[index])
      const cpu = summarize(cpuSamples[index])
      const notes = [`cpu p50 ${Math.round(cpu.p50)} p99 ${Math.round(cpu.p99)}`]
      if (item.target) notes.push(`mean = ${(stats.mean / keyRead.mean).toFixed(1)}× key read`)
      return {
        case: item.case,
        p50: stats.p50,
        p99: stats.p99,
        mean: stats.mean,
        unit: 'µs',
        n: stats.n,
        check: item.target ? (stats.p99 < P99_TARGET_US ? 'ok: p99 < 1 ms' : 'MISSED: p99 < 1 ms') : undefined,
        note: notes.join(' · '),
      } satisfies BenchRow
    })
  } finally {
    closeDatabase()
    rmSync(dir, { recursive: true, force: true })
  }
}
