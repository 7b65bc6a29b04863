import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../auth/users.server'
import { getDb } from '../db.server'
import { userWithRole } from '../../tests/helpers/auth'
import { createInvestigation } from './investigations.server'
import { addNote, listNotes } from './notes.server'

type User = Awaited<ReturnType<typeof userWithRole>>
let engineer: User
let admin: User
let viewer: User

beforeAll(async () => {
  engineer = await userWithRole('engineer')
  admin = await userWithRole('admin')
  viewer = await userWithRole('viewer')
  // Two people share the local part "sam": "@sam" is ambiguous and mentions nobody.
  await createUser({ email: 'sam@one.example.com', name: 'Sam One', role: 'viewer' })
  await createUser({ email: 'sam@two.example.com', name: 'Sam Two', role: 'viewer' })
})

describe('addNote', () => {
  it('stores the note and records the mentioned users on the note_added activity', async () => {
    const id = await createInvestigation({ title: 'Flaky login', kind: 'regression', severity: 'sev3' }, engineer.id)
    const outcome = await addNote(
      id,
      'Looks like the cache. @admin please check, @viewer@example.com FYI, @sam and @ghost too',
      engineer.id,
    )
    expect(outcome).toMatchObject({ ok: true, mentions: [admin.id, viewer.id] })
    const [row] = await getDb().all<{ kind: string; actor_id: string; data: string }>(
      sql`select kind, actor_id, data from activity where investigation_id = ${id} and kind = 'note_added'`,
    )
    expect(row.actor_id).toBe(engineer.id)
    expect(JSON.parse(row.data)).toEqual({
      noteId: outcome.ok ? outcome.noteId : -1,
      excerpt: 'Looks like the cache. @admin please check, @viewer@example.com FYI, @sam and @ghost too',
      mentions: [admin.id, viewer.id],
    })
    const search = await getDb().all<{ investigation_id: number }>(
      sql`select investigation_id from investigations_fts where investigations_fts match 'cache'`,
    )
    expect(search).toEqual([{ investigation_id: id }])
  })

  it('renders notes safely, with the mentioned names highlighted', async () => {
    const id = await createInvestigation({ title: 'XSS attempt', kind: 'incident', severity: 'sev4' }, engineer.id)
    await addNote(id, '<script>alert(1)</script> [x](javascript:alert(1)) ask @engineer', admin.id)
    const [note] = await listNotes(id)
    expect(note.authorName).toBe(admin.name)
    expect(note.html).not.toMatch(/<script|href="javascript/i)
    expect(note.html).toContain('&lt;script&gt;')
    expect(note.html).toContain(
      `<span class="mention" data-user-id="${engineer.id}" title="engineer@example.com">@${engineer.name}</span>`,
    )
  })

  it('refuses an empty note and a deleted or missing investigation', async () => {
    const id = await createInvestigation({ title: 'Empty', kind: 'incident', severity: 'sev4' }, engineer.id)
    expect(await addNote(id, '   ', engineer.id)).toMatchObject({ ok: false, reason: 'empty' })
    expect(await addNote(123456, 'hello', engineer.id)).toMatchObject({ ok: false, reason: 'not_found' })
    await getDb().run(sql`update investigations set deleted_at = 1 where id = ${id}`)
    expect(await addNote(id, 'hello', engineer.id)).toMatchObject({ ok: false, reason: 'not_found' })
  })
})
