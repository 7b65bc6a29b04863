// Notes on an investigation: Markdown with `@mentions`. Adding one writes a `note_added` activity with
// the mentioned user ids, so that the fan-out tells them even when they do not watch.
import { sql } from 'drizzle-orm'
import { investigationNotes } from '../../db/schema/investigations'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { firstRow, json } from '../linker/sql.server'
import { recordActivity } from './activity.server'
import { mentionHandles, plainExcerpt, renderMarkdown, type MentionedUser } from './markdown.server'

export const NOTE_MAX_LENGTH = 20_000

export type AddNoteOutcome =
  | { ok: true; noteId: number; mentions: string[] }
  | { ok: false; reason: 'not_found' | 'empty' | 'too_long'; message: string }

/**
 * Resolves mention handles to active users: a whole email, or an email's local part when exactly one
 * active user has it. Unknown and ambiguous handles resolve to nobody.
 */
export async function resolveMentions(db: Tx, handles: readonly string[]): Promise<Map<string, MentionedUser>> {
  const resolved = new Map<string, MentionedUser>()
  if (handles.length === 0) return resolved
  const lowered = handles.map((handle) => handle.toLowerCase())
  const users = await db.all<MentionedUser & { local: string }>(sql`
    select id, name, email, substr(email, 1, instr(email, '@') - 1) as local from users
    where disabled_at is null and (email in (select value from json_each(${json(lowered)}))
      or substr(email, 1, instr(email, '@') - 1) in (select value from json_each(${json(lowered)})))`)
  for (const handle of lowered) {
    const byEmail = users.find((user) => user.email === handle)
    const byLocal = users.filter((user) => user.local === handle)
    const user = byEmail ?? (byLocal.length === 1 ? byLocal[0] : undefined)
    if (user) resolved.set(handle, { id: user.id, name: user.name, email: user.email })
  }
  return resolved
}

/** Adds a note by `actorId`; returns its id and the ids of the people it mentions. */
export async function addNote(id: number, body: string, actorId: string, at = Date.now()): Promise<AddNoteOutcome> {
  const text = body.trim()
  if (!text) return { ok: false, reason: 'empty', message: 'Write something first.' }
  if (text.length > NOTE_MAX_LENGTH)
    return { ok: false, reason: 'too_long', message: `A note holds at most ${NOTE_MAX_LENGTH} characters.` }
  const handles = mentionHandles(text)
  return getDb().transaction(async (tx): Promise<AddNoteOutcome> => {
    const found = await firstRow<{ id: number }>(
      tx,
      sql`select id from investigations where id = ${id} and deleted_at is null`,
    )
    if (!found) return { ok: false, reason: 'not_found', message: 'This investigation does not exist or was deleted.' }
    const [note] = await tx
      .insert(investigationNotes)
      .values({ investigationId: id, authorId: actorId, body: text, createdAt: at, updatedAt: at })
      .returning({ id: investigationNotes.id })
    const mentions = [...new Set([...(await resolveMentions(tx, handles)).values()].map((user) => user.id))]
    await recordActivity(tx, {
      investigationId: id,
      actorId,
      kind: 'note_added',
      data: { noteId: note.id, excerpt: plainExcerpt(text), mentions },
      at,
    })
    return { ok: true, noteId: note.id, mentions }
  })
}

export interface NoteView {
  id: number
  authorId: string | null
  authorName: string | null
  body: string
  /** Safe HTML, rendered on the server. */
  html: string
  createdAt: number
}

/** The notes of an investigation, oldest first, rendered with their mentions highlighted. */
export async function listNotes(id: number): Promise<NoteView[]> {
  const db = getDb()
  const rows = await db.all<Omit<NoteView, 'html'>>(sql`
    select n.id, n.author_id as authorId, u.name as authorName, n.body, n.created_at as createdAt
    from investigation_notes n left join users u on u.id = n.author_id
    where n.investigation_id = ${id} and n.deleted_at is null order by n.created_at, n.id`)
  const handlesByNote = rows.map((row) => mentionHandles(row.body))
  const mentions = await resolveMentions(db, [...new Set(handlesByNote.flat())])
  return rows.map((row) => ({ ...row, html: renderMarkdown(row.body, mentions) }))
}
