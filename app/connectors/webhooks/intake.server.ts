// What every webhook endpoint does before it knows the provider's details: read the raw body within
// the limit, parse it, and answer in the one error shape.
import { createHash } from 'node:crypto'
import type { ApiErrorCode } from '../../utils/api-error.server'
import { nudgeWorker } from '../../jobs/workers.server'
import { isObject, type Json } from './normalize.server'
import type { Recorded } from './deliveries.server'

/** The same limit server.ts applies by Content-Length; this one also holds for chunked bodies. */
export const WEBHOOK_BODY_LIMIT_BYTES = 25 * 1024 * 1024
export const DELIVERY_WORKER = 'webhook-deliveries'

/** An answer in a shape both the express fast path and a Remix route can send. */
export interface WebhookAnswer {
  status: number
  body: unknown
}

/** What an intake needs of a request, whoever parsed the HTTP: the raw body, headers, ?repository=. */
export interface WebhookInput {
  body: Buffer
  /** A header by lower-case name, or null. */
  header(name: string): string | null
  /** The `repository` query parameter (a repository id), or null. */
  repositoryParam: string | null
}

const NO_STORE = { 'Cache-Control': 'no-store' }

export function toResponse(answer: WebhookAnswer): Response {
  return Response.json(answer.body, { status: answer.status, headers: NO_STORE })
}

function errorAnswer(status: number, code: ApiErrorCode, message: string): WebhookAnswer {
  return { status, body: { error: { code, message } } }
}

export class WebhookRefusal extends Error {
  constructor(readonly answer: WebhookAnswer) {
    super(`webhook refused with ${answer.status}`)
  }

  get response(): Response {
    return toResponse(this.answer)
  }
}

export const refuse = {
  tooLarge: (limit = WEBHOOK_BODY_LIMIT_BYTES) => new WebhookRefusal(errorAnswer(413, 'payload_too_large', `The body is over the limit of ${limit} bytes.`)),
  notJson: (hint: string) => new WebhookRefusal(errorAnswer(400, 'bad_request', `The body is not a JSON object. ${hint}`)),
  badRequest: (message: string) => new WebhookRefusal(errorAnswer(400, 'bad_request', message)),
  unknownRepository: (message: string) => new WebhookRefusal(errorAnswer(404, 'not_found', message)),
  badSignature: (message: string) => new WebhookRefusal(errorAnswer(401, 'unauthorized', message)),
}

export const INTAKE_FAILED = errorAnswer(500, 'internal', 'The delivery could not be recorded; send it again.')

/** A Fetch request as an intake's input: the body read within the limit (413 past it, chunked too). */
export async function inputFromRequest(request: Request): Promise<WebhookInput> {
  const body = await readBody(request)
  return {
    body,
    header: (name) => request.headers.get(name),
    repositoryParam: new URL(request.url).searchParams.get('repository'),
  }
}

/** The raw body, read chunk by chunk and abandoned as soon as it passes the limit. */
export async function readBody(request: Request, limit = WEBHOOK_BODY_LIMIT_BYTES): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > limit) throw refuse.tooLarge(limit)
  if (!request.body) return Buffer.alloc(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await discardRest(reader)
      throw refuse.tooLarge(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size)
}

/** How much more of a body over the limit is read (and dropped) so that the sender gets its 413. */
const DISCARD_LIMIT_BYTES = 32 * 1024 * 1024

// Closing the connection mid-upload makes most clients report a reset, not the 413: read a little
// further, keeping nothing, and cut the connection only past that.
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>) {
  let discarded = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    discarded += value.byteLength
    if (discarded > DISCARD_LIMIT_BYTES) {
      await reader.cancel().catch(() => {})
      return
    }
  }
}

export function parseJsonObject(body: Buffer, hint: string): { text: string; json: Json } {
  const text = body.toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw refuse.notJson(hint)
  }
  if (!isObject(json)) throw refuse.notJson(hint)
  return { text, json }
}

export function sha256(bytes: Buffer | string) {
  return createHash('sha256').update(bytes).digest('hex')
}

const HEADER_TOKEN = /^[A-Za-z0-9._:-]{1,200}$/

/** A header that must be present and look like an identifier; 400 otherwise. */
export function requiredHeader(input: WebhookInput, name: string): string {
  const value = input.header(name)
  if (!value || !HEADER_TOKEN.test(value)) throw refuse.badRequest(`The ${name} header is missing or not valid.`)
  return value
}

/**
 * Wakes the delivery worker, from a callback of its own. The embedded database blocks this thread
 * while it waits for a lock, so the worker's transaction must never run interleaved with a request
 * that is still writing (a session renewal, say): waking it in the request's own promise chain could.
 */
export function nudgeDeliveryWorker() {
  setImmediate(() => nudgeWorker(DELIVERY_WORKER))
}

/** 202 for a new delivery (processed soon), 200 for one already recorded (nothing changes). */
export function acknowledge(recorded: Recorded, status: 'pending' | 'ignored' | 'processed', event: string): WebhookAnswer {
  if (recorded.duplicate) return { status: 200, body: { received: true, duplicate: true, event } }
  if (status === 'pending') nudgeDeliveryWorker()
  return { status: status === 'processed' ? 200 : 202, body: { received: true, delivery: recorded.id, status, event } }
}

/** Runs an intake: refusals become their JSON answers; anything else a JSON 500. */
export async function runIntake(run: () => Promise<WebhookAnswer>, onError: (error: unknown) => void): Promise<WebhookAnswer> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof WebhookRefusal) return error.answer
    onError(error)
    return INTAKE_FAILED
  }
}
