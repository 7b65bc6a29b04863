import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, repositories } from '../../db/schema'
import { getDb } from '../db.server'
import { createRepository, findWebhookTarget, rotateWebhookSecret, SECRET_GRACE_MS } from './repositories.server'
import { repositorySchema } from './repository-schema'
import { openSecret } from './secret-box.server'

const actor = { userId: null, label: 'test' }
const input = (fields: Record<string, string>) => repositorySchema.parse(fields)

async function stored(id: string) {
  const [row] = await getDb().select().from(repositories).where(eq(repositories.id, id))
  return row
}

describe('createRepository', () => {
  it('keeps only ciphertext of the webhook secret, bound to the row, and audits the change', async () => {
    const created = await createRepository(input({ name: 'web', provider: 'github', externalName: 'acme/web' }), actor)
    if (!created.ok) throw new Error(created.message)
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(created.webhookUrl).toBe('http://localhost:3000/webhooks/github')
    const row = await stored(created.repository.id)
    expect(Object.values(row).some((value) => String(value).includes(created.secret!))).toBe(false)
    expect(openSecret(row.webhookSecret!, row.id)).toBe(created.secret)
    const audit = await getDb().select().from(auditLog).where(eq(auditLog.targetId, row.id))
    expect(audit.map((entry) => entry.action)).toEqual(['repository.create'])
  })

  it('gives a git repository no secret and no webhook URL', async () => {
    const created = await createRepository(input({ name: 'local', provider: 'git', gitPath: 'team/local.git', externalName: 'ignored/here' }), actor)
    if (!created.ok) throw new Error(created.message)
    expect(created).toMatchObject({ secret: null, webhookUrl: null, repository: { externalName: null, gitPath: 'team/local.git' } })
    expect((await stored(created.repository.id)).webhookSecret).toBeNull()
  })

  it('refuses a second repository of the same name, or the same external name in any case', async () => {
    await createRepository(input({ name: 'api', provider: 'gitlab', externalName: 'Group/Sub/API' }), actor)
    expect(await createRepository(input({ name: 'api', provider: 'github', externalName: 'acme/other' }), actor)).toMatchObject({ ok: false, field: 'name' })
    expect(await createRepository(input({ name: 'api-2', provider: 'gitlab', externalName: 'group/sub/api' }), actor)).toMatchObject({ ok: false, field: 'externalName' })
  })
})

describe('rotateWebhookSecret', () => {
  it('returns a new secret; the old one verifies for the grace period only', async () => {
    const created = await createRepository(input({ name: 'rotating', provider: 'github', externalName: 'acme/rotating' }), actor)
    if (!created.ok) throw new Error(created.message)
    const rotated = await rotateWebhookSecret(created.repository.id, actor)
    if (!rotated.ok) throw new Error(rotated.reason)
    expect(rotated.secret).not.toBe(created.secret)
    expect(rotated.previousValidUntil.getTime()).toBeGreaterThan(Date.now() + SECRET_GRACE_MS - 60_000)

    const target = await findWebhookTarget('github', { externalName: 'ACME/Rotating' })
    expect(target?.secrets).toEqual([rotated.secret, created.secret])
    await getDb().update(repositories).set({ previousSecretExpiresAt: new Date(Date.now() - 1) }).where(eq(repositories.id, created.repository.id))
    expect((await findWebhookTarget('github', { id: created.repository.id }))?.secrets).toEqual([rotated.secret])
    expect(await findWebhookTarget('gitlab', { id: created.repository.id })).toBeNull()

    const row = await stored(created.repository.id)
    expect(JSON.stringify(row)).not.toContain(rotated.secret)
    expect(JSON.stringify(row)).not.toContain(created.secret)
    const audit = await getDb().select().from(auditLog).where(eq(auditLog.targetId, created.repository.id))
    expect(audit.map((entry) => entry.action)).toEqual(['repository.create', 'repository.rotate_secret'])
  })

  it('has nothing to rotate for a git repository or an unknown id', async () => {
    const created = await createRepository(input({ name: 'plain', provider: 'git', gitPath: 'plain.git' }), actor)
    if (!created.ok) throw new Error(created.message)
    expect(await rotateWebhookSecret(created.repository.id, actor)).toEqual({ ok: false, reason: 'no_webhooks' })
    expect(await rotateWebhookSecret('nope', actor)).toEqual({ ok: false, reason: 'not_found' })
  })
})

describe('repositorySchema', () => {
  it('names the field that is wrong', () => {
    const errors = (fields: Record<string, string>) => repositorySchema.safeParse(fields).error?.flatten().fieldErrors
    expect(errors({ name: 'x', provider: 'github' })).toEqual({ externalName: ['Enter the repository as owner/repo'] })
    expect(errors({ name: 'x', provider: 'github', externalName: 'no-slash' })).toHaveProperty('externalName')
    expect(errors({ name: 'x', provider: 'gitlab', externalName: 'group/sub/project' })).toBeUndefined()
    expect(errors({ name: 'x', provider: 'git' })).toEqual({ gitPath: ['Enter the path of the repository on the server'] })
    expect(errors({ name: 'x', provider: 'svn', externalName: 'a/b' })).toHaveProperty('provider')
    expect(errors({ name: 'x', provider: 'git', gitPath: 'a.git', defaultBranch: 'bad branch' })).toHaveProperty('defaultBranch')
  })
})
