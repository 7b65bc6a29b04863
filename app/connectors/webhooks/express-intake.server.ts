// POST /webhooks/github and /webhooks/gitlab served by the HTTP server itself, ahead of express, the
// middleware that pages need (pino-http, helmet, compression, the request context) and Remix: a
// delivery is a small JSON answer, and at a thousand a second Remix's request objects, route
// matching and response streaming cost more than recording the delivery does (and express's own
// request setup and routing about a tenth of it). The intake is the same one the route modules
// call; this handler only reads the body and writes the answer, and logs the request line that
// pino-http would have.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Request, RequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import { receiveGithubWebhook } from './github.server'
import { receiveGitlabWebhook } from './gitlab.server'
import { INTAKE_FAILED, refuse, runIntake, WEBHOOK_BODY_LIMIT_BYTES, WebhookRefusal, type WebhookAnswer, type WebhookInput } from './intake.server'

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
/** How much of a body over the limit is read (and dropped) so that the sender gets its 413, as readBody does. */
const DISCARD_LIMIT_BYTES = 32 * 1024 * 1024

/** Reads the raw body within the limit: 413 by Content-Length at once, or as soon as a chunked body passes it. */
function readNodeBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) return Promise.reject(refuse.tooLarge(limit))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (over) {
        // Closing the connection mid-upload makes most clients report a reset, not the 413.
        if (size > limit + DISCARD_LIMIT_BYTES) {
          req.pause()
          reject(refuse.tooLarge(limit))
        }
        return
      }
      if (size > limit) {
        over = true
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => (over ? reject(refuse.tooLarge(limit)) : resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))))
    req.on('error', reject)
  })
}

/**
 * The headers helmet sets on every answer, worked out once: a webhook answer is JSON with no
 * scripts, so it gets the strictest content security policy instead of a per-request nonce.
 */
export function staticSecurityHeaders(helmetMiddleware: RequestHandler): Array<[string, string]> {
  const headers = new Map<string, string>()
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  }
  helmetMiddleware({} as Request, recorder as unknown as Response, () => {})
  headers.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'")
  return [...headers]
}

type Receive = (input: WebhookInput) => Promise<WebhookAnswer>
type Provider = 'github' | 'gitlab'

/** The provider whose webhook endpoint a request is for (POST /webhooks/github or /gitlab, as express would match them), or null. */
export function webhookProvider(req: IncomingMessage): Provider | null {
  if (req.method !== 'POST' || !req.url) return null
  const query = req.url.indexOf('?')
  const path = (query < 0 ? req.url : req.url.slice(0, query)).toLowerCase()
  if (path === '/webhooks/github' || path === '/webhooks/github/') return 'github'
  if (path === '/webhooks/gitlab' || path === '/webhooks/gitlab/') return 'gitlab'
  return null
}

/** `?repository=` of the request's URL, if given once or more (the first). */
function repositoryParamOf(url: string): string | null {
  const query = url.indexOf('?')
  return query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get('repository')
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export function webhookHandler(provider: Provider, options: { logger: Logger; securityHeaders: Array<[string, string]> }): WebhookHandler {
  const receive: Receive = provider === 'github' ? receiveGithubWebhook : receiveGitlabWebhook
  const { logger, securityHeaders } = options
  return async (req, res) => {
    const started = performance.now()
    const incoming = req.headers['x-request-id']
    const requestId = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID()
    let answer: WebhookAnswer
    try {
      const body = await readNodeBody(req, WEBHOOK_BODY_LIMIT_BYTES)
      const repositoryParam = repositoryParamOf(req.url ?? '')
      const input: WebhookInput = {
        body,
        header: (name) => {
          const value = req.headers[name]
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
        },
        repositoryParam,
      }
      answer = await runIntake(
        () => receive(input),
        (error) => logger.error({ err: error, reqId: requestId }, `${provider === 'github' ? 'GitHub' : 'GitLab'} webhook intake failed`),
      )
    } catch (error) {
      if (error instanceof WebhookRefusal) answer = error.answer
      else {
        logger.error({ err: error, reqId: requestId }, 'reading a webhook body failed')
        answer = INTAKE_FAILED
      }
    }
    const text = JSON.stringify(answer.body)
    for (const [name, value] of securityHeaders) res.setHeader(name, value)
    res.setHeader('X-Request-Id', requestId)
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.setHeader('Content-Length', Buffer.byteLength(text))
    res.statusCode = answer.status
    // A body over the limit may still be arriving: answer, then drop the connection rather than read on.
    if (!req.complete) res.setHeader('Connection', 'close')
    res.end(text, () => {
      if (!req.complete) req.destroy()
    })
    // pino-http's request line (server.ts), with the same fields and levels.
    const level = answer.status >= 500 ? 'error' : answer.status >= 400 ? 'warn' : 'info'
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          req: { id: requestId, method: req.method, path: (req.url ?? '').split('?')[0] },
          res: { statusCode: answer.status },
          responseTime: Math.round(performance.now() - started),
          userId: undefined,
        },
        'request completed',
      )
    }
  }
}
