// Registered repositories: what they are, where their webhooks come in, and their webhook secrets
// (encrypted at rest, shown once, rotated with a grace period for the old one).
import { and, desc, eq, sql } from 'drizzle-orm'
import { deliveries, repositories, type Provider } from '../../db/schema'
import { recordAudit, type AuditActor } from '../auth/audit.server'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import { newId, newSecret } from '../utils/crypto.server'
import { isUniqueViolation } from '../utils/db-errors.server'
import { singleton } from '../utils/singleton.server'
import type { RepositoryInput } from './repository-schema'
import { openSecret, sealSecret } from './secret-box.server'

/** How long the secret before a rotation keeps verifying deliveries. */
export const SECRET_GRACE_MS = 24 * 60 * 60 * 1000
/** 256 bits from the CSPRNG. */
const SECRET_BYTES = 32

export type WebhookProvider = Extract<Provider, 'github' | 'gitlab'>

export function isWebhookProvider(provider: Provider): provider is WebhookProvider {
  return provider === 'github' || provider === 'gitlab'
}

/** Where the provider sends deliveries for every repository of that provider. */
export function webhookUrlFor(provider: Provider): string | null {
  return isWebhookProvider(provider) ? `${getEnv().APP_URL}/webhooks/${provider}` : null
}

// Everything about a repository that anyone with workspace:read may see: never a secret.
const publicColumns = {
  id: repositories.id,
  name: repositories.name,
  provider: repositories.provider,
  externalName: repositories.externalName,
  defaultBranch: repositories.defaultBranch,
  gitPath: repositories.gitPath,
  createdAt: repositories.createdAt,
  previousSecretExpiresAt: repositories.previousSecretExpiresAt,
}

export type Repository = {
  id: string
  name: string
  provider: Provider
  externalName: string | null
  defaultBranch: string
  gitPath: string | null
  createdAt: Date
  previousSecretExpiresAt: Date | null
}

/** The repository as the API shows it: no secrets, the webhook URL, and whether an old secret still works. */
export function presentRepository(repository: Repository, now = Date.now()) {
  const graceUntil = repository.previousSecretExpiresAt && repository.previousSecretExpiresAt.getTime() > now ? repository.previousSecretExpiresAt : null
  return {
    id: repository.id,
    name: repository.name,
    provider: repository.provider,
    externalName: repository.externalName,
    defaultBranch: repository.defaultBranch,
    gitPath: repository.gitPath,
    createdAt: repository.createdAt.toISOString(),
    webhookUrl: webhookUrlFor(repository.provider),
    previousSecretValidUntil: graceUntil ? graceUntil.toISOString() : null,
  }
}

export async function listRepositories() {
  const lastDelivery = sql<number | null>`(select max(${deliveries.receivedAt}) from ${deliveries} where ${deliveries.repositoryId} = ${repositories.id})`
  return getDb()
    .select({ ...publicColumns, lastDeliveryAt: lastDelivery })
    .from(repositories)
    .orderBy(repositories.name)
}

export async function getRepository(id: string): Promise<Repository | undefined> {
  const [row] = await getDb().select(publicColumns).from(repositories).where(eq(repositories.id, id))
  return row
}

export type CreateResult =
  | { ok: true; repository: Repository; secret: string | null; webhookUrl: string | null }
  | { ok: false; field: 'name' | 'externalName'; message: string }

/** Registers a repository; for GitHub and GitLab, generates its webhook secret, returned only here. */
export async function createRepository(input: RepositoryInput, actor: AuditActor): Promise<CreateResult> {
  const db = getDb()
  // Names are unique as typed; providers treat owner/repo case-insensitively, so must we.
  if (input.externalName) {
    const [clash] = await db
      .select({ id: repositories.id })
      .from(repositories)
      .where(and(eq(repositories.provider, input.provider), sql`lower(${repositories.externalName}) = lower(${input.externalName})`))
      .limit(1)
    if (clash) return { ok: false, field: 'externalName', message: 'That repository is already registered.' }
  }
  const id = newId()
  const secret = isWebhookProvider(input.provider) ? newSecret(SECRET_BYTES) : null
  try {
    const repository = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(repositories)
        .values({
          id,
          name: input.name,
          provider: input.provider,
          externalName: input.externalName,
          defaultBranch: input.defaultBranch,
          gitPath: input.gitPath,
          webhookSecret: secret ? sealSecret(secret, id) : null,
          createdBy: actor.userId ?? null,
        })
        .returning(publicColumns)
      await recordAudit(
        {
          action: 'repository.create',
          actor,
          targetType: 'repository',
          targetId: id,
          detail: { name: input.name, provider: input.provider, externalName: input.externalName, gitPath: input.gitPath },
        },
        tx,
      )
      return row
    })
    forgetWebhookTargets()
    return { ok: true, repository, secret, webhookUrl: webhookUrlFor(input.provider) }
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    const byName = /repositories\.name|repositories_name_unique/.test(String((error as Error).message) + String((error as { cause?: Error }).cause?.message))
    return byName
      ? { ok: false, field: 'name', message: 'A repository with that name exists already.' }
      : { ok: false, field: 'externalName', message: 'That repository is already registered.' }
  }
}

export type RotateResult = { ok: true; secret: string; previousValidUntil: Date } | { ok: false; reason: 'not_found' | 'no_webhooks' }

/**
 * A new webhook secret, returned only here. The one it replaces keeps verifying for SECRET_GRACE_MS,
 * so deliveries keep flowing while someone pastes the new one into the provider. A second rotation
 * within that time ends the grace of the first secret.
 */
export async function rotateWebhookSecret(id: string, actor: AuditActor): Promise<RotateResult> {
  const result = await getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ provider: repositories.provider, webhookSecret: repositories.webhookSecret })
      .from(repositories)
      .where(eq(repositories.id, id))
    if (!row) return { ok: false, reason: 'not_found' } as const
    if (!isWebhookProvider(row.provider)) return { ok: false, reason: 'no_webhooks' } as const
    const secret = newSecret(SECRET_BYTES)
    const previousValidUntil = new Date(Date.now() + SECRET_GRACE_MS)
    await tx
      .update(repositories)
      .set({
        webhookSecret: sealSecret(secret, id),
        previousWebhookSecret: row.webhookSecret,
        previousSecretExpiresAt: row.webhookSecret ? previousValidUntil : null,
      })
      .where(eq(repositories.id, id))
    await recordAudit(
      { action: 'repository.rotate_secret', actor, targetType: 'repository', targetId: id, detail: { previousValidUntil: previousValidUntil.toISOString() } },
      tx,
    )
    return { ok: true, secret, previousValidUntil } as const
  })
  forgetWebhookTargets()
  return result
}

export interface WebhookTarget {
  id: string
  /** The current secret, then the previous one while its grace lasts. */
  secrets: string[]
}

const targetColumns = {
  id: repositories.id,
  webhookSecret: repositories.webhookSecret,
  previousWebhookSecret: repositories.previousWebhookSecret,
  previousSecretExpiresAt: repositories.previousSecretExpiresAt,
}

// Every webhook delivery looks its repository up: two prepared statements.
function targetById() {
  return singleton('webhook-target-by-id', () =>
    getDb()
      .select(targetColumns)
      .from(repositories)
      .where(and(eq(repositories.provider, sql.placeholder('provider')), eq(repositories.id, sql.placeholder('id'))))
      .prepare(),
  )
}

function targetByName() {
  return singleton('webhook-target-by-name', () =>
    getDb()
      .select(targetColumns)
      .from(repositories)
      .where(and(eq(repositories.provider, sql.placeholder('provider')), sql`lower(${repositories.externalName}) = lower(${sql.placeholder('name')})`))
      .orderBy(desc(repositories.createdAt))
      .limit(1)
      .prepare(),
  )
}

// Every delivery looks its repository up and opens its secrets: at a thousand deliveries a second
// that is a query and two decryptions a millisecond, for an answer that changes once in months. So
// an answer is kept for TARGET_CACHE_MS. A change in this process (a new repository, a rotated
// secret) empties the cache at once; a replica sees it within TARGET_CACHE_MS. The previous secret's
// grace is checked on every use, not when cached.
const TARGET_CACHE_MS = 2000
const TARGET_CACHE_MAX = 1000

interface CachedTarget {
  row: { id: string } | null
  secrets: { current: string | null; previous: string | null; previousExpiresAt: number }
  expiresAt: number
}

const targetCache = singleton('webhook-target-cache', () => new Map<string, CachedTarget>())

/** Forgets every cached webhook target: call after any change to a repository's identity or secrets. */
export function forgetWebhookTargets() {
  targetCache.clear()
}

async function lookUpTarget(provider: WebhookProvider, by: { id?: string | null; externalName?: string | null }): Promise<CachedTarget | null> {
  const key = by.id ? `${provider}\0id\0${by.id}` : by.externalName ? `${provider}\0name\0${by.externalName.toLowerCase()}` : null
  if (!key) return null
  const now = Date.now()
  const cached = targetCache.get(key)
  if (cached && cached.expiresAt > now) return cached
  const row = by.id ? await targetById().get({ provider, id: by.id }) : await targetByName().get({ provider, name: by.externalName! })
  const entry: CachedTarget = {
    row: row ? { id: row.id } : null,
    secrets: {
      current: row?.webhookSecret ? openSecret(row.webhookSecret, row.id) : null,
      previous: row?.previousWebhookSecret ? openSecret(row.previousWebhookSecret, row.id) : null,
      previousExpiresAt: row?.previousSecretExpiresAt?.getTime() ?? 0,
    },
    expiresAt: now + TARGET_CACHE_MS,
  }
  if (targetCache.size >= TARGET_CACHE_MAX) targetCache.clear()
  targetCache.set(key, entry)
  return entry
}

/**
 * The repository a delivery is for: by id (the `?repository=` query, stable across renames) or by the
 * name the payload gives, case-insensitively. Null when none is registered for that provider.
 */
export async function findWebhookTarget(provider: WebhookProvider, by: { id?: string | null; externalName?: string | null }): Promise<WebhookTarget | null> {
  const found = await lookUpTarget(provider, by)
  if (!found?.row) return null
  const { current, previous, previousExpiresAt } = found.secrets
  const secrets: string[] = []
  if (current) secrets.push(current)
  if (previous && previousExpiresAt > Date.now()) secrets.push(previous)
  return { id: found.row.id, secrets }
}
