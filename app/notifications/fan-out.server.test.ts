import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { userWithRole } from '../../tests/helpers/auth'
import { createUser } from '../auth/users.server'
import { getDb } from '../db.server'
import { recordActivity } from '../investigations/activity.server'
import { createInvestigation } from '../investigations/investigations.server'
import { savePreferences, saveDigestSettings, setDelivery } from './preferences.server'
import { DEFAULT_DELIVERY, DEFAULT_DIGEST, type PreferencesInput } from './preferences-schema'

interface OutboxRow {
  id: string
  user_id: string
  to_address: string
  category: string
  template: string
  subject: string
  html: string
  text: string
  headers: string
  status: string
}
interface NotificationRow {
  user_id: string
  event_type: string
  delivery: string
  status: string
  summary: string
  path: string
  outbox_id: string | null
  data: string
}

const outboxFor = (investigationTitle: string) =>
  getDb().all<OutboxRow>(
    sql`select * from email_outbox where subject like ${'%' + investigationTitle + '%'} order by created_at, id`,
  )
const notificationsOf = (investigationId: number) =>
  getDb().all<NotificationRow>(sql`select * from notifications where investigation_id = ${investigationId} order by id`)

let admin: { id: string; email: string }
let engineer: { id: string; email: string }
let viewer: { id: string; email: string }
let extra = 0

async function person(name: string) {
  return createUser({ email: `${name}-${++extra}@example.com`, name, role: 'engineer' })
}

beforeAll(async () => {
  admin = await userWithRole('admin')
  engineer = await userWithRole('engineer')
  viewer = await userWithRole('viewer')
})

async function act(
  investigationId: number,
  actorId: string | null,
  kind: 'status_changed' | 'note_added' | 'suspect_found' | 'owner_changed',
  data: Record<string, unknown>,
) {
  return getDb().transaction((tx) => recordActivity(tx, { investigationId, actorId, kind, data }))
}

describe('fanOutActivity', () => {
  it('mails the new owner at once on creation, with one-click unsubscribe headers and links, and never the creator', async () => {
    const title = `Owner gets mail ${Date.now()}`
    const id = await createInvestigation(
      { title, kind: 'failing_build', severity: 'sev2', ownerId: engineer.id },
      admin.id,
    )
    const mail = await outboxFor(title)
    expect(mail).toHaveLength(1)
    expect(mail[0]).toMatchObject({
      user_id: engineer.id,
      to_address: engineer.email,
      category: 'assigned',
      template: 'assigned',
      status: 'pending',
    })
    const headers = JSON.parse(mail[0].headers) as Record<string, string>
    expect(headers['List-Unsubscribe']).toMatch(/^<http:\/\/localhost:3000\/unsubscribe\/[A-Za-z0-9_-]{27}>$/)
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
    const url = headers['List-Unsubscribe'].slice(1, -1)
    expect(mail[0].html).toContain(url)
    expect(mail[0].text).toContain(url)
    expect(mail[0].text).toContain('http://localhost:3000/settings/notifications')
    expect(mail[0].text).toContain(`http://localhost:3000/investigations/${id}#activity-`)
    const notes = await notificationsOf(id)
    expect(notes).toEqual([
      expect.objectContaining({
        user_id: engineer.id,
        event_type: 'assigned',
        delivery: 'immediate',
        status: 'emailed',
        outbox_id: mail[0].id,
      }),
    ])

    // Creating an investigation you own yourself tells nobody.
    const own = `Own investigation ${Date.now()}`
    await createInvestigation({ title: own, kind: 'incident', severity: 'sev3', ownerId: admin.id }, admin.id)
    expect(await outboxFor(own)).toEqual([])
  })

  it('tells owner and watchers of a status change as each one chose, but not the actor, disabled or paused people', async () => {
    const immediate = await person('Imogen')
    const off = await person('Otto')
    const paused = await person('Paula')
    const disabled = await person('Dora')
    await getDb().transaction(async (tx) => {
      await setDelivery(tx, immediate.id, 'status_changed', 'immediate')
      await setDelivery(tx, off.id, 'status_changed', 'off')
      await setDelivery(tx, paused.id, 'status_changed', 'immediate')
      await saveDigestSettings(tx, paused.id, { paused: true })
    })
    await getDb().run(sql`update users set disabled_at = ${Date.now()} where id = ${disabled.id}`)
    const title = `Status fan-out ${Date.now()}`
    const id = await createInvestigation(
      {
        title,
        kind: 'failing_build',
        severity: 'sev2',
        ownerId: engineer.id,
        watcherIds: [immediate.id, off.id, paused.id, disabled.id, viewer.id],
      },
      admin.id,
    )
    await act(id, admin.id, 'status_changed', { from: 'open', to: 'investigating' })
    const notes = (await notificationsOf(id)).filter((row) => row.event_type === 'status_changed')
    const byUser = new Map(notes.map((row) => [row.user_id, row]))
    // Defaults: status changes wait for the digest.
    expect(DEFAULT_DELIVERY.status_changed).toBe('digest')
    expect(byUser.get(engineer.id)).toMatchObject({ delivery: 'digest', status: 'pending', outbox_id: null })
    expect(byUser.get(viewer.id)).toMatchObject({ delivery: 'digest', status: 'pending' })
    expect(byUser.get(immediate.id)).toMatchObject({ delivery: 'immediate', status: 'emailed' })
    expect(byUser.get(engineer.id)!.summary).toBe(`Ada Admin moved #${id} from Open to Investigating: ${title}`)
    expect([...byUser.keys()].sort()).toEqual([engineer.id, viewer.id, immediate.id].sort())
    const mail = (await outboxFor(title)).filter((row) => row.category === 'status_changed')
    expect(mail.map((row) => row.user_id)).toEqual([immediate.id])
    expect(mail[0].subject).toBe(`#${id} is now Investigating: ${title}`)
    expect(JSON.parse(mail[0].headers)['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
  })

  it('treats "in my digest" as off while the digest itself is off', async () => {
    const noDigest = await person('Nadia')
    await getDb().transaction((tx) => saveDigestSettings(tx, noDigest.id, { frequency: 'off' }))
    const id = await createInvestigation(
      { title: `No digest ${Date.now()}`, kind: 'incident', severity: 'sev3', watcherIds: [noDigest.id] },
      admin.id,
    )
    await act(id, admin.id, 'status_changed', { from: 'open', to: 'closed' })
    expect(await notificationsOf(id)).toEqual([])
  })

  it('tells watchers of a note and the people it mentions, even if they do not watch, never the author', async () => {
    const mentioned = await person('Mina')
    const quiet = await person('Quinn')
    await getDb().transaction((tx) => setDelivery(tx, quiet.id, 'comment', 'off'))
    const title = `Note fan-out ${Date.now()}`
    const id = await createInvestigation(
      { title, kind: 'failing_build', severity: 'sev2', ownerId: engineer.id, watcherIds: [quiet.id] },
      admin.id,
    )
    await act(id, engineer.id, 'note_added', {
      noteId: 1,
      excerpt: 'Reverting 3f2a9c1 fixes it',
      mentions: [mentioned.id, engineer.id],
    })
    const notes = (await notificationsOf(id)).filter((row) => row.event_type === 'comment')
    expect(notes.map((row) => row.user_id).sort()).toEqual([admin.id, mentioned.id].sort())
    const mentionRow = notes.find((row) => row.user_id === mentioned.id)!
    expect(mentionRow.summary).toBe(`Eli Engineer mentioned you on #${id}: Reverting 3f2a9c1 fixes it`)
    expect(JSON.parse(mentionRow.data)).toMatchObject({ mentioned: true, excerpt: 'Reverting 3f2a9c1 fixes it' })
    const mail = (await outboxFor(title)).filter((row) => row.category === 'comment')
    expect(mail.map((row) => row.user_id).sort()).toEqual([admin.id, mentioned.id].sort())
    expect(mail.find((row) => row.user_id === mentioned.id)!.subject).toBe(
      `Eli Engineer mentioned you on #${id}: ${title}`,
    )
    expect(mail.find((row) => row.user_id === admin.id)!.subject).toBe(`Eli Engineer commented on #${id}: ${title}`)
  })

  it('tells the new owner of a change of owner, and owner and watchers of a suspect the linker found', async () => {
    const title = `Owner change ${Date.now()}`
    const id = await createInvestigation({ title, kind: 'regression', severity: 'sev3' }, admin.id)
    await act(id, admin.id, 'owner_changed', { from: null, to: engineer.id })
    await act(id, null, 'suspect_found', { episodeId: 1, sha: 'a'.repeat(40), label: 'payments: retry' })
    const notes = await notificationsOf(id)
    expect(notes.map((row) => [row.user_id, row.event_type, row.delivery])).toEqual([
      [engineer.id, 'assigned', 'immediate'],
      // The linker is no person: the creator (a watcher) hears of it too. Suspects default to the digest.
      [admin.id, 'suspect_found', 'digest'],
    ])
    expect(notes[1].summary).toBe(`New suspect aaaaaaa for #${id}: payments: retry`)
  })

  it('sends nothing at all while the master switch is on, whatever the event type says', async () => {
    const pausedOwner = await person('Pat')
    const prefs: PreferencesInput = {
      ...DEFAULT_DELIVERY,
      assigned: 'immediate',
      comment: 'immediate',
      ...DEFAULT_DIGEST,
      paused: true,
    }
    await savePreferences(pausedOwner.id, prefs)
    const title = `Paused owner ${Date.now()}`
    const id = await createInvestigation(
      { title, kind: 'incident', severity: 'sev1', ownerId: pausedOwner.id },
      admin.id,
    )
    await act(id, admin.id, 'note_added', { noteId: 2, excerpt: 'hello', mentions: [] })
    expect(await notificationsOf(id)).toEqual([])
    expect(await outboxFor(title)).toEqual([])
  })

  it('ignores activity kinds nobody is told about', async () => {
    const id = await createInvestigation(
      { title: `Quiet ${Date.now()}`, kind: 'incident', severity: 'sev4', watcherIds: [engineer.id] },
      admin.id,
    )
    await getDb().transaction((tx) =>
      recordActivity(tx, {
        investigationId: id,
        actorId: admin.id,
        kind: 'severity_changed',
        data: { from: 'sev4', to: 'sev1' },
      }),
    )
    expect(await notificationsOf(id)).toEqual([])
  })
})
