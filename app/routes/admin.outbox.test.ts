import { beforeAll, describe, expect, it } from 'vitest'
import { cookieFor, ensureDemoUsers, makeRequest } from '../../tests/helpers/auth'
import { routeArgs, settle } from '../../tests/helpers/route'
import { getClient, getDb } from '../db.server'
import { enqueueEmail } from '../notifications/outbox.server'
import { action, loader } from './admin.outbox'

type Body = Record<string, unknown> & { notice?: string | null; result?: unknown }
type Page = {
  counts: Record<string, number>
  page: {
    items: Array<{ id: string; status: string; subject: string; lastError: string | null }>
    nextCursor: string | null
  }
  selected: { id: string; html: string; text: string; headers: Record<string, string> } | null
}

let adminCookie = ''
const ids: Record<string, string> = {}

beforeAll(async () => {
  await ensureDemoUsers()
  adminCookie = await cookieFor('admin')
  await getDb().transaction(async (tx) => {
    for (const status of ['sent', 'failed', 'captured'] as const) {
      ids[status] = await enqueueEmail(tx, {
        userId: null,
        to: `${status}@example.com`,
        category: 'comment',
        template: 'comment',
        subject: `A ${status} mail`,
        html: `<p>Body of the ${status} mail</p>`,
        text: `Body of the ${status} mail`,
        headers: { 'List-Unsubscribe': '<http://localhost:3000/unsubscribe/x>' },
      })
    }
  })
  const client = getClient()
  await client.execute({ sql: `update email_outbox set status = 'sent', sent_at = 1 where id = ?`, args: [ids.sent] })
  await client.execute({
    sql: `update email_outbox set status = 'failed', attempts = 8, last_error = ? where id = ?`,
    args: ['gave up after 8 attempts; last: 500', ids.failed],
  })
  await client.execute({ sql: `update email_outbox set status = 'captured' where id = ?`, args: [ids.captured] })
})

const load = (path: string, cookie = adminCookie) =>
  settle<Page>(() => loader(routeArgs(makeRequest(path, { cookie }))))
const post = (form: Record<string, string>, cookie = adminCookie) =>
  settle<Body>(() => action(routeArgs(makeRequest('/admin/outbox', { cookie, form }))))

describe('/admin/outbox', () => {
  it('is 403 for engineers and viewers, loader and action alike', async () => {
    for (const role of ['engineer', 'viewer'] as const) {
      const cookie = await cookieFor(role)
      expect((await load('/admin/outbox', cookie)).status).toBe(403)
      expect((await post({ intent: 'retry', id: ids.failed }, cookie)).status).toBe(403)
    }
  })

  it('lists mail with counts per status, and filters by status', async () => {
    const all = await load('/admin/outbox')
    expect(all.body.counts).toMatchObject({ sent: 1, failed: 1, captured: 1, pending: 0 })
    expect(all.body.page.items.map((item) => item.id).sort()).toEqual(Object.values(ids).sort())
    const failed = await load('/admin/outbox?status=failed')
    expect(failed.body.page.items).toEqual([
      expect.objectContaining({ id: ids.failed, lastError: 'gave up after 8 attempts; last: 500' }),
    ])
  })

  it('shows one mail as sent: its HTML, text and headers; 404 for an unknown one', async () => {
    const page = await load(`/admin/outbox?id=${ids.captured}`)
    expect(page.body.selected).toMatchObject({
      id: ids.captured,
      html: '<p>Body of the captured mail</p>',
      text: 'Body of the captured mail',
      headers: { 'List-Unsubscribe': '<http://localhost:3000/unsubscribe/x>' },
    })
    expect((await load('/admin/outbox?id=nothing-here')).status).toBe(404)
  })

  it('retries a failed mail: back in line with attempts from zero, audited', async () => {
    const answer = await post({ intent: 'retry', id: ids.failed })
    expect(answer.status).toBe(200)
    expect(answer.body.notice).toContain('back in line')
    const row = (
      await getClient().execute({
        sql: `select status, attempts, last_error from email_outbox where id = ?`,
        args: [ids.failed],
      })
    ).rows[0]
    expect({ ...row }).toEqual({ status: 'pending', attempts: 0, last_error: null })
    const audit = await getClient().execute(`select target_id from audit_log where action = 'outbox.retry'`)
    expect(audit.rows.map((entry) => entry.target_id)).toEqual([ids.failed])
  })

  it('refuses to retry mail that has not failed, unknown mail, bad ids and unknown intents', async () => {
    expect((await post({ intent: 'retry', id: ids.sent })).status).toBe(409)
    expect((await post({ intent: 'retry', id: 'nothing-here' })).status).toBe(404)
    expect((await post({ intent: 'retry', id: 'not an id!' })).status).toBe(400)
    expect((await post({ intent: 'resend-everything', id: ids.sent })).status).toBe(400)
    const sent = await getClient().execute({ sql: `select status from email_outbox where id = ?`, args: [ids.sent] })
    expect(sent.rows[0].status).toBe('sent')
  })
})
