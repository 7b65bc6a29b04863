// The investigation wizard end to end on the demo data: acme/shop's main branch went red in CI
// ("Round discounted totals"), with a three-commit suspect range and cart › total failing.
// Once with JavaScript (from the red branches page) and once without (from a blank draft).
import type { Page } from '@playwright/test'
import { expect, loginAs, test, watchConsole } from './fixtures'

// The demo's first red run finished at 03:09 on 24 Nov 2026, the last green at 18:09 the day before.
const FIRST_RED = '2026-11-24T03:09'
const LAST_GREEN = '2026-11-23T18:09'

const steps = (page: Page) => page.getByRole('navigation', { name: 'Wizard steps' })
const stepHeading = (page: Page, text: RegExp) => expect(page.getByText(text).first()).toBeVisible()

/**
 * The investigation page lists the chosen evidence in groups, each list named by its first kind:
 * evidence-episode (runs), evidence-test (tests), evidence-suspect (commits), evidence-deploy (links).
 */
async function expectEvidence(page: Page, expected: Record<string, string | RegExp>) {
  const evidence = page.getByRole('region', { name: 'Evidence' })
  for (const [list, label] of Object.entries(expected)) await expect(evidence.getByTestId(`evidence-${list}`)).toContainText(label)
}

/** The demo's red branch, once the linker (running in the server) has linked the seeded runs. */
async function openRedBranches(page: Page) {
  await expect(async () => {
    await page.goto('/branches')
    await expect(page.getByRole('link', { name: 'Investigate CI on main' }).first()).toBeVisible({ timeout: 1_000 })
  }).toPass({ timeout: 20_000 })
}

test.describe('with JavaScript', () => {
  test('an engineer starts from a red branch, reloads mid-way, goes back and forth, and lands on the new investigation', async ({ page }) => {
    const errors = watchConsole(page)
    await loginAs(page, 'engineer')
    await openRedBranches(page)
    await page.getByRole('link', { name: 'Investigate CI on main' }).first().click()

    // Step 1, with a suggested title; steps 2 and 3 come from the episode.
    await expect(page).toHaveURL(/\/investigations\/new\?episode=\d+$/)
    await expect(page.getByLabel('Title')).toHaveValue('CI is red on main in acme/shop')
    // Validation runs in the browser once hydrated.
    await page.getByLabel('Title').fill('')
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(page.getByText('Say in a line what is wrong')).toBeVisible()
    const title = 'Cart totals round the wrong way (with JavaScript)'
    await page.getByLabel('Title').fill(title)
    await page.getByLabel('What you see').fill('Checkout shows **2.97** for a cart of 1 + 2.')
    await page.getByLabel('Kind').selectOption('regression')
    await page.getByLabel('Severity').selectOption('sev2')
    await page.getByRole('button', { name: 'Next' }).click()

    // Straight to the evidence; reloading keeps the draft.
    await expect(page).toHaveURL(/\/investigations\/new\/[\w-]+\/4$/)
    await page.reload()
    await stepHeading(page, /Step 4 of 5: Evidence/)

    // Step 3 was filled in from the linker's first red and last green.
    await steps(page).getByRole('button', { name: /When/ }).click()
    await expect(page).toHaveURL(/\/3$/)
    await expect(page.getByLabel('First seen (UTC)')).toHaveValue(FIRST_RED)
    await expect(page.getByLabel('Last known good (UTC)')).toHaveValue(LAST_GREEN)
    await expect(page.getByTestId('linker-times')).toContainText('First red')
    await page.getByRole('button', { name: 'Next' }).click()

    // Step 4: the ranked suspects with their reasons, the red runs, the failing test, and links.
    await expect(page).toHaveURL(/\/4$/)
    const suspects = page.getByRole('group', { name: /Suspects \(3\)/ })
    await expect(suspects.getByRole('checkbox')).toHaveCount(3)
    await expect(suspects.getByRole('checkbox', { name: /^#1 / })).toBeVisible()
    await suspects.getByLabel(/Round discounted totals/).check()
    await page.getByLabel(/CI #7006/).check()
    await page.getByLabel('cart › total').check()
    await page.getByLabel('Address of link 1').fill('https://status.example.com/incidents/42')
    await page.getByLabel('Title of link 1').fill('Status page incident 42')
    await page.getByRole('button', { name: 'Add another link' }).click()
    await expect(page.getByLabel('Address of link 2')).toBeVisible()
    await expect(page.getByLabel('Address of link 1')).toHaveValue('https://status.example.com/incidents/42')
    await expect(suspects.getByLabel(/Round discounted totals/)).toBeChecked()
    await page.getByRole('button', { name: 'Next' }).click()

    // Step 5: review, owner and watchers; Back keeps everything.
    await expect(page).toHaveURL(/\/5$/)
    await expect(page.getByTestId('review-evidence')).toContainText('Round discounted totals')
    await page.getByLabel('Owner').selectOption({ label: 'Ada Admin (admin@example.com)' })
    await page.getByLabel(/Vera Viewer/).check()
    await page.getByRole('button', { name: 'Back' }).click()
    await expect(page).toHaveURL(/\/4$/)
    await expect(page.getByLabel(/CI #7006/)).toBeChecked()
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(page).toHaveURL(/\/5$/)
    await expect(page.getByLabel('Owner')).toHaveValue(/.+/)
    await expect(page.getByLabel(/Vera Viewer/)).toBeChecked()
    await page.getByRole('button', { name: 'Create investigation' }).click()

    await expect(page).toHaveURL(/\/investigations\/\d+$/)
    await expect(page.getByRole('heading', { name: title })).toBeVisible()
    await expectEvidence(page, { suspect: 'Round discounted totals', episode: 'CI #7006', test: 'cart › total', deploy: 'Status page incident 42' })
    expect(errors).toEqual([])
  })
})

test('a viewer sees no Investigate link and may not open the wizard', async ({ page }) => {
  await loginAs(page, 'viewer')
  await page.goto('/branches')
  await expect(page.getByRole('heading', { name: 'Red branches' })).toBeVisible()
  await expect(page.getByRole('link', { name: /^Investigate/ })).toHaveCount(0)
  const response = await page.goto('/investigations/new')
  expect(response?.status()).toBe(403)
})

test.describe('drafts, with JavaScript', () => {
  test('a draft left unfinished is listed on the next visit, resumes where it stopped, and can be discarded', async ({ page }) => {
    const errors = watchConsole(page)
    await loginAs(page, 'engineer')
    await page.goto('/investigations/new')
    const title = 'Staging deploys hang (left for tomorrow)'
    await page.getByLabel('Title').fill(title)
    await page.getByLabel('Kind').selectOption('incident')
    await page.getByLabel('Title').press('Enter')
    await expect(page).toHaveURL(/\/investigations\/new\/[\w-]+\/2$/)
    await page.getByLabel('Environment').fill('staging')
    await page.getByRole('button', { name: 'Back' }).click()
    await expect(page).toHaveURL(/\/1$/)

    await page.goto('/investigations/new')
    const drafts = page.getByRole('region', { name: 'Your unfinished drafts' })
    await drafts.getByRole('link', { name: title }).click()
    await expect(page).toHaveURL(/\/2$/)
    await expect(page.getByLabel('Environment')).toHaveValue('staging')
    await steps(page).getByRole('button', { name: /What is wrong/ }).click()
    await expect(page.getByLabel('Kind')).toHaveValue('incident')

    await page.goto('/investigations/new')
    await drafts.getByRole('button', { name: `Discard ${title}` }).click()
    await expect(drafts.getByRole('link', { name: title })).toHaveCount(0)
    expect(errors).toEqual([])
  })
})

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false })

  test('an engineer frames an investigation from scratch with plain forms, reloading mid-way', async ({ page }) => {
    await loginAs(page, 'engineer')
    await openRedBranches(page)
    await page.goto('/investigations/new')

    // The server checks step 1 and says what is missing.
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(page.getByText('Say in a line what is wrong')).toBeVisible()
    const title = 'Cart totals round the wrong way (no JavaScript)'
    await page.getByLabel('Title').fill(title)
    await page.getByLabel('Severity').selectOption('sev3')
    await page.getByRole('button', { name: 'Next' }).click()

    // Step 2: the scope; step 3 then comes prefilled from the linker.
    await expect(page).toHaveURL(/\/investigations\/new\/[\w-]+\/2$/)
    await page.getByLabel('Repository').selectOption({ label: 'acme/shop' })
    await page.getByLabel('Branch').fill('main')
    await page.getByLabel('Workflow or job').fill('CI')
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(page).toHaveURL(/\/3$/)
    await page.reload()
    await expect(page.getByLabel('First seen (UTC)')).toHaveValue(FIRST_RED)
    await expect(page.getByLabel('Last known good (UTC)')).toHaveValue(LAST_GREEN)
    await page.getByRole('button', { name: 'Next' }).click()

    // Step 4 with plain forms: tick, add a link row, go back and forth.
    await expect(page).toHaveURL(/\/4$/)
    await page.getByLabel(/Red episode #\d+: CI on main/).check()
    await page.getByLabel(/Add discount codes to the cart/).check()
    await page.getByLabel('Address of link 1').fill('https://logs.example.com/ci/7006')
    await page.getByLabel('Title of link 1').fill('CI log of the first red run')
    await page.getByRole('button', { name: 'Add another link' }).click()
    await expect(page.getByLabel('Address of link 2')).toBeVisible()
    await page.getByLabel('Address of link 2').fill('not a link')
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(page.getByText('Enter a full address')).toBeVisible()
    await page.getByRole('button', { name: 'Remove link 2' }).click()
    await expect(page.getByLabel('Address of link 2')).toHaveCount(0)
    await page.getByRole('button', { name: 'Back' }).click()
    await expect(page).toHaveURL(/\/3$/)
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(page.getByLabel(/Add discount codes to the cart/)).toBeChecked()
    await expect(page.getByLabel('Title of link 1')).toHaveValue('CI log of the first red run')
    await page.getByRole('button', { name: 'Next' }).click()

    // Step 5: create.
    await expect(page).toHaveURL(/\/5$/)
    await expect(page.getByTestId('review-title')).toHaveText(title)
    await page.getByRole('button', { name: 'Create investigation' }).click()
    await expect(page).toHaveURL(/\/investigations\/\d+$/)
    await expect(page.getByRole('heading', { name: title })).toBeVisible()
    await expectEvidence(page, { suspect: 'Add discount codes to the cart', episode: /Red episode #\d+: CI on main/, deploy: 'CI log of the first red run' })
  })
})
