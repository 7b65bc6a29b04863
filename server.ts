import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, statSync, watch } from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createRequestHandler } from '@remix-run/express'
import { broadcastDevReady, type ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express, { type NextFunction, type Request, type Response } from 'express'
import helmet from 'helmet'
import { pinoHttp } from 'pino-http'
import { parseEnv, EnvError, type Env } from './app/env.server'
import { singleton } from './app/utils/singleton.server'
import { loadEnvFile } from './app/utils/load-env-file.server'
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from './app/db-checkpoints.server'
import { tuneGarbageCollector } from './app/gc-tuning.server'
import { closeDatabase, configureDatabase, ensureDatabaseDirectory, getClient, getDb, isDatabaseReady } from './app/db.server'
import { getLogger } from './app/observability/logger.server'
import { runWithRequestContext, type RequestContext } from './app/observability/request-context.server'
import { crossSiteRefusal } from './app/auth/csrf.server'
import { migrateDatabase } from './db/migrate'
import { startBackgroundThread, type BackgroundThread } from './app/jobs/background-thread.server'
import { staticSecurityHeaders, webhookHandler, webhookProvider } from './app/connectors/webhooks/express-intake.server'
import { DEMO_PASSWORD, DEMO_USERS, seedDemoWorkspace } from './db/seed'

const ROOT = path.dirname(fileURLToPath(import.meta.url))
const BUILD_PATH = path.join(ROOT, 'build', 'index.js')
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
/** Bodies larger than this are refused with 413 before a route reads them. */
const BODY_LIMIT_BYTES = 1024 * 1024
const WEBHOOK_BODY_LIMIT_BYTES = 25 * 1024 * 1024
const DRAIN_TIMEOUT_MS = 10_000

function fail(line: string): never {
  process.stderr.write(`inquest: ${line}\n`)
  process.exit(1)
}

function loadEnv(): Env {
  try {
    return singleton('env', () => parseEnv(process.env))
  } catch (error) {
    if (error instanceof EnvError) fail(error.message)
    throw error
  }
}

function ensureBuild(env: Env) {
  if (existsSync(BUILD_PATH)) return
  if (env.NODE_ENV === 'production') fail('no build found at build/index.js; run `npm run build` first')
  getLogger().info('no build yet: building once (npm run build)')
  const remixCli = path.join(ROOT, 'node_modules', '@remix-run', 'dev', 'dist', 'cli.js')
  const result = spawnSync(process.execPath, [remixCli, 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) fail('the build failed; see the output above')
}

async function importBuild(): Promise<ServerBuild> {
  const version = statSync(BUILD_PATH).mtimeMs
  return import(`${pathToFileURL(BUILD_PATH).href}?t=${version}`)
}

async function prepareDatabase(env: Env) {
  try {
    ensureDatabaseDirectory(env.DATABASE_URL)
  } catch (error) {
    fail(`cannot create the database directory for DATABASE_URL=${env.DATABASE_URL}: ${(error as Error).message.split('\n')[0]}`)
  }
  try {
    await getClient().execute('SELECT 1')
  } catch (error) {
    fail(`cannot open the database at DATABASE_URL=${env.DATABASE_URL}: ${(error as Error).message.split('\n')[0]}`)
  }
  await configureDatabase(getClient(), env.DATABASE_URL)
  await migrateDatabase(getDb())
  if (env.NODE_ENV !== 'production' && env.SEED_DEMO) {
    if (await seedDemoWorkspace()) getLogger().info('seeded the demo workspace into an empty database')
  }
}

function requestContextMiddleware(req: Request, res: Response, next: NextFunction) {
  const context: RequestContext = {
    requestId: String(req.id),
    ip: req.ip,
    userAgent: req.get('user-agent'),
    pendingCookies: [],
  }
  res.locals.context = context
  res.locals.cspNonce = randomBytes(16).toString('base64')
  // A renewed session cookie joins the response unless the route set the session cookie itself.
  const writeHead = res.writeHead
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    const existing = ([] as string[]).concat((res.getHeader('set-cookie') as string[] | string | undefined) ?? [])
    for (const cookie of context.pendingCookies) {
      if (!existing.some((value) => value.startsWith(`${cookie.name}=`))) res.appendHeader('Set-Cookie', cookie.serialized)
    }
    return writeHead.apply(this, args)
  } as Response['writeHead']
  runWithRequestContext(context, next)
}

function bodyLimit(req: Request, res: Response, next: NextFunction) {
  // JUnit reports may be large: their route streams them, counts the bytes itself and stops at 50 MB
  // (MAX_REPORT_BYTES), which also covers chunked uploads that carry no Content-Length.
  const junitReport = /^\/api\/v1\/ci-runs\/[^/]+\/test-results\/?$/.test(req.path)
  const limit = junitReport ? 50 * 1024 * 1024 : req.path.startsWith('/webhooks/') ? WEBHOOK_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES
  const length = Number(req.get('content-length') ?? 0)
  if (length > limit) {
    res.status(413).json({ error: { code: 'payload_too_large', message: `The body is over the limit of ${limit} bytes.` } })
    return
  }
  next()
}

/** The server's request listener: webhook deliveries straight to their handler, everything else to express. */
function createApp(env: Env, getBuild: () => ServerBuild): (req: IncomingMessage, res: ServerResponse) => void {
  const logger = getLogger()
  const appOrigin = new URL(env.APP_URL).origin
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', env.TRUST_PROXY)

  const helmetOptions = {
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'", (_req: unknown, res: unknown) => `'nonce-${(res as Response).locals.cspNonce}'`],
        'connect-src': env.NODE_ENV === 'development' ? ["'self'", 'ws:'] : ["'self'"],
        'img-src': ["'self'", 'data:'],
        'upgrade-insecure-requests': env.NODE_ENV === 'production' ? [] : null,
      },
    },
    strictTransportSecurity: env.NODE_ENV === 'production',
    // With no-referrer, Chromium sends `Origin: null` on same-site form posts, which the origin check must refuse.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
  } satisfies Parameters<typeof helmet>[0]
  // Webhook deliveries are answered by the HTTP server before express sees them (see listen()).
  const webhookOptions = { logger, securityHeaders: staticSecurityHeaders(helmet({ ...helmetOptions, contentSecurityPolicy: false })) }
  const webhooks = { github: webhookHandler('github', webhookOptions), gitlab: webhookHandler('gitlab', webhookOptions) }

  app.use(
    pinoHttp({
      logger,
      genReqId(req, res) {
        const incoming = req.headers['x-request-id']
        const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID()
        res.setHeader('X-Request-Id', id)
        return id
      },
      // The user is known only once a route has authenticated, so it joins the line at the end.
      customSuccessObject: (_req, res, value) => ({ ...value, userId: (res as Response).locals?.context?.userId }),
      customErrorObject: (_req, res, _error, value) => ({ ...value, userId: (res as Response).locals?.context?.userId }),
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url?.startsWith('/build/') === true },
    }),
  )
  app.use(requestContextMiddleware)
  app.use(helmet(helmetOptions))
  app.use(compression())
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' })
  })
  app.get('/readyz', async (_req, res) => {
    const ready = await isDatabaseReady()
    res.set('Cache-Control', 'no-store').status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'database unavailable' })
  })

  app.use('/build', express.static(path.join(ROOT, 'public', 'build'), { immutable: true, maxAge: '1y' }))
  app.use(express.static(path.join(ROOT, 'public'), { maxAge: '1h' }))

  app.use(bodyLimit)
  app.use((req, res, next) => {
    const refusal = crossSiteRefusal({
      method: req.method,
      path: req.path,
      origin: req.get('origin'),
      secFetchSite: req.get('sec-fetch-site'),
      authorization: req.get('authorization'),
      appOrigin,
    })
    if (!refusal) {
      // One-click unsubscribe is proven by its token; a mail client's foreign Origin must not trip
      // Remix's own origin check on actions (a 500) now that ours has let the request through.
      if (req.path.startsWith('/unsubscribe/')) delete req.headers.origin
      return next()
    }
    req.log.warn({ refusal }, 'refused a cross-site request')
    res.status(403).type('text/plain').send('Forbidden: cross-site request refused.')
  })

  const handlerFor = (build: ServerBuild) =>
    createRequestHandler({
      build,
      mode: env.NODE_ENV === 'production' ? 'production' : build.mode,
      getLoadContext: (_req, res) => ({ cspNonce: res.locals.cspNonce, requestId: res.locals.context.requestId }),
    })
  let handler = handlerFor(getBuild())
  let currentBuild = getBuild()
  app.all('*', (req, res, next) => {
    const build = getBuild()
    if (build !== currentBuild) {
      currentBuild = build
      handler = handlerFor(build)
    }
    return handler(req, res, next)
  })

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    req.log.error({ err: error }, 'request failed')
    if (res.headersSent) return res.end()
    res
      .status(500)
      .type('html')
      .send(
        `<!doctype html><meta charset="utf-8"><title>Error · Inquest</title><body style="font-family:system-ui;padding:3rem"><h1>Something went wrong</h1><p>The error was logged with request id <code>${String(req.id).replace(/[^A-Za-z0-9._:-]/g, '')}</code>.</p>`,
      )
  })
  return (req, res) => {
    const provider = webhookProvider(req)
    if (!provider) return app(req, res)
    webhooks[provider](req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'answering a webhook delivery failed')
      if (!res.headersSent) res.writeHead(500).end()
    })
  }
}

function watchBuildInDevelopment(onChange: (build: ServerBuild) => void) {
  let timer: NodeJS.Timeout | undefined
  watch(path.dirname(BUILD_PATH), () => {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      if (!existsSync(BUILD_PATH)) return
      const build = await importBuild()
      onChange(build)
      await broadcastDevReady(build)
    }, 100)
  })
}

let checkpoints: BackgroundCheckpoints | null = null
let background: BackgroundThread | null = null

function shutdownOn(server: Server) {
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    getLogger().info({ signal }, 'draining in-flight requests')
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS)
    force.unref()
    server.close(async () => {
      await background?.stop()
      await checkpoints?.stop()
      closeDatabase()
      getLogger().info('stopped')
      process.exit(0)
    })
    server.closeIdleConnections()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

async function main() {
  tuneGarbageCollector()
  loadEnvFile()
  const env = loadEnv()
  ensureBuild(env)
  await prepareDatabase(env)
  checkpoints = await startBackgroundCheckpoints(getClient(), env)
  let build = await importBuild()
  const listener = createApp(env, () => build)
  if (process.env.REMIX_DEV_ORIGIN) watchBuildInDevelopment((next) => (build = next))

  const server = createServer(listener)
  server.listen(env.PORT, env.HOST, () => {
    getLogger().info({ url: env.APP_URL, port: env.PORT }, 'Inquest is serving')
    if (env.NODE_ENV !== 'production') {
      const logins = DEMO_USERS.map((user) => `    ${user.email.padEnd(22)} ${DEMO_PASSWORD}   (${user.role})`).join('\n')
      process.stdout.write(`\n  Inquest is up at ${env.APP_URL}\n\n  Demo logins:\n${logins}\n\n`)
    }
    if (process.env.REMIX_DEV_ORIGIN) void broadcastDevReady(build)
  })
  server.on('error', (error: NodeJS.ErrnoException) => {
    fail(error.code === 'EADDRINUSE' ? `port ${env.PORT} is already in use (PORT)` : `cannot listen on ${env.HOST}:${env.PORT}: ${error.message}`)
  })
  shutdownOn(server)
  background = startBackgroundThread()
}

await main()
