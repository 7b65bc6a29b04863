// Sending webhook deliveries to a running server as GitHub and GitLab do, and waiting for the
// delivery worker to settle them.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Client } from '@libsql/client'
import { sign } from '@octokit/webhooks-methods'

type Json = Record<string, unknown>

const require = createRequire(import.meta.url)
const definitions = require('@octokit/webhooks-examples') as Array<{ name: string; examples: Json[] }>

/** GitHub's published example payloads of one event (from @octokit/webhooks-examples), deep-copied. */
export function githubExamples(event: string): Json[] {
  const definition = definitions.find((entry) => entry.name === event)
  if (!definition) throw new Error(`no GitHub examples for ${event}`)
  return definition.examples.map((example) => structuredClone(example))
}

/** One of GitLab's documented example payloads, kept in tests/fixtures/gitlab/. */
export function gitlabFixture(name: 'push-hook' | 'pipeline-hook' | 'job-hook'): Json {
  return JSON.parse(readFileSync(path.resolve('tests/fixtures/gitlab', `${name}.json`), 'utf8'))
}

export interface GithubDelivery {
  secret?: string
  deliveryId?: string
  /** Overrides the signature header (null: none at all). */
  signature?: string | null
  body?: string
  query?: string
}

/** POSTs a payload to /webhooks/github as GitHub does, signed with `secret` by Octokit's reference `sign`. */
export async function deliverGithub(baseUrl: string, event: string, payload: Json | null, options: GithubDelivery = {}) {
  const body = options.body ?? JSON.stringify(payload)
  const deliveryId = options.deliveryId ?? randomUUID()
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/test',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
  }
  const signature = options.signature !== undefined ? options.signature : options.secret ? await sign(options.secret, body) : null
  if (signature) headers['x-hub-signature-256'] = signature
  const response = await fetch(`${baseUrl}/webhooks/github${options.query ?? ''}`, { method: 'POST', headers, body })
  return { response, deliveryId, json: (await response.json().catch(() => null)) as Json | null }
}

export interface GitlabDelivery {
  token?: string | null
  idempotencyKey?: string | null
  eventUuid?: string | null
  body?: string
}

/** POSTs a payload to /webhooks/gitlab as GitLab does. */
export async function deliverGitlab(baseUrl: string, event: string, payload: Json | null, options: GitlabDelivery = {}) {
  const body = options.body ?? JSON.stringify(payload)
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'GitLab/18.0.0', 'x-gitlab-event': event }
  if (options.token) headers['x-gitlab-token'] = options.token
  const idempotencyKey = options.idempotencyKey === undefined ? randomUUID() : options.idempotencyKey
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey
  if (options.eventUuid) headers['x-gitlab-event-uuid'] = options.eventUuid
  const response = await fetch(`${baseUrl}/webhooks/gitlab`, { method: 'POST', headers, body })
  return { response, idempotencyKey, json: (await response.json().catch(() => null)) as Json | null }
}

/** Waits until the delivery worker has settled a delivery (processed, ignored or failed) and returns its row. */
export async function settled(db: Client, provider: string, deliveryId: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await db.execute({ sql: 'select * from deliveries where provider = ? and delivery_id = ?', args: [provider, deliveryId] })
    const row = rows[0]
    if (row && ['processed', 'ignored', 'failed'].includes(String(row.status))) return row
    if (Date.now() > deadline) throw new Error(`delivery ${deliveryId} not settled: ${row ? String(row.status) : 'not stored'}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function countRows(db: Client, table: string) {
  const { rows } = await db.execute(`select count(*) as n from ${table}`)
  return Number(rows[0].n)
}
