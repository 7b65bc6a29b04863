// Starts the real server (tsx server.ts, the built Remix app) on a free loopback port with its own database.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface RunningServer {
  url: string
  port: string
  databaseUrl: string
  process: ChildProcess
  output: () => string
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export function tempDatabaseUrl(prefix = 'inquest-server-') {
  return `file:${path.join(mkdtempSync(path.join(tmpdir(), prefix)), 'inquest.db')}`
}

/** Runs server.ts with the given environment; resolves once /readyz answers, rejects if it exits first. */
export async function startServer(env: Record<string, string> = {}, { waitUntilReady = true } = {}): Promise<RunningServer> {
  // A PORT given by the test is passed through as it is, valid or not.
  const port = env.PORT ?? String(await freePort())
  const databaseUrl = env.DATABASE_URL ?? tempDatabaseUrl()
  const url = `http://localhost:${port}`
  const child = spawn(path.resolve('node_modules/.bin/tsx'), ['server.ts'], {
    cwd: path.resolve('.'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      APP_URL: url,
      GIT_IMPORT_ROOT: mkdtempSync(path.join(tmpdir(), 'inquest-git-')),
      ...env,
      PORT: port,
      DATABASE_URL: databaseUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the server in a child of its own, and SIGKILL (which tsx
    // cannot relay) must reach both.
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const server: RunningServer = {
    url,
    port,
    databaseUrl,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode
      if (signal === 'SIGKILL') killGroup(child)
      else child.kill(signal)
      return exited
    },
  }
  if (!waitUntilReady) return server

  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`)
    try {
      const response = await fetch(`${url}/readyz`)
      if (response.ok) return server
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  killGroup(child)
  throw new Error(`server did not become ready:\n${output}`)
}

/** SIGKILL to tsx and the server it runs (the whole process group). */
function killGroup(child: ChildProcess) {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
}

/** Runs the server to its exit (for start-up failures) and returns its exit code and output. */
export async function runServerToExit(env: Record<string, string>) {
  const server = await startServer(env, { waitUntilReady: false })
  const code = await new Promise<number | null>((resolve) => {
    if (server.process.exitCode !== null) resolve(server.process.exitCode)
    server.process.once('exit', (exitCode) => resolve(exitCode))
    setTimeout(() => {
      killGroup(server.process)
      resolve(null)
    }, 30_000)
  })
  return { code, output: server.output() }
}

/** Logs in through the real form and returns the session cookie (name=value). */
export async function loginCookie(server: RunningServer, email: string, password = 'inquest-demo') {
  const response = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
    body: new URLSearchParams({ email, password }),
  })
  const setCookie = response.headers.get('set-cookie') ?? ''
  if (response.status !== 302 || !setCookie) throw new Error(`login as ${email} failed with ${response.status}`)
  return setCookie.split(';')[0]
}
