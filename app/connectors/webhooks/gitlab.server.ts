// GitLab webhooks: Push Hook, Pipeline Hook and Job Hook. GitLab sends the secret itself in
// X-Gitlab-Token (no signature), so the endpoint compares it in constant time.
import { timingSafeEqual } from 'node:crypto'
import { upsertCiRun, type CiRunInput } from '../ci-runs.server'
import { findWebhookTarget } from '../repositories.server'
import type { Tx } from '../timeline.server'
import { payloadOf, recordDelivery, type ClaimedDelivery } from './deliveries.server'
import { acknowledge, parseJsonObject, refuse, sha256, type WebhookAnswer, type WebhookInput } from './intake.server'
import {
  describeRef,
  gitlabRunState,
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

const PROCESSED_EVENTS = new Set(['Push Hook', 'Pipeline Hook', 'Job Hook'])
const EVENT_NAME = /^[A-Za-z ]{1,64}$/
const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,200}$/

/** True when the token equals one of the secrets. Compares SHA-256 digests, so lengths leak nothing either. */
export function verifyGitlabToken(token: string | null, secrets: string[]): boolean {
  if (!token) return false
  const presented = Buffer.from(sha256(token), 'hex')
  let match = false
  for (const secret of secrets) if (timingSafeEqual(Buffer.from(sha256(secret), 'hex'), presented)) match = true
  return match
}

/**
 * GitLab's id of a delivery, the same on its retries: Idempotency-Key (GitLab 17.4 and later), else
 * X-Gitlab-Event-UUID, else a digest of the body.
 */
function deliveryIdOf(input: WebhookInput): string {
  for (const header of ['idempotency-key', 'x-gitlab-event-uuid']) {
    const value = input.header(header)
    if (value && DELIVERY_ID.test(value)) return value
  }
  return `sha256:${sha256(input.body)}`
}

/** POST /webhooks/gitlab: 202 once recorded, 200 for a redelivery; 400, 401, 404, 413 refused. */
export async function receiveGitlabWebhook(input: WebhookInput): Promise<WebhookAnswer> {
  const { text, json } = parseJsonObject(input.body, 'GitLab sends JSON; check the webhook URL.')
  const event = input.header('x-gitlab-event')
  if (!event || !EVENT_NAME.test(event)) throw refuse.badRequest('The X-Gitlab-Event header is missing or not valid.')

  const byId = input.repositoryParam
  const path = stringAt(objectAt(json, 'project'), 'path_with_namespace')
  const target = await findWebhookTarget('gitlab', { id: byId, externalName: path })
  if (!target) {
    throw refuse.unknownRepository(
      byId ? `No GitLab project with id ${byId} is registered.` : path ? `${path} is not registered as a GitLab project.` : 'The payload names no project; add ?repository=<id> to the webhook URL.',
    )
  }
  if (!verifyGitlabToken(input.header('x-gitlab-token'), target.secrets)) {
    throw refuse.badSignature('The X-Gitlab-Token header is missing or is not the project\'s webhook secret token.')
  }

  const status = PROCESSED_EVENTS.has(event) ? 'pending' : 'ignored'
  const recorded = await recordDelivery({ provider: 'gitlab', deliveryId: deliveryIdOf(input), repositoryId: target.id, event, payload: text, status })
  return acknowledge(recorded, status, event)
}

export async function processGitlabDelivery(tx: Tx, delivery: ClaimedDelivery): Promise<'processed' | 'ignored'> {
  const payload = payloadOf(delivery)
  switch (delivery.event) {
    case 'Push Hook':
      return processPush(tx, delivery, payload)
    case 'Pipeline Hook':
    case 'Job Hook':
      await upsertCiRun(tx, gitlabCiRunInput(delivery, payload)!)
      return 'processed'
    default:
      return 'ignored'
  }
}

/** The CI run a Pipeline Hook or Job Hook delivery stands for; null for other events. */
export function gitlabCiRunInput(delivery: ClaimedDelivery, payload: Json = payloadOf(delivery)): CiRunInput | null {
  if (delivery.event === 'Pipeline Hook') return pipelineInput(delivery, payload)
  if (delivery.event === 'Job Hook') return jobInput(delivery, payload)
  return null
}

async function processPush(tx: Tx, delivery: ClaimedDelivery, payload: Json) {
  const list = Array.isArray(payload.commits) ? payload.commits.filter(isObject) : []
  // GitLab lists commits oldest first, like GitHub.
  const commits = list.map((commit) => {
    const at = parseTime(commit.timestamp) ?? delivery.receivedAt
    const author = objectAt(commit, 'author')
    const name = stringAt(author, 'name') ?? 'unknown'
    const email = stringAt(author, 'email') ?? ''
    const { subject, body } = splitMessage(stringAt(commit, 'message') ?? stringAt(commit, 'title') ?? '')
    const paths = new Set<string>()
    for (const key of ['added', 'modified', 'removed']) {
      const value = commit[key]
      if (Array.isArray(value)) for (const path of value) if (typeof path === 'string') paths.add(path)
    }
    return {
      sha: requireString(commit, 'id', 'a commit'),
      authorName: name,
      authorEmail: email,
      authoredAt: at,
      // GitLab's push payload names only the author.
      committerName: name,
      committerEmail: email,
      committedAt: at,
      subject,
      body,
      url: stringAt(commit, 'url'),
      files: [...paths].map((path) => ({ path, additions: null, deletions: null })),
    }
  })
  // GitLab lists only the newest 20 commits of a push; total_commits_count says how many there were.
  const total = typeof payload.total_commits_count === 'number' ? payload.total_commits_count : list.length
  await applyPush(tx, {
    repositoryId: delivery.repositoryId,
    ref: requireString(payload, 'ref'),
    before: requireString(payload, 'before'),
    after: requireString(payload, 'after'),
    commits,
    complete: total <= list.length,
    // GitLab does not say whether a push was forced.
    forced: false,
    pusher: stringAt(payload, 'user_name') ?? stringAt(payload, 'user_username') ?? 'someone',
    // GitLab gives no push time: the time the delivery arrived orders pushes of one branch.
    pushedAt: delivery.receivedAt,
    link: stringAt(objectAt(payload, 'project'), 'web_url'),
    deliveryRowId: delivery.id,
  })
  return 'processed' as const
}

function pipelineInput(delivery: ClaimedDelivery, payload: Json): CiRunInput {
  const pipeline = requireObject(payload, 'object_attributes')
  const id = requireString(pipeline, 'id', 'object_attributes')
  const state = gitlabRunState(stringAt(pipeline, 'status'))
  const createdAt = parseTime(pipeline.created_at)
  const finishedAt = parseTime(pipeline.finished_at)
  const ref = stringAt(pipeline, 'ref')
  const webUrl = stringAt(objectAt(payload, 'project'), 'web_url')
  return {
    repositoryId: delivery.repositoryId,
    provider: 'gitlab',
    kind: 'pipeline',
    externalId: id,
    attempt: 1,
    // workflow:name when the project sets one (GitLab 16.1+), else one sequence of "pipeline" runs per branch.
    name: stringAt(pipeline, 'name') || 'pipeline',
    branch: pipeline.tag === true || !ref ? null : (describeRef(ref).branch ?? ref),
    headSha: requireString(pipeline, 'sha', 'object_attributes'),
    status: state.status,
    conclusion: state.conclusion,
    startedAt: state.status === 'queued' ? null : (parseTime(pipeline.started_at) ?? createdAt),
    completedAt: state.status === 'completed' ? (finishedAt ?? delivery.receivedAt) : null,
    url: stringAt(pipeline, 'url') ?? (webUrl ? `${webUrl}/-/pipelines/${id}` : null),
    // GitLab sends no updated_at: the latest time the payload knows of.
    sourceUpdatedAt: finishedAt ?? parseTime(pipeline.started_at) ?? createdAt ?? delivery.receivedAt,
    sourceDeliveryId: delivery.id,
  }
}

function jobInput(delivery: ClaimedDelivery, payload: Json): CiRunInput {
  const id = requireString(payload, 'build_id')
  const state = gitlabRunState(stringAt(payload, 'build_status'))
  const createdAt = parseTime(payload.build_created_at)
  const startedAt = parseTime(payload.build_started_at)
  const finishedAt = parseTime(payload.build_finished_at)
  const ref = stringAt(payload, 'ref')
  const webUrl = stringAt(objectAt(payload, 'project'), 'web_url')
  const retries = typeof payload.retries_count === 'number' && payload.retries_count > 0 ? Math.floor(payload.retries_count) : 0
  return {
    repositoryId: delivery.repositoryId,
    provider: 'gitlab',
    kind: 'job',
    externalId: id,
    // GitLab gives a retried job a new id; retries_count says which try it is.
    attempt: retries + 1,
    name: requireString(payload, 'build_name'),
    branch: payload.tag === true || !ref ? null : (describeRef(ref).branch ?? ref),
    headSha: requireString(payload, 'sha'),
    status: state.status,
    conclusion: state.conclusion,
    startedAt: state.status === 'queued' ? null : startedAt,
    completedAt: state.status === 'completed' ? (finishedAt ?? delivery.receivedAt) : null,
    url: webUrl ? `${webUrl}/-/jobs/${id}` : null,
    sourceUpdatedAt: finishedAt ?? startedAt ?? createdAt ?? delivery.receivedAt,
    sourceDeliveryId: delivery.id,
  }
}
