import { beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { crossSiteRefusal } from '../auth/csrf.server'
import { createUser } from '../auth/users.server'
import { getDb } from '../db.server'
import { enqueueEmail } from '../notifications/outbox.server'
import { getDeliveryFor, getDigestSettings } from '../notifications/preferences.server'
import { unsubscribeLinkFor, type UnsubscribeCategory } from '../notifications/unsubscribe.server'
import { action, loader } from './unsubscribe.$token'

type Body = {
  state?: { subscribed: boolean; label: string; canUndo: boolean; email: string }
  done?: string | null
  error?: string | null
}

let people = 0
let user: { id: string; email: string }

beforeAll(async () => {
  user = await createUser({ email: `unsub-${Date.now()}@example.com`, name: 'Una', role: 'engineer' })
})

async function freshUser() {
  return createUser({ email: `unsub-${++people}-${Date.now()}@example.com`, name: 'Ulla', role: 'viewer' })
}

async function tokenFor(userId: string, category: UnsubscribeCategory) {
  const link = await getDb().transaction((tx) => unsubscribeLinkFor(tx, userId, category))
  return link.url.split('/unsubscribe/')[1]
}

async function queueMail(userId: string, category: string) {
  return getDb().transaction((tx) =>
    enqueueEmail(tx, {
      userId,
      to: 'x@example.com',
      category,
      template: 't',
      subject: `s ${category}`,
      html: '<p>x</p>',
      text: 'x',
    }),
  )
}

const statusOf = async (id: string) =>
  (await rows<{ status: string }>('select status from email_outbox where id = ?', id))[0].status
const auditCount = async (userId: string, action: string) =>
  (
    await rows<{ n: number }>('select count(*) as n from audit_log where target_id = ? and action = ?', userId, action)
  )[0].n

/** A mail client's one-click POST: no cookie, no Origin, body `List-Unsubscribe=One-Click`. */
function oneClick(token: string, kind: 'urlencoded' | 'multipart') {
  let body: BodyInit
  if (kind === 'multipart') {
    const form = new FormData()
    form.set('List-Unsubscribe', 'One-Click')
    body = form
  } else {
    body = new URLSearchParams({ 'List-Unsubscribe': 'One-Click' })
  }
  return new Request(`http://localhost:3000/unsubscribe/${token}`, { method: 'POST', body })
}

const get = (token: string) =>
  settle<Body>(() => loader(routeArgs(new Request(`http://localhost:3000/unsubscribe/${token}`), { token })))
const post = (request: Request, token: string) => settle<Body>(() => action(routeArgs(request, { token })))

describe('/unsubscribe/:token', () => {
  it('GET names what would stop and changes nothing', async () => {
    const token = await tokenFor(user.id, 'comment')
    const mail = await queueMail(user.id, 'comment')
    const page = await get(token)
    expect(page.status).toBe(200)
    expect(page.body.state).toMatchObject({ subscribed: true, label: 'comments and mentions', email: user.email })
    expect(await getDeliveryFor(user.id, 'comment')).toBe('immediate')
    expect(await statusOf(mail)).toBe('pending')
  })

  it('a one-click POST (urlencoded, no cookie) unsubscribes at once: 200, no redirect, pending mail cancelled, audit-logged', async () => {
    const target = await freshUser()
    const token = await tokenFor(target.id, 'comment')
    const comment = await queueMail(target.id, 'comment')
    const other = await queueMail(target.id, 'assigned')
    const security = await queueMail(target.id, 'security')
    const answer = await post(oneClick(token, 'urlencoded'), token)
    expect(answer.status).toBe(200)
    expect(answer.location ?? null).toBeNull()
    expect(answer.body.done).toBe('unsubscribed')
    expect(await getDeliveryFor(target.id, 'comment')).toBe('off')
    expect(await getDeliveryFor(target.id, 'assigned')).toBe('immediate')
    expect(await statusOf(comment)).toBe('cancelled')
    expect(await statusOf(other)).toBe('pending')
    expect(await statusOf(security)).toBe('pending')
    const [entry] = await rows<{ actor_label: string; actor_user_id: string | null; detail: string }>(
      `select actor_label, actor_user_id, detail from audit_log where target_id = ? and action = 'notifications.unsubscribe'`,
      target.id,
    )
    expect(entry.actor_label).toBe('unsubscribe link')
    expect(JSON.parse(entry.detail)).toMatchObject({
      category: 'comment',
      previous: { delivery: 'immediate' },
      cancelledMail: 1,
    })
    // The page now says so and offers undo.
    expect((await get(token)).body.state).toMatchObject({ subscribed: false, canUndo: true })
  })

  it('is idempotent: a second POST (multipart this time) changes nothing and logs nothing more', async () => {
    const target = await freshUser()
    const token = await tokenFor(target.id, 'status_changed')
    expect((await post(oneClick(token, 'multipart'), token)).status).toBe(200)
    expect(await getDeliveryFor(target.id, 'status_changed')).toBe('off')
    const again = await post(oneClick(token, 'multipart'), token)
    expect(again.status).toBe(200)
    expect(again.body.done).toBe('unsubscribed')
    expect(await getDeliveryFor(target.id, 'status_changed')).toBe('off')
    expect(await auditCount(target.id, 'notifications.unsubscribe')).toBe(1)
    // Undo still restores what there was before the first POST (the digest default), not "off".
    const undone = await post(
      new Request(`http://localhost:3000/unsubscribe/${token}`, {
        method: 'POST',
        body: new URLSearchParams({ intent: 'undo' }),
      }),
      token,
    )
    expect(undone.status).toBe(200)
    expect(await getDeliveryFor(target.id, 'status_changed')).toBe('digest')
    expect(await auditCount(target.id, 'notifications.unsubscribe_undo')).toBe(1)
    expect((await get(token)).body.state).toMatchObject({ subscribed: true, canUndo: false })
  })

  it('the digest token stops the digest and cancels a digest already in the outbox and pending digest items', async () => {
    const target = await freshUser()
    const token = await tokenFor(target.id, 'digest')
    const digest = await queueMail(target.id, 'digest')
    await rows(
      `insert into notifications (user_id, event_type, delivery, status, summary, path, created_at) values (?, 'status_changed', 'digest', 'pending', 'x', '/x', ?)`,
      target.id,
      Date.now(),
    )
    await post(oneClick(token, 'urlencoded'), token)
    expect((await getDigestSettings(target.id)).frequency).toBe('off')
    expect(await statusOf(digest)).toBe('cancelled')
    const pending = await rows<{ status: string }>('select status from notifications where user_id = ?', target.id)
    expect(pending).toEqual([{ status: 'cancelled' }])
    await post(
      new Request(`http://localhost:3000/unsubscribe/${token}`, {
        method: 'POST',
        body: new URLSearchParams({ intent: 'undo' }),
      }),
      token,
    )
    expect((await getDigestSettings(target.id)).frequency).toBe('daily')
  })

  it('the "all" token pauses everything but security mail', async () => {
    const target = await freshUser()
    const token = await tokenFor(target.id, 'all')
    expect((await get(token)).body.state?.label).toBe('all mail except security mail')
    const mails = await Promise.all(
      ['comment', 'digest', 'weekly_summary', 'security'].map((category) => queueMail(target.id, category)),
    )
    await post(oneClick(token, 'multipart'), token)
    expect((await getDigestSettings(target.id)).paused).toBe(true)
    expect(await Promise.all(mails.map(statusOf))).toEqual(['cancelled', 'cancelled', 'cancelled', 'pending'])
  })

  it('answers 404 to an unknown or malformed token, 400 to an unknown intent or a filled honeypot', async () => {
    expect((await get('A'.repeat(27))).status).toBe(404)
    expect((await get('not a token')).status).toBe(404)
    expect((await post(oneClick('B'.repeat(27), 'urlencoded'), 'B'.repeat(27))).status).toBe(404)
    const token = await tokenFor(user.id, 'assigned')
    const form = (fields: Record<string, string>) =>
      new Request(`http://localhost:3000/unsubscribe/${token}`, { method: 'POST', body: new URLSearchParams(fields) })
    expect((await post(form({ intent: 'delete' }), token)).status).toBe(400)
    expect((await post(form({ intent: 'unsubscribe', website: 'http://spam' }), token)).status).toBe(400)
    expect(await getDeliveryFor(user.id, 'assigned')).toBe('immediate')
  })

  it('is exempt from the cross-site origin check (mail clients post from anywhere)', () => {
    const input = {
      method: 'POST',
      origin: 'https://mail.example.net',
      secFetchSite: 'cross-site',
      authorization: undefined,
      appOrigin: 'http://localhost:3000',
    }
    expect(crossSiteRefusal({ ...input, path: '/unsubscribe/abc' })).toBeNull()
    expect(crossSiteRefusal({ ...input, path: '/settings/notifications' })).not.toBeNull()
  })
})
