import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { userWithRole } from '../../tests/helpers/auth'
import { createInvestigation, getInvestigation } from './investigations.server'
import { canMoveStatus } from './status'

describe('createInvestigation', () => {
  it('stores the investigation with its evidence, watchers and a created activity in one go', async () => {
    const engineer = await userWithRole('engineer')
    const admin = await userWithRole('admin')
    const id = await createInvestigation(
      {
        title: 'Checkout tests red on main',
        description: 'Payment **timeouts**',
        kind: 'failing_build',
        severity: 'sev2',
        ownerId: admin.id,
        evidence: [
          { kind: 'link', ref: 'https://status.example.com/1', label: 'Status page' },
          { kind: 'link', ref: 'https://status.example.com/1', label: 'Same link twice' },
        ],
      },
      engineer.id,
    )
    const view = await getInvestigation(id)
    expect(view).toMatchObject({ title: 'Checkout tests red on main', status: 'open', ownerName: admin.name })
    expect(view!.watchers.map((watcher) => watcher.id).sort()).toEqual([admin.id, engineer.id].sort())
    const evidence = await getDb().all<{ label: string }>(sql`select label from investigation_evidence where investigation_id = ${id}`)
    expect(evidence).toEqual([{ label: 'Status page' }])
    const kinds = await getDb().all<{ kind: string }>(sql`select kind from activity where investigation_id = ${id}`)
    expect(kinds).toEqual([{ kind: 'created' }])
    const found = await getDb().all<{ investigation_id: number }>(
      sql`select investigation_id from investigations_fts where investigations_fts match 'timeout'`,
    )
    expect(found).toEqual([{ investigation_id: id }])
  })

  it('hides a soft-deleted investigation', async () => {
    const engineer = await userWithRole('engineer')
    const id = await createInvestigation({ title: 'Gone', kind: 'incident', severity: 'sev4' }, engineer.id)
    await getDb().run(sql`update investigations set deleted_at = ${Date.now()} where id = ${id}`)
    expect(await getInvestigation(id)).toBeNull()
  })
})

describe('status transitions', () => {
  it('moves along the path and reopens from closed only to open', () => {
    expect(canMoveStatus('open', 'investigating')).toBe(true)
    expect(canMoveStatus('closed', 'open')).toBe(true)
    expect(canMoveStatus('closed', 'resolved')).toBe(false)
    expect(canMoveStatus('open', 'mitigated')).toBe(false)
  })
})
