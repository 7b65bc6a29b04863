// Requests per second and latency of whole pages over loopback HTTP, against the real server.
// Every figure that matters is a ratio to the login page, measured in the same run.
import autocannon, { type Result } from 'autocannon'
import type { Role } from '../app/auth/permissions'
import { loginAs, startServer, type BenchServer } from './lib/server'
import { progress, summarize } from './lib/stats'
import type { BenchRow } from './lib/types'
import { seedInvestigations } from './seed-investigations'

export const name = 'pages'

const envNumber = (key: string, fallback: number) => {
  const value = Number(process.env[key])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

export interface PageTarget {
  name: string
  path: string
  /** Whose session cookie to send (logged in through the real form); null for anonymous. */
  as: Role | null
  /** The status every response must have. Default 200. */
  expect?: number
  /** The row the ratios are computed against (exactly one). */
  baseline?: true
  /** Shown in the row's note. */
  note?: string
}

// The investigation pages are measured over a workspace of this many (bench/seed-investigations.ts).
const INVESTIGATIONS = envNumber('BENCH_INVESTIGATIONS', 10_000)
const many = `${INVESTIGATIONS.toLocaleString('en')} investigations`

/** Add a page here to measure it. */
export const targets: PageTarget[] = [
  { name: 'GET /healthz', path: '/healthz', as: null },
  { name: 'GET /login (anonymous)', path: '/login', as: null, baseline: true },
  { name: 'GET / dashboard (engineer)', path: '/', as: 'engineer', note: `owns or watches ~1,100 of ${many}` },
  {
    name: 'GET /investigations (engineer)',
    path: '/investigations',
    as: 'engineer',
    note: `first page (25 rows), ${many}`,
  },
  {
    name: 'GET /investigations?q=checkout timeout',
    path: '/investigations?q=checkout+timeout',
    as: 'engineer',
    note: `full-text, titles + descriptions + notes, ${many}`,
  },
]

// 10 connections keep the one server process busy without queueing much; the load generator
// (this process) gets the other core.
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10)
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2)
// Each target runs in ROUNDS slices of SLICE_SECONDS, the targets taking turns in a rotating order,
// so that a burst of noise from the rest of the machine hits every target alike.
const ROUNDS = envNumber('BENCH_ROUNDS', 8)
const SLICE_SECONDS = envNumber('BENCH_SLICE_SECONDS', 1.25)

interface Tally {
  latencies: number[]
  statuses: Map<number, number>
  errors: number
  timeouts: number
  seconds: number
}

function fire(url: string, headers: Record<string, string>, seconds: number, tally?: Tally): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, headers, connections: CONNECTIONS, duration: seconds, timeout: 10 },
      (error, result) => {
        if (error) reject(error)
        else resolve(result)
      },
    )
    if (tally) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        tally.latencies.push(responseTime)
        tally.statuses.set(statusCode, (tally.statuses.get(statusCode) ?? 0) + 1)
      })
    }
  })
}

/** One request before the load, so a wrong cookie or a broken page fails with a readable reason. */
async function probe(server: BenchServer, target: PageTarget, headers: Record<string, string>) {
  const expected = target.expect ?? 200
  const response = await fetch(server.baseUrl + target.path, { headers, redirect: 'manual' })
  await response.arrayBuffer()
  if (response.status !== expected) {
    const location = response.headers.get('location')
    const hint = !location?.startsWith('/login')
      ? ''
      : target.as
        ? ' (a redirect to /login: the session cookie was refused)'
        : ' (a redirect to /login: the page needs a login; set `as`)'
    throw new Error(
      `${target.name}: expected ${expected}, got ${response.status}${location ? ` to ${location}` : ''}${hint}\nServer log:\n${server.logTail()}`,
    )
  }
}

function describeStatuses(statuses: Map<number, number>) {
  return [...statuses].map(([status, count]) => `${status}×${count}`).join(', ')
}

export async function run(): Promise<BenchRow[]> {
  const baseline = targets.filter((target) => target.baseline)
  if (baseline.length !== 1) throw new Error('pages: exactly one target must be the baseline')

  const server = await startServer()
  try {
    const seeded = await seedInvestigations(server.databaseUrl, { count: INVESTIGATIONS })
    progress(
      `pages: seeded ${seeded.investigations} investigations, ${seeded.notes} notes, ${seeded.watchers} watchers, ` +
        `${seeded.activity} activity rows in ${Math.round(seeded.ms)} ms`,
    )
    const cookies = new Map<Role, string>()
    for (const role of new Set(targets.flatMap((target) => (target.as ? [target.as] : [])))) {
      cookies.set(role, await loginAs(server, role))
    }
    const headersOf = (target: PageTarget): Record<string, string> =>
      target.as ? { cookie: cookies.get(target.as) as string } : {}

    for (const target of targets) await probe(server, target, headersOf(target))

    progress(`pages: warming up ${targets.length} targets, ${WARMUP_SECONDS} s each`)
    for (const target of targets) await fire(server.baseUrl + target.path, headersOf(target), WARMUP_SECONDS)

    const tallies = new Map<PageTarget, Tally>(
      targets.map((target) => [target, { latencies: [], statuses: new Map(), errors: 0, timeouts: 0, seconds: 0 }]),
    )
    for (let round = 0; round < ROUNDS; round++) {
      const order = targets.map((_, index) => targets[(index + round) % targets.length])
      progress(`pages: round ${round + 1}/${ROUNDS}: ${order.map((target) => target.name).join(' → ')}`)
      for (const target of order) {
        const tally = tallies.get(target) as Tally
        const result = await fire(server.baseUrl + target.path, headersOf(target), SLICE_SECONDS, tally)
        tally.errors += result.errors
        tally.timeouts += result.timeouts
        tally.seconds += result.duration
      }
    }

    const problems: string[] = []
    for (const [target, tally] of tallies) {
      const expected = target.expect ?? 200
      const wrong = [...tally.statuses].filter(([status]) => status !== expected)
      if (wrong.length || tally.errors || tally.timeouts || tally.latencies.length === 0) {
        const redirected =
          target.as && tally.statuses.has(302) ? ' (302s on a logged-in page: the session cookie was refused)' : ''
        problems.push(
          `${target.name}: expected ${expected} for every response; got ${describeStatuses(tally.statuses) || 'no responses'}, ` +
            `${tally.errors} connection errors, ${tally.timeouts} timeouts${redirected}`,
        )
      }
    }
    if (problems.length)
      throw new Error(
        `pages: responses were not what the run expects:\n  ${problems.join('\n  ')}\nServer log:\n${server.logTail()}`,
      )

    const rate = (target: PageTarget) => {
      const tally = tallies.get(target) as Tally
      return tally.latencies.length / tally.seconds
    }
    const baselineRate = rate(baseline[0])
    return targets.map((target) => {
      const tally = tallies.get(target) as Tally
      const stats = summarize(tally.latencies)
      return {
        case: target.name,
        reqPerSec: rate(target),
        ratio: rate(target) / baselineRate,
        p50: stats.p50,
        p99: stats.p99,
        mean: stats.mean,
        unit: 'ms',
        n: stats.n,
        check: `all ${target.expect ?? 200}`,
        note: target.baseline ? 'baseline' : target.note,
      } satisfies BenchRow
    })
  } finally {
    await server.stop()
  }
}
