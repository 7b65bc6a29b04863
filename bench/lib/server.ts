// Starts the real server (server.ts through tsx, the same code path as `npm start`) on a free
// loopback port with a scratch database, for benchmarks that go over HTTP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Role } from '../../app/auth/permissions'
import { DEMO_PASSWORD } from '../../db/seed-accounts'
import { progress } from './stats'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BUILD_INDEX = path.join(ROOT, 'build', 'index.js')
/** What the server build is made from; a newer file here means build/ is stale. */
const BUILD_INPUTS = ['app', 'db', 'remix.config.js', 'tailwind.config.ts', 'postcss.config.js']
const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000
const LOG_TAIL_LINES = 200

export interface BenchServer {
  /** http://localhost:PORT: the APP_URL, and the Origin a same-site form post carries. */
  origin: string
  /** http://127.0.0.1:PORT: where to send requests (no name lookup in the hot loop). */
  baseUrl: string
  port: number
  databaseUrl: string
  /** The last lines the server wrote, for error messages. */
  logTail(): string
  stop(): Promise<void>
}

function newestMtime(entry: string): number {
  const stat = statSync(entry, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return /\.test\.tsx?$/.test(entry) ? 0 : stat.mtimeMs
  let newest = 0
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)))
  return newest
}

/**
 * Builds the app when build/index.js is missing, or (BENCH_BUILD=auto, the default) older than its
 * sources: measuring a stale build would measure code that is no longer in the tree.
 * BENCH_BUILD=always rebuilds every run; BENCH_BUILD=never builds only when missing.
 */
export function ensureBuild() {
  const mode = process.env.BENCH_BUILD ?? 'auto'
  let reason: string | undefined
  if (!existsSync(BUILD_INDEX)) reason = 'no build/index.js'
  else if (mode === 'always') reason = 'BENCH_BUILD=always'
  else if (mode !== 'never') {
    const built = statSync(BUILD_INDEX).mtimeMs
    const sources = Math.max(...BUILD_INPUTS.map((entry) => newestMtime(path.join(ROOT, entry))))
    if (sources > built) reason = 'sources are newer than build/index.js'
  }
  if (!reason) return
  progress(`building the app (${reason}): npx remix build`)
  const result = spawnSync('npx', ['remix', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] })
  if (result.status !== 0) throw new Error(`npx remix build failed (exit ${result.status}); see the output above`)
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/**
 * Starts `tsx server.ts` with a fresh database in a temporary directory (the server migrates it and
 * seeds the demo users), and resolves once GET /readyz answers 200.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<BenchServer> {
  ensureBuild()
  const port = await freePort()
  const dir = mkdtempSync(path.join(tmpdir(), 'inquest-bench-'))
  const databaseUrl = `file:${path.join(dir, 'bench.db')}`
  const origin = `http://localhost:${port}`
  const baseUrl = `http://127.0.0.1:${port}`
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    APP_URL: origin,
    DATABASE_URL: databaseUrl,
    GIT_IMPORT_ROOT: path.join(dir, 'git'),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  }
  // Settings of the shell that would change what is measured.
  for (const name of [
    'REMIX_DEV_ORIGIN',
    'DATABASE_AUTH_TOKEN',
    'DATABASE_SYNC_URL',
    'DATABASE_ENCRYPTION_KEY',
    'SEED_DEMO',
  ]) {
    if (!(name in extraEnv)) delete env[name]
  }

  // Measure what production runs (React's production server build, secure cookies): seed the demo
  // workspace first, since a production server never seeds.
  if (env.NODE_ENV === 'production') {
    const seeded = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/db-seed.ts'], {
      cwd: ROOT,
      env: { ...env, NODE_ENV: 'test' },
      encoding: 'utf8',
    })
    if (seeded.status !== 0) throw new Error(`seeding the bench database failed:\n${seeded.stderr}`)
    env.SESSION_SECRET ??= 'bench-session-secret-that-is-long-enough-0123456789'
    env.SECRETS_ENCRYPTION_KEY ??= 'ab'.repeat(32)
  }

  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['server.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const tail: string[] = []
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) tail.push(line)
    if (tail.length > LOG_TAIL_LINES) tail.splice(0, tail.length - LOG_TAIL_LINES)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  // If this process ends without stop() (an exception, Ctrl-C), the server must not outlive it.
  // SIGTERM, not SIGKILL: tsx relays it to the node process that runs server.ts.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
  process.on('exit', killOnExit)

  const logTail = () => tail.join('\n')
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    process.off('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        progress(`server on port ${port} did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM; killing it`)
        child.kill('SIGKILL')
        await waitForExit(child, 2000)
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop()
      throw new Error(
        `the server exited before it was ready (exit ${child.exitCode ?? child.signalCode}):\n${logTail()}`,
      )
    }
    try {
      const response = await fetch(`${baseUrl}/readyz`)
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`the server did not answer 200 on /readyz within ${READY_TIMEOUT_MS} ms:\n${logTail()}`)
    }
    await sleep(100)
  }
  return { origin, baseUrl, port, databaseUrl, logTail, stop }
}

/**
 * Logs in through the real form (POST /login) and returns the session cookie as a Cookie header
 * value, `inquest_session=...`. Fails unless the answer is a 302 that sets the session cookie.
 */
export async function login(server: BenchServer, email: string, password = DEMO_PASSWORD): Promise<string> {
  // To the APP_URL host: Remix refuses an action whose Origin does not match its Host header.
  const response = await fetch(`${server.origin}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.origin },
    body: new URLSearchParams({ email, password }).toString(),
  })
  const setCookies = response.headers.getSetCookie()
  const session = setCookies
    .map((value) => value.split(';')[0])
    .find((pair) => /^(__Host-)?inquest_session=./.test(pair))
  if (response.status !== 302 || !session) {
    const body = (await response.text()).slice(0, 300)
    throw new Error(
      `logging in as ${email} answered ${response.status} with Set-Cookie [${setCookies.map((value) => value.split('=')[0]).join(', ')}], ` +
        `expected a 302 with inquest_session. Body: ${body}\nServer log:\n${server.logTail()}`,
    )
  }
  return session
}

/** The demo user of a role (seeded by the server into its empty database). */
export function loginAs(server: BenchServer, role: Role): Promise<string> {
  return login(server, `${role}@example.com`)
}
