// An engineer asks for status changes at once; the admin moves an investigation they watch; the mail
// waits in the outbox with one-click unsubscribe headers; Chromium (no login) unsubscribes through the
// link; a mail client's one-click POST afterwards changes nothing.
import { expect, loginAs, test, watchConsole } from './fixtures'

/** The e2e server's database and APP_URL, from this worker (as loginAs does). */
async function app() {
  process.env.DATABASE_URL = process.env.E2E_DATABASE_URL
  process.env.NODE_ENV = 'test'
  process.env.LOG_LEVEL = 'silent'
  // Mail written from this worker must link to the e2e server, as mail from the server itself does.
  process.env.APP_URL = test.info().project.use.baseURL
  const { forgetSingleton } = await import('../../app/utils/singleton.server')
  forgetSingleton('env')
  const [{ getClient }, users, investigations, changes, preferences] = await Promise.all([
    import('../../app/db.server'),
    import('../../app/auth/users.server'),
    import('../../app/investigations/investigations.server'),
    import('../../app/investigations/changes.server'),
    import('../../app/notifications/preferences.server'),
  ])
  const query = async <T>(sql: string, ...args: Array<string | number>) => {
    const result = await getClient().execute({ sql, args })
    return result.rows.map((row) => Object.fromEntries(result.columns.map((column) => [column, row[column]]))) as T[]
  }
  return { users, investigations, changes, preferences, query }
}

test('status-change mail carries one-click unsubscribe that works without logging in, once', async ({
  page,
  browser,
}) => {
  const errors = watchConsole(page)
  const { users, investigations, changes, preferences, query } = await app()
  const engineer = (await users.findUserByEmail('engineer@example.com'))!
  const admin = (await users.findUserByEmail('admin@example.com'))!

  // 1. The engineer wants status changes immediately (the default is the digest).
  await loginAs(page, 'engineer')
  await page.goto('/settings/notifications')
  await expect(page.getByRole('heading', { name: 'Notifications', level: 1 })).toBeVisible()
  await expect(page.getByRole('radio', { name: 'Status changed: In my digest' })).toBeChecked()
  await page.getByRole('radio', { name: 'Status changed: Immediately' }).check()
  await page.getByRole('button', { name: 'Save preferences' }).click()
  await expect(page.getByRole('status')).toContainText('Saved')
  expect(await preferences.getDeliveryFor(engineer.id, 'status_changed')).toBe('immediate')

  // 2. The admin moves an investigation the engineer watches.
  const title = `E2E notifications ${Date.now()}`
  const id = await investigations.createInvestigation(
    { title, kind: 'failing_build', severity: 'sev2', watcherIds: [engineer.id] },
    admin.id,
  )
  expect(await changes.updateInvestigation(id, { status: 'investigating' }, admin.id)).toMatchObject({ ok: true })

  // 3. The mail is in the outbox (pending, or captured by the sender without RESEND_API_KEY) with the headers.
  const mails = await query<{ subject: string; headers: string; text: string; status: string }>(
    `select subject, headers, text, status from email_outbox where user_id = ? and category = 'status_changed' and subject like ?`,
    engineer.id,
    `%${title}%`,
  )
  expect(mails).toHaveLength(1)
  expect(['pending', 'sending', 'captured', 'sent']).toContain(mails[0].status)
  const headers = JSON.parse(mails[0].headers) as Record<string, string>
  expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
  const match = /^<(http:\/\/localhost:\d+\/unsubscribe\/[A-Za-z0-9_-]{27})>$/.exec(headers['List-Unsubscribe'])
  expect(match).not.toBeNull()
  const unsubscribeUrl = match![1]
  expect(mails[0].text).toContain(unsubscribeUrl)
  expect(mails[0].text).toContain('/settings/notifications')

  // 4. Chromium, with no session at all, opens the link: GET only asks. Confirming unsubscribes.
  const stranger = await browser.newContext()
  const mailClient = await stranger.newPage()
  const strangerErrors = watchConsole(mailClient)
  await mailClient.goto(new URL(unsubscribeUrl).pathname)
  await expect(
    mailClient.getByRole('heading', { name: 'Unsubscribe from status changes on investigations you watch?' }),
  ).toBeVisible()
  expect(await preferences.getDeliveryFor(engineer.id, 'status_changed')).toBe('immediate')
  await mailClient.getByRole('button', { name: 'Unsubscribe' }).click()
  await expect(
    mailClient.getByRole('heading', { name: 'You are unsubscribed from status changes on investigations you watch' }),
  ).toBeVisible()
  await expect(mailClient.getByRole('button', { name: 'Undo' })).toBeVisible()
  expect(await preferences.getDeliveryFor(engineer.id, 'status_changed')).toBe('off')
  expect(strangerErrors).toEqual([])

  // The engineer's settings page shows it off.
  await page.reload()
  await expect(page.getByRole('radio', { name: 'Status changed: Off' })).toBeChecked()

  // 5. A mail client's one-click POST afterwards: 200, no redirect, nothing changes, nothing more logged.
  const audits = async () =>
    (
      await query<{ n: number }>(
        `select count(*) as n from audit_log where action = 'notifications.unsubscribe' and target_id = ?`,
        engineer.id,
      )
    )[0].n
  expect(await audits()).toBe(1)
  const again = await stranger.request.post(unsubscribeUrl, {
    form: { 'List-Unsubscribe': 'One-Click' },
    maxRedirects: 0,
  })
  expect(again.status()).toBe(200)
  // Multipart, from another origin (a webmail's one-click POST): still 200, past the CSRF check.
  const multipart = await stranger.request.post(unsubscribeUrl, {
    multipart: { 'List-Unsubscribe': 'One-Click' },
    headers: { origin: 'https://mail.example.net', 'sec-fetch-site': 'cross-site' },
    maxRedirects: 0,
  })
  expect(multipart.status()).toBe(200)
  expect(await preferences.getDeliveryFor(engineer.id, 'status_changed')).toBe('off')
  expect(await audits()).toBe(1)
  await stranger.close()

  // Put the demo engineer back as the seed left them, for other tests.
  await page.getByRole('radio', { name: 'Status changed: In my digest' }).check()
  await page.getByRole('button', { name: 'Save preferences' }).click()
  await expect(page.getByRole('status')).toContainText('Saved')
  expect(errors).toEqual([])
})

test('the settings page suggests the browser’s time zone, and works without JavaScript (400 with the field named)', async ({
  browser,
}) => {
  const { users, preferences } = await app()
  const viewer = (await users.findUserByEmail('viewer@example.com'))!

  const berlin = await browser.newContext({ timezoneId: 'Europe/Berlin' })
  const page = await berlin.newPage()
  const errors = watchConsole(page)
  await loginAs(page, 'viewer')
  await page.goto('/settings/notifications')
  await page.getByRole('button', { name: 'Use this browser’s zone: Europe/Berlin' }).click()
  await expect(page.getByLabel('Time zone')).toHaveValue('Europe/Berlin')
  await page.getByRole('button', { name: 'Save preferences' }).click()
  await expect(page.getByRole('status')).toContainText('Saved')
  expect((await preferences.getDigestSettings(viewer.id)).timezone).toBe('Europe/Berlin')
  expect(errors).toEqual([])
  await berlin.close()

  const noScript = await browser.newContext({ javaScriptEnabled: false })
  const plain = await noScript.newPage()
  await loginAs(plain, 'viewer')
  await plain.goto('/settings/notifications')
  await expect(plain.getByRole('button', { name: /browser’s zone/ })).toHaveCount(0)
  await plain.getByLabel('Time zone').fill('Mars/Olympus')
  await plain.getByRole('button', { name: 'Save preferences' }).click()
  await expect(plain.getByText('Not a known time zone')).toBeVisible()
  expect((await preferences.getDigestSettings(viewer.id)).timezone).toBe('Europe/Berlin')
  await plain.getByLabel('Time zone').fill('UTC')
  await plain.getByRole('radio', { name: 'Weekly summary: Off' }).check()
  await plain.getByRole('button', { name: 'Save preferences' }).click()
  await expect(plain.getByRole('status')).toContainText('Saved')
  expect((await preferences.getDigestSettings(viewer.id)).timezone).toBe('UTC')
  expect(await preferences.getDeliveryFor(viewer.id, 'weekly_summary')).toBe('off')
  // Back to the seed's state for other tests.
  await plain.getByRole('radio', { name: 'Weekly summary: Immediately' }).check()
  await plain.getByRole('button', { name: 'Save preferences' }).click()
  await expect(plain.getByRole('status')).toContainText('Saved')
  await noScript.close()
})
