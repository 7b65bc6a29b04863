// A fake Resend API on loopback: the parts the sender uses (POST /emails, POST /emails/batch), with
// Idempotency-Key handling as Resend documents it, failures on demand (429 with Retry-After, 500),
// slow answers on demand, and a record of every request. The real `resend` SDK talks to it through
// RESEND_BASE_URL (or the client's baseUrl).
//
// Like Resend, it does the work when the request arrives and only then answers: a client that dies
// while waiting for a slow answer has had its mail accepted, and the same call again (same key,
// same body) gets the first answer back without a second mail.
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  idempotencyKey: string | null
  headers: Record<string, string | string[] | undefined>
  body: unknown
  /** What the fake answered. */
  status: number
  /** True when the answer was an earlier one, given again for the same idempotency key. */
  replayed: boolean
  at: number
}

export interface AcceptedEmail {
  /** The id the fake gave it. */
  id: string
  /** The key of the call that carried it (a batch's key for every mail of the batch). */
  idempotencyKey: string | null
  endpoint: '/emails' | '/emails/batch'
  from: string
  to: string | string[]
  subject: string
  html?: string
  text?: string
  headers?: Record<string, string>
  tags?: Array<{ name: string; value: string }>
}

export interface PlannedFailure {
  status: 429 | 500 | 502 | 503
  /** Seconds, sent as Retry-After (429 only). */
  retryAfter?: number
}

export interface FakeResend {
  url: string
  /** Every request, in order of arrival. */
  requests: RecordedRequest[]
  /** Every mail accepted, once: a repeated call with a known key adds none. */
  emails: AcceptedEmail[]
  /** The next `count` POSTs fail this way, before any work. */
  failNext(count: number, failure: PlannedFailure): void
  /** Answers after this many ms (the work is done at once). */
  setDelay(ms: number): void
  /** The value of one tag of an accepted mail (the sender tags each mail with its outbox id). */
  tag(email: AcceptedEmail, name: string): string | undefined
  reset(): void
  close(): Promise<void>
}

const API_KEY_PATTERN = /^Bearer \S+$/
const MAX_BATCH = 100

interface Stored {
  bodyHash: string
  status: number
  response: unknown
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function error(status: number, name: string, message: string) {
  return { statusCode: status, name, message }
}

function validationError(email: unknown, index?: number): string | null {
  const where = index === undefined ? '' : ` (email ${index})`
  if (!email || typeof email !== 'object') return `Invalid email${where}`
  const mail = email as Record<string, unknown>
  for (const field of ['from', 'to', 'subject'] as const) {
    if (!mail[field]) return `Missing \`${field}\` field${where}.`
  }
  if (!mail.html && !mail.text) return `Missing \`html\` or \`text\` field${where}.`
  return null
}

export async function startFakeResend(): Promise<FakeResend> {
  const requests: RecordedRequest[] = []
  const emails: AcceptedEmail[] = []
  // Resend keeps keys per endpoint for 24 hours; the fake keeps them for its life.
  const keys = new Map<string, Stored>()
  const failures: PlannedFailure[] = []
  let delayMs = 0

  function accept(endpoint: AcceptedEmail['endpoint'], key: string | null, mail: Record<string, unknown>) {
    const id = randomUUID()
    emails.push({
      id,
      idempotencyKey: key,
      endpoint,
      from: String(mail.from),
      to: mail.to as string | string[],
      subject: String(mail.subject),
      html: mail.html as string | undefined,
      text: mail.text as string | undefined,
      headers: mail.headers as Record<string, string> | undefined,
      tags: mail.tags as AcceptedEmail['tags'],
    })
    return id
  }

  function handle(
    path: string,
    key: string | null,
    raw: string,
    authorization: string | undefined,
  ): { status: number; body: unknown; headers?: Record<string, string>; replayed?: boolean } {
    if (!authorization || !API_KEY_PATTERN.test(authorization))
      return { status: 401, body: error(401, 'missing_api_key', 'Missing API key in the authorization header.') }
    if (path !== '/emails' && path !== '/emails/batch')
      return { status: 404, body: error(404, 'not_found', 'The requested endpoint does not exist.') }
    const failure = failures.shift()
    if (failure) {
      if (failure.status === 429) {
        return {
          status: 429,
          body: error(429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second.'),
          headers: { 'retry-after': String(failure.retryAfter ?? 1) },
        }
      }
      return {
        status: failure.status,
        body: error(failure.status, 'internal_server_error', 'An unexpected error occurred.'),
      }
    }
    let body: unknown
    try {
      body = JSON.parse(raw)
    } catch {
      return { status: 400, body: error(400, 'validation_error', 'The body is not JSON.') }
    }
    if (key !== null && (key.length === 0 || key.length > 256)) {
      return { status: 400, body: error(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.') }
    }
    const bodyHash = createHash('sha256').update(raw).digest('hex')
    const storeKey = key === null ? null : `${path}\0${key}`
    if (storeKey) {
      const stored = keys.get(storeKey)
      if (stored) {
        if (stored.bodyHash !== bodyHash) {
          return {
            status: 409,
            body: error(
              409,
              'invalid_idempotent_request',
              'Same idempotency key used with a different request payload.',
            ),
          }
        }
        return { status: stored.status, body: stored.response, replayed: true }
      }
    }
    let answer: { status: number; body: unknown }
    if (path === '/emails') {
      const problem = validationError(body)
      answer = problem
        ? { status: 422, body: error(422, 'validation_error', problem) }
        : { status: 200, body: { id: accept('/emails', key, body as Record<string, unknown>) } }
    } else {
      const list = Array.isArray(body) ? body : null
      const problem = !list
        ? 'The body must be an array of emails.'
        : list.length === 0 || list.length > MAX_BATCH
          ? `A batch holds 1 to ${MAX_BATCH} emails (got ${list.length}).`
          : (list.map((mail, index) => validationError(mail, index)).find(Boolean) ?? null)
      answer = problem
        ? { status: 422, body: error(422, 'validation_error', problem) }
        : {
            status: 200,
            body: {
              data: list!.map((mail) => ({ id: accept('/emails/batch', key, mail as Record<string, unknown>) })),
            },
          }
    }
    if (storeKey && answer.status === 200)
      keys.set(storeKey, { bodyHash, status: answer.status, response: answer.body })
    return answer
  }

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const raw = await readBody(request)
    const path = (request.url ?? '/').split('?')[0]
    const keyHeader = request.headers['idempotency-key']
    const key = typeof keyHeader === 'string' ? keyHeader : null
    let parsed: unknown = raw
    try {
      parsed = raw ? JSON.parse(raw) : null
    } catch {
      // recorded as text
    }
    const answer =
      request.method === 'POST'
        ? handle(path, key, raw, request.headers.authorization)
        : { status: 405, body: error(405, 'method_not_allowed', 'Method not allowed.') }
    requests.push({
      method: request.method ?? 'GET',
      path,
      idempotencyKey: key,
      headers: request.headers,
      body: parsed,
      status: answer.status,
      replayed: Boolean((answer as { replayed?: boolean }).replayed),
      at: Date.now(),
    })
    const send = () => {
      if (response.destroyed) return
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        ...('headers' in answer ? answer.headers : {}),
      })
      response.end(JSON.stringify(answer.body))
    }
    if (delayMs > 0) setTimeout(send, delayMs)
    else send()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    emails,
    failNext(count, failure) {
      for (let index = 0; index < count; index++) failures.push(failure)
    },
    setDelay(ms) {
      delayMs = ms
    },
    tag(email, name) {
      return email.tags?.find((tag) => tag.name === name)?.value
    },
    reset() {
      requests.length = 0
      emails.length = 0
      failures.length = 0
      keys.clear()
      delayMs = 0
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
