import { beforeAll, describe, expect, it } from 'vitest'
import type { InvestigationListItem } from '../investigations/list.server'
import { createInvestigation } from '../investigations/investigations.server'
import { cookieFor, userWithRole, makeRequest } from '../../tests/helpers/auth'
import { createRepository, rows } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader } from './investigations._index'

type Page = {
  items: InvestigationListItem[]
  nextPage: string | null
  firstPage: string | null
  filtered: boolean
  canWrite: boolean
  query: { owner: string | null; status: string[] }
}

let repo = ''
const T0 = Date.UTC(2025, 3, 1)

beforeAll(async () => {
  const engineer = await userWithRole('engineer')
  const admin = await userWithRole('admin')
  repo = await createRepository()
  for (let n = 0; n < 55; n++) {
    await createInvestigation({ title: `Bulk ${n}`, kind: 'incident', severity: 'sev4' }, admin.id, T0 + n)
  }
  await createInvestigation(
    {
      title: 'Checkout red on main',
      description: 'Payment timeouts',
      kind: 'failing_build',
      severity: 'sev1',
      repositoryId: repo,
      ownerId: engineer.id,
    },
    admin.id,
    T0 + 100,
  )
  const resolved = await createInvestigation(
    { title: 'Old login outage', kind: 'incident', severity: 'sev2', ownerId: engineer.id },
    admin.id,
    T0 + 101,
  )
  await rows(`update investigations set status = 'resolved' where id = ?`, resolved)
})

const load = async (path: string, role: 'viewer' | 'engineer' | null) =>
  settle<Page>(async () => loader(routeArgs(makeRequest(path, { cookie: role ? await cookieFor(role) : undefined }))))

describe('/investigations', () => {
  it('needs a login; viewers read it without edit controls, engineers get the New button', async () => {
    const anonymous = await load('/investigations', null)
    expect(anonymous.status).toBe(302)
    expect(anonymous.location).toMatch(/^\/login\?redirectTo=/)
    const viewer = await load('/investigations', 'viewer')
    expect(viewer.status).toBe(200)
    expect(viewer.body.canWrite).toBe(false)
    expect(viewer.body.items[0].title).toBe('Old login outage')
    expect((await load('/investigations', 'engineer')).body.canWrite).toBe(true)
  })

  it('filters by status, severity, repository and owner (mine), from the GET form', async () => {
    const titles = async (path: string, role: 'viewer' | 'engineer' = 'engineer') =>
      (await load(path, role)).body.items.map((item) => item.title)
    expect(await titles('/investigations?owner=me')).toEqual(['Old login outage', 'Checkout red on main'])
    expect(await titles('/investigations?mine=1&status=open&status=investigating')).toEqual(['Checkout red on main'])
    // Mine is the viewer's own: they own nothing.
    expect(await titles('/investigations?owner=me', 'viewer')).toEqual([])
    expect(await titles(`/investigations?repository=${repo}`)).toEqual(['Checkout red on main'])
    expect(await titles('/investigations?severity=sev1&severity=sev2')).toEqual([
      'Old login outage',
      'Checkout red on main',
    ])
    expect(await titles('/investigations?q=timeout')).toEqual(['Checkout red on main'])
    // Unknown values are ignored, not an error.
    const odd = await load('/investigations?status=bogus&severity=sev9&status=resolved', 'viewer')
    expect(odd.status).toBe(200)
    expect(odd.body.query.status).toEqual(['resolved'])
    expect(odd.body.items.map((item) => item.title)).toEqual(['Old login outage'])
    expect(odd.body.filtered).toBe(true)
  })

  it('answers 200 for search strings that mean something to FTS5', async () => {
    for (const q of ['"', 'a" OR "b', 'NEAR(', 'title:*', "'--"]) {
      const page = await load(`/investigations?q=${encodeURIComponent(q)}`, 'viewer')
      expect(page.status, q).toBe(200)
    }
  })

  it('pages with a Next page link that keeps the filters', async () => {
    const first = await load('/investigations?severity=sev4', 'viewer')
    expect(first.body.items).toHaveLength(25)
    expect(first.body.firstPage).toBeNull()
    expect(first.body.nextPage).toMatch(/^\/investigations\?severity=sev4&cursor=/)
    const seen = first.body.items.map((item) => item.id)
    let page = first
    while (page.body.nextPage) {
      page = await load(page.body.nextPage, 'viewer')
      expect(page.body.firstPage).toBe('/investigations?severity=sev4')
      seen.push(...page.body.items.map((item) => item.id))
    }
    expect(page.body.items.map((item) => item.title)).toEqual(['Bulk 4', 'Bulk 3', 'Bulk 2', 'Bulk 1', 'Bulk 0'])
    expect(new Set(seen).size).toBe(55)
    expect(seen).toHaveLength(55)
  })
})
