// GitHub webhooks: push, workflow_run and check_suite (and ping). The endpoint verifies and records a
// delivery; the delivery worker turns it into commits, CI runs and timeline events.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { upsertCiRun, type CiRunInput } from '../ci-runs.server'
import { findWebhookTarget } from '../repositories.server'
import type { Tx } from '../timeline.server'
import { payloadOf, recordDelivery, type ClaimedDelivery } from './deliveries.server'
import { acknowledge, parseJsonObject, refuse, requiredHeader, type WebhookAnswer, type WebhookInput } from './intake.server'
import {
  githubRunState,
  isObject,
  objectAt,
  parseTime,
  requireObject,
  requireString,
  splitMessage,
  stringAt,
  type Json,
} from './normalize.server'
import { applyPush } from './push.server'

/** Events the worker turns into data; ping is answered at once; anything else is recorded as ignored. */
const PROCESSED_EVENTS = new Set(['push', 'workflow_run', 'check_suite'])

/** True when `signature` (X-Hub-Signature-256: sha256=<hex>) is the HMAC-SHA256 of the raw body with one of the secrets. */
export function verifyGithubSignature(body: Buffer, signature: string | null, secrets: string[]): boolean {
  if (!signature || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false
  const presented = Buffer.from(signature.slice('sha256='.length).toLowerCase(), 'hex')
  let match = false
  // Every secret is checked, so the time taken does not say which one matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest()
    if (timingSafeEqual(expected, presented)) match = true
  }
  return match
}

/** POST /webhooks/github: 202 once recorded, 200 for a redelivery or ping; 400, 401, 404, 413 refused. */
export async function receiveGithubWebhook(input: WebhookInput): Promise<WebhookAnswer> {
  const { body } = input
  const { text, json } = parseJsonObject(body, 'Set the webhook content type to application/json.')
  const event = requiredHeader(input, 'x-github-event')
  const deliveryId = requiredHeader(input, 'x-github-delivery')

  const byId = input.repositoryParam
  const fullName = stringAt(objectAt(json, 'repository'), 'full_name')
  const target = await findWebhookTarget('github', { id: byId, externalName: fullName })
  if (!target) {
    throw refuse.unknownRepository(
      byId ? `No GitHub repository with id ${byId} is registered.` : fullName ? `${fullName} is not registered as a GitHub repository.` : 'The payload names no repository; add ?repository=<id> to the webhook URL.',
    )
  }
  if (!verifyGithubSignature(body, input.header('x-hub-signature-256'), target.secrets)) {
    throw refuse.badSignature('The X-Hub-Signature-256 header is missing or does not match the repository\'s webhook secret.')
  }

  const status = event === 'ping' ? 'processed' : PROCESSED_EVENTS.has(event) ? 'pending' : 'ignored'
  const recorded = await recordDelivery({ provider: 'github', deliveryId, repositoryId: target.id, event, payload: text, status })
  return acknowledge(recorded, status, event)
}

/** Turns a recorded GitHub delivery into data. */
export async function processGithubDelivery(tx: Tx, delivery: ClaimedDelivery): Promise<'processed' | 'ignored'> {
  const payload = payloadOf(delivery)
  switch (delivery.event) {
    case 'push':
      return processPush(tx, delivery, payload)
    case 'workflow_run':
    case 'check_suite':
      await upsertCiRun(tx, githubCiRunInput(delivery, payload)!)
      return 'processed'
    default:
      return 'ignored'
  }
}

/** The CI run a workflow_run or check_suite delivery stands for; null for other events. */
export function githubCiRunInput(delivery: ClaimedDelivery, payload: Json = payloadOf(delivery)): CiRunInput | null {
  if (delivery.event === 'workflow_run') return workflowRunInput(delivery, payload)
  if (delivery.event === 'check_suite') return checkSuiteInput(delivery, payload)
  return null
}

function person(value: unknown): { name: string; email: string } {
  const who = isObject(value) ? value : {}
  return { name: stringAt(who, 'name') ?? stringAt(who, 'username') ?? 'unknown', email: stringAt(who, 'email') ?? '' }
}

async function processPush(tx: Tx, delivery: ClaimedDelivery, payload: Json) {
  const ref = requireString(payload, 'ref')
  const list = Array.isArray(payload.commits) ? payload.commits.filter(isObject) : []
  const commits = list.map((commit) => {
    const sha = requireString(commit, 'id', 'a commit')
    const at = parseTime(commit.timestamp) ?? delivery.receivedAt
    const author = person(commit.author)
    const committer = commit.committer ? person(commit.committer) : author
    const { subject, body } = splitMessage(stringAt(commit, 'message') ?? '')
    const paths = new Set<string>()
    for (const key of ['added', 'modified', 'removed']) {
      const value = commit[key]
      if (Array.isArray(value)) for (const path of value) if (typeof path === 'string') paths.add(path)
    }
    return {
      sha,
      authorName: author.name,
      authorEmail: author.email,
      authoredAt: at,
      committerName: committer.name,
      committerEmail: committer.email,
      committedAt: at,
      subject,
      body,
      url: stringAt(commit, 'url'),
      // A push lists paths without line counts.
      files: [...paths].map((path) => ({ path, additions: null, deletions: null })),
    }
  })
  await applyPush(tx, {
    repositoryId: delivery.repositoryId,
    ref,
    before: requireString(payload, 'before'),
    after: requireString(payload, 'after'),
    commits,
    // GitHub lists up to 2,048 commits of a push; assume the list is whole below that.
    complete: list.length < 2048,
    forced: payload.forced === true,
    pusher: stringAt(objectAt(payload, 'pusher'), 'name') ?? stringAt(objectAt(payload, 'sender'), 'login') ?? 'someone',
    pushedAt: parseTime(objectAt(payload, 'repository')?.pushed_at) ?? delivery.receivedAt,
    link: stringAt(payload, 'compare'),
    deliveryRowId: delivery.id,
  })
  return 'processed' as const
}

function workflowRunInput(delivery: ClaimedDelivery, payload: Json): CiRunInput {
  const run = requireObject(payload, 'workflow_run')
  const state = githubRunState(stringAt(run, 'status'), stringAt(run, 'conclusion'))
  const updatedAt = parseTime(run.updated_at) ?? delivery.receivedAt
  const startedAt = parseTime(run.run_started_at) ?? parseTime(run.created_at)
  return {
    repositoryId: delivery.repositoryId,
    provider: 'github',
    kind: 'workflow_run',
    externalId: requireString(run, 'id', 'workflow_run'),
    attempt: Number(run.run_attempt) >= 1 ? Math.floor(Number(run.run_attempt)) : 1,
    name: stringAt(run, 'name') || stringAt(objectAt(payload, 'workflow'), 'name') || stringAt(run, 'path') || 'workflow',
    branch: stringAt(run, 'head_branch'),
    headSha: requireString(run, 'head_sha', 'workflow_run'),
    status: state.status,
    conclusion: state.conclusion,
    startedAt: state.status === 'queued' ? null : startedAt,
    completedAt: state.status === 'completed' ? updatedAt : null,
    url: stringAt(run, 'html_url'),
    sourceUpdatedAt: updatedAt,
    sourceDeliveryId: delivery.id,
  }
}

function checkSuiteInput(delivery: ClaimedDelivery, payload: Json): CiRunInput {
  const suite = requireObject(payload, 'check_suite')
  const state = githubRunState(stringAt(suite, 'status'), stringAt(suite, 'conclusion'))
  const updatedAt = parseTime(suite.updated_at) ?? delivery.receivedAt
  return {
    repositoryId: delivery.repositoryId,
    provider: 'github',
    kind: 'check_suite',
    externalId: requireString(suite, 'id', 'check_suite'),
    attempt: 1,
    name: stringAt(objectAt(suite, 'app'), 'name') || 'check suite',
    branch: stringAt(suite, 'head_branch'),
    headSha: requireString(suite, 'head_sha', 'check_suite'),
    status: state.status,
    conclusion: state.conclusion,
    startedAt: state.status === 'queued' ? null : parseTime(suite.created_at),
    completedAt: state.status === 'completed' ? updatedAt : null,
    url: stringAt(suite, 'url'),
    sourceUpdatedAt: updatedAt,
    sourceDeliveryId: delivery.id,
  }
}

