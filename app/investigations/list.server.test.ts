import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { userWithRole } from '../../tests/helpers/auth'
import { createRepository } from '../../tests/helpers/linker'
import { createInvestigation } from './investigations.server'
import { decodeCursor, listInvestigations, searchTerms } from './list.server'

const T0 = Date.UTC(2025, 0, 1)
let engineerId = ''
let adminId = ''
let repoA = ''
let repoB = ''
const ids: Record<string, number> = {}

async function addNote(investigationId: number, body: string, deleted = false) {
  await getDb()
    .run(sql`insert into investigation_notes (investigation_id, author_id, body, created_at, updated_at, deleted_at)
    values (${investigationId}, ${engineerId}, ${body}, ${T0}, ${T0}, ${deleted ? T0 : null})`)
}

beforeAll(async () => {
  engineerId = (await userWithRole('engineer')).id
  adminId = (await userWithRole('admin')).id
  repoA = await createRepository()
  repoB = await createRepository()
  const make = async (key: string, at: number, input: Partial<Parameters<typeof createInvestigation>[0]> = {}) => {
    ids[key] = await createInvestigation(
      { title: key, kind: 'failing_build', severity: 'sev3', ...input },
      engineerId,
      at,
    )
  }
  await make('checkout red', T0 + 1, {
    repositoryId: repoA,
    ownerId: engineerId,
    severity: 'sev1',
    description: 'Payment timeouts in the checkout suite',
  })
  await make('login flaky', T0 + 2, { repositoryId: repoB, ownerId: adminId, severity: 'sev2' })
  await make('deploy broke search', T0 + 3, {
    repositoryId: repoA,
    ownerId: adminId,
    severity: 'sev1',
    kind: 'incident',
  })
  await make('memory leak', T0 + 4, { ownerId: engineerId, severity: 'sev4', kind: 'regression' })
  await make('deleted one', T0 + 5, {
    repositoryId: repoA,
    ownerId: engineerId,
    severity: 'sev1',
    description: 'timeouts everywhere',
  })
  await getDb().run(sql`update investigations set deleted_at = ${T0 + 6} where id = ${ids['deleted one']}`)
  await getDb().run(sql`update investigations set status = 'resolved' where id = ${ids['login flaky']}`)
  await addNote(ids['memory leak'], 'The **heap** grows after each request; suspect the cache in `worker.ts`.')
  await addNote(ids['login flaky'], 'Removed note about kangaroos', true)
})

const titles = (page: { items: Array<{ title: string }> }) => page.items.map((item) => item.title)

describe('listInvestigations', () => {
  it('lists newest updated first with repository and owner names, never soft-deleted ones', async () => {
    const page = await listInvestigations()
    expect(titles(page)).toEqual(['memory leak', 'deploy broke search', 'login flaky', 'checkout red'])
    expect(page.nextCursor).toBeNull()
    const checkout = page.items.find((item) => item.id === ids['checkout red'])
    expect(checkout).toMatchObject({
      status: 'open',
      severity: 'sev1',
      repositoryId: repoA,
      ownerId: engineerId,
      ownerName: 'Eli Engineer',
    })
    expect(checkout!.repository).toEqual(expect.any(String))
  })

  it('combines filters: status, repository, owner and severity', async () => {
    expect(titles(await listInvestigations({ repositoryId: repoA }))).toEqual(['deploy broke search', 'checkout red'])
    expect(titles(await listInvestigations({ repositoryId: repoA, severity: ['sev1'], ownerId: adminId }))).toEqual([
      'deploy broke search',
    ])
    expect(titles(await listInvestigations({ ownerId: engineerId }))).toEqual(['memory leak', 'checkout red'])
    expect(titles(await listInvestigations({ status: ['resolved', 'closed'] }))).toEqual(['login flaky'])
    expect(titles(await listInvestigations({ status: ['open'], severity: ['sev2', 'sev4'] }))).toEqual(['memory leak'])
    expect(titles(await listInvestigations({ status: ['resolved'], repositoryId: repoA }))).toEqual([])
  })

  it('finds words in titles, descriptions and notes, by prefix and across places', async () => {
    expect(titles(await listInvestigations({ q: 'checkout' }))).toEqual(['checkout red'])
    // Description, not title; the deleted investigation with the same word stays hidden.
    expect(titles(await listInvestigations({ q: 'timeouts' }))).toEqual(['checkout red'])
    expect(titles(await listInvestigations({ q: 'time' }))).toEqual(['checkout red'])
    // Only in a note.
    expect(titles(await listInvestigations({ q: 'heap' }))).toEqual(['memory leak'])
    // One word in the title, the other in a note.
    expect(titles(await listInvestigations({ q: 'MEMORY cache' }))).toEqual(['memory leak'])
    expect(titles(await listInvestigations({ q: 'memory payment' }))).toEqual([])
    // A deleted note is not searched.
    expect(titles(await listInvestigations({ q: 'kangaroos' }))).toEqual([])
    // Search combines with filters.
    expect(titles(await listInvestigations({ q: 'search', repositoryId: repoB }))).toEqual([])
    expect(titles(await listInvestigations({ q: 'search', repositoryId: repoA }))).toEqual(['deploy broke search'])
  })

  it('keeps search in step with edits to titles and notes', async () => {
    const id = await createInvestigation(
      { title: 'Pager storm', kind: 'incident', severity: 'sev2', description: 'Alerts fire twice' },
      engineerId,
      T0 + 50,
    )
    await addNote(id, 'Dedup key missing in the alert rule')
    expect(titles(await listInvestigations({ q: 'pager dedup' }))).toEqual(['Pager storm'])
    await getDb().run(sql`update investigations set title = 'Alert storm' where id = ${id}`)
    expect(titles(await listInvestigations({ q: 'pager' }))).toEqual([])
    // The note is still found after the title changed.
    expect(titles(await listInvestigations({ q: 'alert dedup' }))).toEqual(['Alert storm'])
    await getDb().run(sql`update investigation_notes set body = 'Grouping key missing' where investigation_id = ${id}`)
    expect(titles(await listInvestigations({ q: 'dedup' }))).toEqual([])
    expect(titles(await listInvestigations({ q: 'grouping' }))).toEqual(['Alert storm'])
    await getDb().run(sql`update investigation_notes set deleted_at = ${T0} where investigation_id = ${id}`)
    expect(titles(await listInvestigations({ q: 'grouping' }))).toEqual([])
    expect(titles(await listInvestigations({ q: 'twice' }))).toEqual(['Alert storm'])
    await getDb().run(sql`delete from investigations where id = ${id}`)
    expect(titles(await listInvestigations({ q: 'twice' }))).toEqual([])
  })

  it('never throws on strings that mean something to FTS5 or SQL', async () => {
    const nasty = [
      '"',
      '""',
      '"unterminated',
      'heap"',
      "'; drop table investigations; --",
      'NOT',
      'heap AND',
      'OR OR',
      'NEAR(heap cache)',
      'title:heap',
      '*',
      'heap*',
      '^heap',
      '(heap',
      ')',
      '-heap',
      '+',
      '{title body}: heap',
      '\u0000',
      '🙂',
      'a'.repeat(5000),
      'x '.repeat(500),
    ]
    for (const q of nasty) {
      await expect(listInvestigations({ q }), q).resolves.toHaveProperty('items')
    }
    // Punctuation around a word does not hide it.
    expect(titles(await listInvestigations({ q: '"heap' }))).toEqual(['memory leak'])
    expect(titles(await listInvestigations({ q: 'title:heap' }))).toEqual([])
    expect(titles(await listInvestigations({ q: 'NOT heap' }))).toEqual([])
    expect(searchTerms('NOT "x" a OR')).toEqual(['"NOT"*', '"""x"""*', '"a"*', '"OR"*'])
  })

  it('pages with a cursor that never repeats or skips, even when times tie', async () => {
    const creator = await userWithRole('viewer')
    const repo = await createRepository()
    const made: number[] = []
    // 23 investigations, several sharing an updated_at, so the id breaks ties.
    for (let n = 0; n < 23; n++) {
      made.push(
        await createInvestigation(
          { title: `paged ${n}`, kind: 'incident', severity: 'sev3', repositoryId: repo },
          creator.id,
          T0 + 100 + Math.floor(n / 4),
        ),
      )
    }
    const seen: number[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await listInvestigations({ repositoryId: repo, limit: 5, cursor })
      expect(page.items.length).toBeLessThanOrEqual(5)
      seen.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor
      pages++
    } while (cursor && pages < 20)
    expect(pages).toBe(5)
    expect(new Set(seen).size).toBe(seen.length)
    expect([...seen].sort((a, b) => a - b)).toEqual(made)
    // Newest first, ties by id descending.
    expect(seen[0]).toBe(made[22])
    expect(seen.slice(0, 4)).toEqual([made[22], made[21], made[20], made[19]])
  })

  it('treats an unreadable cursor as the first page', async () => {
    expect(decodeCursor('not-a-cursor')).toBeNull()
    expect(decodeCursor(Buffer.from('1.2; drop').toString('base64url'))).toBeNull()
    const first = await listInvestigations({ limit: 2 })
    expect((await listInvestigations({ limit: 2, cursor: '%%%' })).items).toEqual(first.items)
    expect(decodeCursor(first.nextCursor)).toEqual({ updatedAt: first.items[1].updatedAt, id: first.items[1].id })
  })
})
