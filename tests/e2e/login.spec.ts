import { expect, test, watchConsole } from './fixtures'

const ROLES = [
  { email: 'admin@example.com', role: 'admin', seesAdmin: true },
  { email: 'engineer@example.com', role: 'engineer', seesAdmin: false },
  { email: 'viewer@example.com', role: 'viewer', seesAdmin: false },
] as const

for (const { email, role, seesAdmin } of ROLES) {
  test(`${role} logs in through the real form and sees what the role may do`, async ({ page }) => {
    const errors = watchConsole(page)
    await page.goto('/settings/sessions')
    await expect(page).toHaveURL(/\/login\?redirectTo=%2Fsettings%2Fsessions/)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('inquest-demo')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect(page).toHaveURL(/\/settings\/sessions$/)
    await expect(page.getByText('this session')).toBeVisible()

    const nav = page.getByRole('navigation', { name: 'Main' })
    await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeVisible()
    await expect(nav.getByRole('link', { name: 'Admin' })).toHaveCount(seesAdmin ? 1 : 0)

    const admin = await page.goto('/admin/users')
    if (seesAdmin) {
      expect(admin?.status()).toBe(200)
      await expect(page.getByRole('heading', { name: /users/i }).first()).toBeVisible()
    } else {
      expect(admin?.status()).toBe(403)
      await expect(page.getByRole('heading', { name: 'You do not have access to this' })).toBeVisible()
      await expect(page.getByRole('button', { name: /invite/i })).toHaveCount(0)
    }

    await page.goto('/')
    await page.getByRole('button', { name: 'Log out' }).click()
    await expect(page).toHaveURL(/\/login\?loggedOut=1$/)
    await expect(page.getByText('You are logged out.')).toBeVisible()
    const home = await page.goto('/')
    expect(page.url()).toMatch(/\/login$/)
    expect(home?.status()).toBe(200)
    expect(errors.filter((error) => !error.includes('403'))).toEqual([])
  })
}

test('a wrong password shows one message and keeps the email', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('Email').fill('admin@example.com')
  await page.getByLabel('Password').fill('definitely-wrong')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an active account.')
  await expect(page.getByLabel('Email')).toHaveValue('admin@example.com')
})
