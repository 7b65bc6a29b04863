// Wizard drafts: what someone has typed so far, saved on every step so that reload, back and
// forward, or coming back tomorrow lose nothing. A draft belongs to one person; every query is
// scoped by its owner, so someone else's draft id reads as missing.
import { sql } from 'drizzle-orm'
import { investigationDrafts } from '../../db/schema/investigations'
import { getDb } from '../db.server'
import { firstRow } from '../linker/sql.server'
import { newId } from '../utils/crypto.server'
import type { StepKey } from './wizard-schema'

/** What the linker knew about the scope of step 2 when it was saved: the anchor of steps 3 and 4. */
export interface LinkerScope {
  /** repository, branch and workflow as saved, to tell when the scope changes. */
  scopeKey: string
  episodeId: number | null
  firstRedRunId: number | null
  lastGreenRunId: number | null
}

/**
 * Each step's form values as the person typed them (Conform's payload: strings, lists and rows),
 * valid or not; they are validated again when the investigation is created.
 */
export type DraftData = Partial<Record<StepKey, Record<string, unknown>>> & { linker?: LinkerScope }

export interface Draft {
  id: string
  userId: string
  /** The furthest step completed with valid input (0: none yet). */
  step: number
  data: DraftData
  createdAt: number
  updatedAt: number
}

export interface DraftSummary {
  id: string
  title: string | null
  step: number
  updatedAt: number
}

export async function createDraft(userId: string, data: DraftData, step: number, now = Date.now()): Promise<string> {
  const id = newId()
  await getDb().insert(investigationDrafts).values({ id, userId, step, data, createdAt: now, updatedAt: now })
  return id
}

/** The draft, when it is this person's; null otherwise. */
export async function getDraft(id: string, userId: string): Promise<Draft | null> {
  const row = await firstRow<{ id: string; userId: string; step: number; data: string; createdAt: number; updatedAt: number }>(
    getDb(),
    sql`select id, user_id as userId, step, data, created_at as createdAt, updated_at as updatedAt
        from investigation_drafts where id = ${id} and user_id = ${userId}`,
  )
  return row ? { ...row, data: JSON.parse(row.data) as DraftData } : null
}

/** Saves the draft's data and furthest step. False when it is gone (or not this person's). */
export async function saveDraft(id: string, userId: string, data: DraftData, step: number, now = Date.now()): Promise<boolean> {
  const result = await getDb().run(
    sql`update investigation_drafts set data = ${JSON.stringify(data)}, step = ${step}, updated_at = max(updated_at + 1, ${now})
        where id = ${id} and user_id = ${userId}`,
  )
  return result.rowsAffected > 0
}

/** A person's drafts, newest first, for "continue where you left off". */
export async function listDrafts(userId: string, limit = 10): Promise<DraftSummary[]> {
  return getDb().all<DraftSummary>(
    sql`select id, json_extract(data, '$.what.title') as title, step, updated_at as updatedAt
        from investigation_drafts where user_id = ${userId} order by updated_at desc, id limit ${limit}`,
  )
}

export async function deleteDraft(id: string, userId: string): Promise<boolean> {
  const result = await getDb().run(sql`delete from investigation_drafts where id = ${id} and user_id = ${userId}`)
  return result.rowsAffected > 0
}

/**
 * Takes the draft out of the table and returns it, so that of two clicks on "Create" only one
 * creates; `restoreDraft` puts it back if creating then fails.
 */
export async function claimDraft(id: string, userId: string): Promise<Draft | null> {
  const row = await firstRow<{ id: string; userId: string; step: number; data: string; createdAt: number; updatedAt: number }>(
    getDb(),
    sql`delete from investigation_drafts where id = ${id} and user_id = ${userId}
        returning id, user_id as userId, step, data, created_at as createdAt, updated_at as updatedAt`,
  )
  return row ? { ...row, data: JSON.parse(row.data) as DraftData } : null
}

export async function restoreDraft(draft: Draft) {
  await getDb()
    .insert(investigationDrafts)
    .values({ id: draft.id, userId: draft.userId, step: draft.step, data: draft.data, createdAt: draft.createdAt, updatedAt: draft.updatedAt })
    .onConflictDoNothing()
}
