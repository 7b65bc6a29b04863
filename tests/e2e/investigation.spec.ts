import { expect, loginAs, test, watchConsole } from './fixtures'

/** A fresh investigation on the demo red episode (the demo one stays untouched for the canvas test). */
async function newInvestigationOnDemoEpisode(title: string) {
  process.env.DATABASE_URL = process.env.E2E_DATABASE_URL
  process.env.NODE_ENV = 'test'
  process.env.LOG_LEVEL = 'silent'
  const { getClient } = await import('../../app/db.server')
  const { findUserByEmail } = await import('../../app/auth/users.server')
  const { createInvestigation } = await import('../../app/investigations/investigations.server')
  const episode = await getClient().execute('select id, repository_id, branch, name from episodes order by id limit 1')
  const [row] = episode.rows
  const admin = await findUserByEmail('admin@example.com')
  const engineer = await findUserByEmail('engineer@example.com')
  return createInvestigation(
    {
      title,
      kind: 'failing_build',
      severity: 'sev3',
      repositoryId: String(row.repository_id),
      branch: String(row.branch),
      workflow: String(row.name),
      episodeId: Number(row.id),
      ownerId: engineer!.id,
    },
    admin!.id,
  )
}

test('an engineer works an investigation: moves its status, takes a note with a mention, accepts a suspect', async ({ page }) => {
  const errors = watchConsole(page)
  const id = await newInvestigationOnDemoEpisode('Checkout totals wrong after the discount work')
  await loginAs(page, 'engineer')
  await page.goto(`/investigations/${id}`)
  await expect(page.getByRole('heading', { name: 'Checkout totals wrong after the discount work' })).toBeVisible()

  await page.getByRole('group', { name: 'Change the status' }).getByRole('button', { name: 'Move to Investigating' }).click()
  await expect(page.getByTestId('timeline')).toContainText('moved this to investigating')
  await expect(page.getByRole('group', { name: 'Change the status' }).getByRole('button', { name: 'Move to Identified' })).toBeVisible()

  await page.getByLabel('Add a note').fill('Rounding moved into `applyDiscount`, **@admin** please confirm <script>alert(1)</script>')
  await page.getByRole('button', { name: 'Add note' }).click()
  const timeline = page.getByTestId('timeline')
  await expect(timeline).toContainText('added a note')
  await expect(timeline.locator('strong')).toContainText('@Ada Admin')
  // Raw HTML in a note is text, never markup.
  await expect(timeline).toContainText('<script>alert(1)</script>')

  const top = page.getByTestId('suspect').first()
  await top.getByRole('button', { name: /^Accept/ }).click()
  await expect(page.getByTestId('suspect').first()).toContainText('accepted')
  await expect(timeline).toContainText('as the cause')
  expect(errors).toEqual([])
})

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false })

  test('a viewer reads everything, sees no edit controls, and can still watch', async ({ page }) => {
    const id = await newInvestigationOnDemoEpisode('Nightly e2e flakes on main')
    await loginAs(page, 'viewer')
    await page.goto(`/investigations/${id}`)
    await expect(page.getByRole('heading', { name: 'Nightly e2e flakes on main' })).toBeVisible()
    await expect(page.getByTestId('suspect').first()).toBeVisible()
    await expect(page.getByRole('group', { name: 'Change the status' })).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Add note' })).toHaveCount(0)
    await expect(page.getByRole('button', { name: /^Accept/ })).toHaveCount(0)

    await page.getByRole('button', { name: 'Watch' }).click()
    await expect(page.getByTestId('watchers')).toContainText('Vera Viewer')
    await expect(page.getByRole('button', { name: 'Unwatch' })).toBeVisible()
  })
})
