import { expect, loginAs, test, watchConsole } from './fixtures'

test('the app loads without console errors, and hydrates', async ({ page }) => {
  const errors = watchConsole(page)
  await page.goto('/login')
  await expect(page.getByRole('heading', { name: 'Log in to Inquest' })).toBeVisible()
  // Client-side validation only runs once React has hydrated.
  await page.getByLabel('Email').fill('not-an-email')
  await page.getByLabel('Password').focus()
  await expect(page.getByText('Enter a valid email address')).toBeVisible()
  await loginAs(page, 'engineer')
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible()
  await page.getByRole('link', { name: 'API tokens' }).first().click()
  await expect(page.getByRole('heading', { name: 'API tokens' })).toBeVisible()
  expect(errors).toEqual([])
})

test('an unknown page shows the 404 page', async ({ page }) => {
  await loginAs(page, 'viewer')
  const response = await page.goto('/no/such/page')
  expect(response?.status()).toBe(404)
  await expect(page.getByRole('heading', { name: 'Nothing here' })).toBeVisible()
})
