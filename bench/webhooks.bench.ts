// Signed GitHub workflow_run deliveries against the real server: how many it accepts per second
// (202 once recorded), how fast the delivery worker turns them into CI runs, and the latency of the
// 202 while the worker runs beside the requests.
//
// Each delivery is GitHub's published workflow_run example (~19 KB) with a run id and head sha of its
// own, a unique X-GitHub-Delivery and its own X-Hub-Signature-256. Rows: GET /healthz on the same server
// first (express alone: the figures below are a fraction of it, × base), then the 202s (accepted/s,
// p50/p99 as the load generator saw them with BENCH_CONNECTIONS in flight), then processed/s: every
// accepted delivery, divided by the time from the first request until no delivery was waiting. The
// run fails if any answer is not 202, or a delivery is not processed into exactly one CI run.
// Targets (from the issue): 1,000/s accepted and processed, p99 of the 202 under 20 ms.
import { createHmac, randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { createClient, type Client } from '@libsql/client'
import { sign } from '@octokit/webhooks-methods'
import autocannon from 'autocannon'
import { openLoop, type OpenLoopRequest } from './lib/open-loop'
import { loginAs, startServer, type BenchServer } from './lib/server'
import { progress, summarize } from './lib/stats'
import type { BenchRow } from './lib/types'

// What this benchmark uses of autocannon beyond bench/lib/autocannon.d.ts: a request made anew for
// every send (a unique delivery id, a body and its signature).
declare module 'autocannon' {
  interface Options {
    requests?: Array<{ setupRequest?: (request: RawRequest) => RawRequest }>
  }
  interface RawRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }
}

export const name = 'webhooks'

const envNumber = (key: string, fallback: number) => {
  const value = Number(process.env[key])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10)
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2)
const SECONDS = envNumber('BENCH_WEBHOOK_SECONDS', 10)
/** The targets from the issue. */
const TARGET_PER_SECOND = 1000
const TARGET_P99_MS = 20
const DRAIN_TIMEOUT_MS = 120_000
const BASELINE_SECONDS = 3

const require = createRequire(import.meta.url)

/** GitHub's published example of a completed workflow_run (@octokit/webhooks-examples), ~19 KB. */
function workflowRunTemplate(): Record<string, unknown> {
  const definitions = require('@octokit/webhooks-examples') as Array<{ name: string; examples: Array<Record<string, unknown>> }>
  const example = definitions
    .find((definition) => definition.name === 'workflow_run')!
    .examples.find((candidate) => candidate.action === 'completed' && (candidate.workflow_run as { status: string }).status === 'completed')!
  return structuredClone(example)
}

/**
 * Bodies that differ in the run id and the commit: each delivery is a run of its own on a commit of
 * its own, as in real traffic, where a commit gets a run per workflow (and a new attempt for a
 * re-run), never thousands of runs of one workflow.
 */
function bodyMaker(externalName: string) {
  const template = workflowRunTemplate()
  const run = template.workflow_run as Record<string, unknown>
  const sha = String(run.head_sha)
  run.id = RUN_ID_PLACEHOLDER
  ;(template.repository as Record<string, unknown>).full_name = externalName
  const parts = JSON.stringify(template).split(sha).map((part) => part.split(String(RUN_ID_PLACEHOLDER)))
  if (parts.length < 2 || parts.flat().length !== parts.length + 1) throw new Error('webhooks: the run id or the head sha is not where the payload should have it')
  let next = 1
  return () => {
    const id = next++
    const commit = id.toString(16).padStart(40, 'c')
    return parts.map((pieces) => pieces.join(String(id))).join(commit)
  }
}

const RUN_ID_PLACEHOLDER = 987654321987

interface Phase {
  latencies: number[]
  statuses: Map<number, number>
  seconds: number
  errors: number
}

function fire(server: BenchServer, secret: string, makeBody: () => string, seconds: number, phase?: Phase): Promise<void> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${server.baseUrl}/webhooks/github`,
        method: 'POST',
        connections: CONNECTIONS,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            setupRequest(request) {
              const signed = signedRequest(secret, makeBody())
              request.method = signed.method
              request.body = signed.body
              request.headers = signed.headers
              return request
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error)
        if (phase) {
          phase.seconds += result.duration
          phase.errors += result.errors + result.timeouts
        }
        resolve()
      },
    )
    if (phase) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        phase.latencies.push(responseTime)
        phase.statuses.set(statusCode, (phase.statuses.get(statusCode) ?? 0) + 1)
      })
    }
  })
}

/** GitHub's X-Hub-Signature-256 (checked against Octokit's reference `sign` before the run). */
const signSync = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

async function registerRepository(server: BenchServer, externalName: string) {
  const cookie = await loginAs(server, 'admin')
  const response = await fetch(`${server.origin}/api/v1/repositories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ name: 'bench', provider: 'github', externalName }),
  })
  if (response.status !== 201) throw new Error(`webhooks: registering the repository answered ${response.status}: ${await response.text()}\n${server.logTail()}`)
  return ((await response.json()) as { secret: string }).secret
}

export async function run(): Promise<BenchRow[]> {
  const server = await startServer()
  const db = createClient({ url: server.databaseUrl })
  try {
    const externalName = 'bench-org/bench-repo'
    const secret = await registerRepository(server, externalName)
    const makeBody = bodyMaker(externalName)

    // Our HMAC and Octokit's must agree, or the benchmark measures 401s.
    const probeBody = makeBody()
    if (signSync(secret, probeBody) !== (await sign(secret, probeBody))) throw new Error('webhooks: signatures disagree with @octokit/webhooks-methods')
    const probe = await fetch(`${server.baseUrl}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signSync(secret, probeBody) },
      body: probeBody,
    })
    if (probe.status !== 202) throw new Error(`webhooks: a signed delivery answered ${probe.status}: ${await probe.text()}\n${server.logTail()}`)

    // Express alone on the same server and machine: what the webhook figures are a fraction of.
    progress(`webhooks: GET /healthz for ${BASELINE_SECONDS} s (baseline)`)
    const baseline = await healthz(server)
    // The same schedule against express alone: the floor that the load generator and HTTP set.
    progress(`webhooks: GET /healthz at ${TARGET_PER_SECOND}/s on a schedule for ${BASELINE_SECONDS} s (baseline)`)
    const scheduledHealthz = await openLoop({
      baseUrl: server.baseUrl,
      rate: TARGET_PER_SECOND,
      seconds: BASELINE_SECONDS,
      makeRequest: () => ({ method: 'GET', path: '/healthz', headers: {}, body: '' }),
    })
    const scheduledHealthzStats = summarize(scheduledHealthz.latencies)

    progress(`webhooks: warming up for ${WARMUP_SECONDS} s`)
    await fire(server, secret, makeBody, WARMUP_SECONDS)
    await settle(db, server)

    // Saturation: as many deliveries as 10 connections get answered, the worker processing beside them.
    const saturation = await measure(db, server, `${SECONDS} s of signed workflow_run deliveries, ${CONNECTIONS} connections`, async () => {
      const phase: Phase = { latencies: [], statuses: new Map(), seconds: 0, errors: 0 }
      await fire(server, secret, makeBody, SECONDS, phase)
      return { ...phase, inFlight: CONNECTIONS }
    })
    await settle(db, server)

    // The target rate, sent on a schedule: what a sender sees while the server takes 1,000 a second.
    const steady = await measure(db, server, `${SECONDS} s at ${TARGET_PER_SECOND} deliveries/s on a schedule (open loop)`, async () => {
      const result = await openLoop({ baseUrl: server.baseUrl, rate: TARGET_PER_SECOND, seconds: SECONDS, makeRequest: () => signedRequest(secret, makeBody()) })
      return { ...result, seconds: SECONDS, inFlight: 0, sendLag: result.worstSendLagMs }
    })

    const saturationStats = summarize(saturation.latencies)
    const steadyStats = summarize(steady.latencies)
    const acceptedPerSecond = saturation.accepted / saturation.seconds
    const capacity = [
      acceptedPerSecond < TARGET_PER_SECOND ? `accepted < ${TARGET_PER_SECOND}/s` : null,
      saturation.processedPerSecond < TARGET_PER_SECOND ? `processed < ${TARGET_PER_SECOND}/s` : null,
    ].filter(Boolean)
    const steadyMisses = [
      steady.processedPerSecond < TARGET_PER_SECOND * 0.98 ? `processed < ${TARGET_PER_SECOND}/s` : null,
      steadyStats.p99 >= TARGET_P99_MS ? `p99 ≥ ${TARGET_P99_MS} ms` : null,
    ].filter(Boolean)
    const verdict = (misses: unknown[]) => (misses.length ? `MISSED: ${misses.join(', ')}` : 'ok')
    return [
      {
        case: 'GET /healthz (same server)',
        reqPerSec: baseline.rate,
        ratio: 1,
        p50: baseline.p50,
        p99: baseline.p99,
        mean: baseline.mean,
        unit: 'ms',
        n: baseline.n,
        note: 'baseline: express alone',
      },
      {
        case: `GET /healthz, ${TARGET_PER_SECOND}/s`,
        reqPerSec: scheduledHealthz.ratePerSecond,
        ratio: scheduledHealthz.ratePerSecond / baseline.rate,
        p50: scheduledHealthzStats.p50,
        p99: scheduledHealthzStats.p99,
        mean: scheduledHealthzStats.mean,
        unit: 'ms',
        n: scheduledHealthzStats.n,
        note: `baseline for the scheduled run below: express alone, latency from when each request was due; sender at worst ${scheduledHealthz.worstSendLagMs.toFixed(1)} ms behind`,
      },
      {
        case: 'POST /webhooks/github workflow_run → 202, saturated',
        reqPerSec: acceptedPerSecond,
        ratio: acceptedPerSecond / baseline.rate,
        p50: saturationStats.p50,
        p99: saturationStats.p99,
        mean: saturationStats.mean,
        unit: 'ms',
        n: saturationStats.n,
        check: verdict(capacity),
        note: `accepted/s with ${CONNECTIONS} connections each sending when answered; worker ran alongside; ${saturation.backlog} waiting when the load stopped`,
      },
      {
        case: 'workflow_run deliveries processed into CI runs, saturated',
        reqPerSec: saturation.processedPerSecond,
        ratio: saturation.processedPerSecond / baseline.rate,
        n: saturation.stored,
        check: verdict(capacity),
        note: `processed/s from the first request until the queue was empty (${saturation.drainSeconds.toFixed(1)} s after the load)`,
      },
      {
        case: `POST /webhooks/github workflow_run → 202, ${TARGET_PER_SECOND}/s`,
        reqPerSec: steady.processedPerSecond,
        ratio: steady.processedPerSecond / baseline.rate,
        p50: steadyStats.p50,
        p99: steadyStats.p99,
        mean: steadyStats.mean,
        unit: 'ms',
        n: steadyStats.n,
        check: verdict(steadyMisses),
        note: `latency from when each request was due; req/s = processed/s until the queue was empty; ${steady.backlog} waiting when the load stopped; sender at worst ${steady.sendLag?.toFixed(1)} ms behind`,
      },
    ]
  } finally {
    db.close()
    await server.stop()
  }
}

interface Load {
  latencies: number[]
  statuses: Map<number, number>
  seconds: number
  errors: number
  /** Requests that may have been recorded though the generator stopped counting them. */
  inFlight: number
  sendLag?: number
  /** When the first request left, if the load made its requests before (performance.now()). */
  startedAt?: number
}

/**
 * Runs a load, waits until every delivery is processed, and checks that each 202 became exactly one
 * stored delivery and one CI run. processedPerSecond: deliveries stored ÷ the time from the first
 * request until the queue was empty.
 */
async function measure(db: Client, server: BenchServer, label: string, load: () => Promise<Load>) {
  const startRuns = await count(db, 'select count(*) as n from ci_runs')
  const startDeliveries = await count(db, 'select count(*) as n from deliveries')
  progress(`webhooks: ${label}`)
  const called = performance.now()
  const result = await load()
  const loadEnded = performance.now()
  const started = result.startedAt ?? called
  const backlog = await count(db, "select count(*) as n from deliveries where status in ('pending', 'processing')")
  progress(`webhooks: load over, ${backlog} deliveries waiting; draining`)
  await drain(db, server)
  const drained = performance.now()

  const accepted = result.statuses.get(202) ?? 0
  const wrong = [...result.statuses].filter(([status]) => status !== 202)
  if (wrong.length || result.errors) {
    throw new Error(`webhooks: expected 202 for every delivery; got ${[...result.statuses].map(([s, n]) => `${s}×${n}`).join(', ')}, ${result.errors} errors\n${server.logTail()}`)
  }
  const stored = (await count(db, 'select count(*) as n from deliveries')) - startDeliveries
  const runs = (await count(db, 'select count(*) as n from ci_runs')) - startRuns
  const failed = await count(db, "select count(*) as n from deliveries where status <> 'processed'")
  if (stored < accepted || stored > accepted + result.inFlight || runs !== stored || failed) {
    const { rows: why } = await db.execute("select status, last_error, count(*) as n from deliveries where status <> 'processed' group by 1, 2")
    const reasons = why.map((row) => `${row.n} ${row.status}: ${row.last_error ?? ''}`).join('; ')
    throw new Error(`webhooks: ${accepted} accepted, but ${stored} deliveries stored, ${runs} CI runs made, ${failed} not processed (${reasons})\n${server.logTail()}`)
  }
  return {
    ...result,
    accepted,
    stored,
    backlog,
    processedPerSecond: stored / ((drained - started) / 1000),
    drainSeconds: (drained - loadEnded) / 1000,
  }
}

function signedRequest(secret: string, body: string): OpenLoopRequest {
  return {
    method: 'POST',
    path: '/webhooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'workflow_run',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signSync(secret, body),
    },
    body,
  }
}

async function healthz(server: BenchServer) {
  const latencies: number[] = []
  const result = await new Promise<{ duration: number; non2xx: number }>((resolve, reject) => {
    const instance = autocannon({ url: `${server.baseUrl}/healthz`, connections: CONNECTIONS, duration: BASELINE_SECONDS, timeout: 10 }, (error, value) =>
      error ? reject(error) : resolve(value),
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  })
  if (result.non2xx) throw new Error(`webhooks: GET /healthz answered ${result.non2xx} times with other than 2xx`)
  return { rate: latencies.length / result.duration, ...summarize(latencies) }
}

async function count(db: Client, query: string) {
  const { rows } = await db.execute(query)
  return Number(rows[0].n)
}

/**
 * autocannon reports the end of a run with requests still in flight, and a delivery whose body has
 * arrived is recorded even if its sender stops waiting: wait until no more arrive and none is
 * waiting, so that the warm-up's stragglers do not count in the measurement.
 */
async function settle(db: Client, server: BenchServer) {
  for (let previous = -1; ; ) {
    await drain(db, server)
    const total = await count(db, 'select count(*) as n from deliveries')
    if (total === previous) return
    previous = total
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
}

async function drain(db: Client, server: BenchServer) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS
  while ((await count(db, "select count(*) as n from deliveries where status in ('pending', 'processing')")) > 0) {
    if (Date.now() > deadline) throw new Error(`webhooks: the queue did not drain within ${DRAIN_TIMEOUT_MS / 1000} s\n${server.logTail()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
