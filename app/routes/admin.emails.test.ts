import { describe, expect, it } from 'vitest'
import { cookieFor, makeRequest } from '../../tests/helpers/auth'
import { routeArgs, settle } from '../../tests/helpers/route'
import { loader } from './admin.emails'

type Body = {
  templates?: Array<{ name: string }>
  selected?: { name: string; subject: string; html: string; text: string; category: string }
}

const open = async (path: string, role: 'admin' | 'engineer' = 'admin') =>
  settle<Body>(async () => loader(routeArgs(makeRequest(path, { cookie: await cookieFor(role) }))))

describe('/admin/emails', () => {
  it('is for admins only', async () => {
    expect((await open('/admin/emails', 'engineer')).status).toBe(403)
  })

  it('lists every template and renders the chosen one with sample data, HTML and text', async () => {
    const first = await open('/admin/emails')
    expect(first.status).toBe(200)
    expect(first.body.templates!.map((item) => item.name)).toEqual(
      expect.arrayContaining(['assigned', 'comment', 'invite', 'branch-red']),
    )
    const invite = await open('/admin/emails?template=invite')
    expect(invite.body.selected).toMatchObject({
      name: 'invite',
      category: 'security',
      subject: 'Ada Admin invited you to Inquest',
    })
    expect(invite.body.selected!.html).toContain('Set your password')
    expect(invite.body.selected!.text).toContain('https://inquest.example.com/invite/sample-invite-token')
    expect((await open('/admin/emails?template=nope')).status).toBe(404)
  })
})
