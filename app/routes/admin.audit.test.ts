import type { LoaderFunctionArgs } from '@remix-run/node'
import { beforeAll, describe, expect, it } from 'vitest'
import { recordAudit } from '../auth/audit.server'
import { getDb } from '../db.server'
import { auditLog } from '../../db/schema'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { settle } from '../../tests/helpers/route'
import { loader } from './admin.audit'
import { loader as csvLoader } from './admin.audit[.]csv'

type Body = Record<string, unknown> & {
    result?: { error?: Record<string, string[] | null> } | null
    notice?: string | null
  }


const args = (request: Request) => ({ request, params: {}, context: {} }) as unknown as LoaderFunctionArgs
let adminCookie = ''

type Entry = { id: number; who: string; action: string; target: string | null; detail: string }

beforeAll(async () => {
  await ensureDemoUsers()
  adminCookie = await cookieFor('admin')
  const admin = await userWithRole('admin')
  const engineer = await userWithRole('engineer')
  // Entries at known times: two on 2024-05-01, one on 2024-05-03, by different actors.
  await getDb()
    .insert(auditLog)
    .values([
      {
        at: new Date('2024-05-01T08:00:00Z'),
        actorUserId: admin.id,
        action: 'user.role_change',
        targetType: 'user',
        targetId: engineer.id,
        detail: { from: 'viewer', to: 'engineer' },
      },
      { at: new Date('2024-05-01T23:59:00Z'), actorUserId: engineer.id, action: 'token.create', ip: '203.0.113.9' },
      {
        at: new Date('2024-05-03T10:00:00Z'),
        actorLabel: 'typed@nowhere.example',
        action: 'login.failure',
        detail: { reason: 'unknown email, "quoted"' },
      },
    ])
  for (let index = 0; index < 55; index++)
    await recordAudit({ action: 'test.bulk', actor: { userId: admin.id }, detail: { index } })
})

const page = (query: string, cookie = adminCookie) =>
  settle<Body>(() => loader(args(makeRequest(`/admin/audit${query}`, { cookie }))))
const csv = (query: string, cookie = adminCookie) =>
  settle<Body>(() => csvLoader(args(makeRequest(`/admin/audit.csv${query}`, { cookie }))))

describe('/admin/audit', () => {
  it('is 403 for engineers and viewers, page and CSV alike', async () => {
    for (const role of ['engineer', 'viewer'] as const) {
      const cookie = await cookieFor(role)
      expect((await page('', cookie)).status).toBe(403)
      expect((await csv('', cookie)).status).toBe(403)
    }
  })

  it('filters by actor email, action and inclusive UTC dates, naming who acted and the target', async () => {
    const byAdmin = await page('?actor=ADMIN@example.com&action=user.role_change')
    const entries = byAdmin.body.entries as Entry[]
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      who: 'admin@example.com',
      target: 'engineer@example.com',
      detail: 'from: viewer, to: engineer',
    })

    const firstOfMay = (await page('?from=2024-05-01&to=2024-05-01')).body.entries as Entry[]
    expect(firstOfMay.map((entry) => entry.action)).toEqual(['token.create', 'user.role_change'])
    const fromSecond = (await page('?from=2024-05-02&to=2024-05-31')).body.entries as Entry[]
    expect(fromSecond.map((entry) => entry.who)).toEqual(['typed@nowhere.example'])
    expect((await page('')).body.actions).toEqual(
      expect.arrayContaining(['login.failure', 'test.bulk', 'token.create', 'user.role_change']),
    )
  })

  it('pages with before=<id>, 50 at a time', async () => {
    const first = await page('?action=test.bulk')
    expect((first.body.entries as Entry[]).length).toBe(50)
    const before = first.body.olderBefore as number
    expect(before).toBe((first.body.entries as Entry[])[49].id)
    const second = await page(`?action=test.bulk&before=${before}`)
    expect((second.body.entries as Entry[]).map((entry) => entry.detail)).toEqual([
      'index: 4',
      'index: 3',
      'index: 2',
      'index: 1',
      'index: 0',
    ])
    expect(second.body.olderBefore).toBeNull()
    expect(second.body.paged).toBe(true)
  })

  it('reports bad filter values beside their fields instead of failing', async () => {
    const outcome = await page('?actor=nobody&from=2024-13-01')
    expect(outcome.status).toBe(200)
    expect(outcome.body.errors).toEqual({ actor: 'Enter a whole email address', from: 'Not a real date' })
  })
})

describe('/admin/audit.csv', () => {
  it('downloads the filtered log as escaped CSV with a header row', async () => {
    const outcome = await csv('?from=2024-05-01&to=2024-05-03')
    expect(outcome.status).toBe(200)
    const response = outcome.response!
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="inquest-audit-\d{4}-\d{2}-\d{2}\.csv"$/,
    )
    const lines = (await response.text()).trimEnd().split('\r\n')
    expect(lines[0]).toBe('id,at,actor_email,actor_label,actor_token,ip,action,target_type,target_id,target,detail')
    expect(lines).toHaveLength(4)
    expect(lines[1]).toContain(
      ',2024-05-03T10:00:00.000Z,,typed@nowhere.example,,,login.failure,,,,"{""reason"":""unknown email, \\""quoted\\""""}"',
    )
    expect(lines[3]).toContain('admin@example.com')
  })

  it('ignores the page cursor but refuses bad filters with 400', async () => {
    const all = await csv('?action=test.bulk&before=3')
    expect((await all.response!.text()).trimEnd().split('\r\n')).toHaveLength(56)
    expect((await csv('?to=someday')).status).toBe(400)
  })
})
