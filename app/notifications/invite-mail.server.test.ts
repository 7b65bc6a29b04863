import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { userWithRole } from '../../tests/helpers/auth'
import { inviteUser } from '../auth/invites.server'
import { getDb } from '../db.server'

const mailTo = (email: string) =>
  getDb().all<{ category: string; template: string; subject: string; headers: string; text: string; status: string }>(
    sql`select category, template, subject, headers, text, status from email_outbox where to_address = ${email} order by created_at, rowid`,
  )

describe('invite mail', () => {
  it('goes to the outbox with the invite, as security mail without unsubscribe, carrying the same link the admin sees', async () => {
    const admin = await userWithRole('admin')
    const email = `invitee-${Date.now()}@example.com`
    const invite = await inviteUser({ email, name: 'Ivy', role: 'engineer' }, { userId: admin.id })
    if (!invite.ok) throw new Error('invite failed')
    const [mail] = await mailTo(email)
    expect(mail).toMatchObject({
      category: 'security',
      template: 'invite',
      subject: 'Ada Admin invited you to Inquest',
      status: 'pending',
    })
    expect(JSON.parse(mail.headers)).toEqual({})
    expect(mail.text).toContain(invite.url)
    expect(mail.text).not.toMatch(/unsubscribe/i)

    // A re-invite replaces the link: the older mail, not sent yet, is cancelled.
    const again = await inviteUser({ email, name: 'Ivy', role: 'viewer' }, { userId: admin.id })
    if (!again.ok) throw new Error('re-invite failed')
    const mails = await mailTo(email)
    expect(mails.map((row) => row.status)).toEqual(['cancelled', 'pending'])
    expect(mails[1].text).toContain(again.url)
  })

  it('sends nothing when the invite fails', async () => {
    const admin = await userWithRole('admin')
    const taken = await inviteUser({ email: 'engineer@example.com', name: 'Dup', role: 'viewer' }, { userId: admin.id })
    expect(taken.ok).toBe(false)
    expect(await mailTo('engineer@example.com')).toEqual([])
  })
})
