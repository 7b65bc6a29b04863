import type { Page } from '@playwright/test'
import { expect, loginAs, test, watchConsole } from './fixtures'

/** The demo investigation's id, read from the e2e server's database (the seed made it). */
async function demoInvestigationId() {
  process.env.DATABASE_URL = process.env.E2E_DATABASE_URL
  process.env.NODE_ENV = 'test'
  process.env.LOG_LEVEL = 'silent'
  const { getClient } = await import('../../app/db.server')
  const { DEMO_INVESTIGATION_TITLE } = await import('../../db/seed-demo-investigation')
  const result = await getClient().execute({ sql: 'select id from investigations where title = ? order by id limit 1', args: [DEMO_INVESTIGATION_TITLE] })
  if (!result.rows.length) throw new Error('the demo investigation is missing from the seed')
  return Number(result.rows[0].id)
}

type Box = { key: string; x: number; y: number; width: number; height: number }

/** Every node and cluster box on screen, except nodes someone placed by hand. */
async function layoutBoxes(page: Page): Promise<Box[]> {
  return page.locator('svg[data-canvas]').evaluate((svg) =>
    [...svg.querySelectorAll('[data-node-box]')]
      .filter((rect) => !rect.closest('[data-pinned]'))
      .map((rect) => {
        const box = rect.getBoundingClientRect()
        const owner = rect.closest('[data-node-key], [data-cluster]')!
        return { key: owner.getAttribute('data-node-key') ?? owner.getAttribute('data-cluster')!, x: box.x, y: box.y, width: box.width, height: box.height }
      }),
  )
}

function overlaps(boxes: Box[]) {
  const found: string[] = []
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]]
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${a.key} × ${b.key}`)
    }
  return found
}

const nodeLink = (page: Page, key: string) => page.locator(`svg[data-canvas] a[data-node-key="${key}"]`)
const hydrated = (page: Page) => expect(page.getByRole('button', { name: 'Zoom in' })).toBeVisible()

let id = 0
test.beforeAll(async () => {
  id = await demoInvestigationId()
})

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false })

  test('the demo canvas is drawn on the server: nodes, markers, the range, no overlaps, keyboard links', async ({ page }, testInfo) => {
    await loginAs(page, 'viewer')
    const response = await page.goto(`/investigations/${id}/canvas`)
    expect(response?.status()).toBe(200)
    await expect(page.getByRole('heading', { name: /^Canvas: Cart totals/ })).toBeVisible()
    const canvas = page.locator('svg[data-canvas]')
    await expect(canvas).toBeVisible()

    // The nodes of every kind the demo has, each a link.
    for (const kind of ['commit', 'run', 'test', 'deploy', 'note']) await expect(canvas.locator(`a[data-kind="${kind}"]`).first()).toBeVisible()
    const nodes = canvas.locator('a[data-node-key]')
    expect(await nodes.count()).toBeGreaterThanOrEqual(10)
    await expect(canvas.locator('a[data-kind="deploy"]')).toHaveAttribute('href', /^https:\/\/deploy\.example\.com\//)
    await expect(canvas.locator('a[data-kind="note"]')).toHaveAttribute('href', new RegExp(`^/investigations/${id}#note-\\d+$`))

    // Last green and first red, in that order, and the suspect range between them.
    const lastGreen = canvas.locator('[data-marker="last_green"]')
    const firstRed = canvas.locator('[data-marker="first_red"]')
    await expect(lastGreen).toHaveCount(1)
    await expect(firstRed).toHaveCount(1)
    await expect(lastGreen.getByText('Last green', { exact: true })).toBeVisible()
    await expect(firstRed.getByText('First red', { exact: true })).toBeVisible()
    const [green, red, range] = await Promise.all([lastGreen.boundingBox(), firstRed.boundingBox(), canvas.locator('[data-range]').boundingBox()])
    expect(green!.x).toBeLessThan(red!.x)
    expect(range!.x).toBeGreaterThan(green!.x)
    expect(range!.x + range!.width).toBeLessThan(red!.x + red!.width)

    expect(overlaps(await layoutBoxes(page))).toEqual([])

    // The text alternative lists every node.
    await expect(page.locator('[data-node-row]')).toHaveCount(await nodes.count())

    const shot = testInfo.outputPath('canvas.png')
    await page.screenshot({ path: shot, fullPage: true })
    await testInfo.attach('canvas', { path: shot, contentType: 'image/png' })

    // Tab reaches a node; Enter follows it to its page.
    let focused: string | null = null
    for (let i = 0; i < 40 && !focused; i++) {
      await page.keyboard.press('Tab')
      focused = await page.evaluate(() => document.activeElement?.getAttribute('data-node-key') ?? null)
    }
    expect(focused).not.toBeNull()
    const href = await nodeLink(page, focused!).getAttribute('href')
    expect(href).toMatch(/^(\/|https:)/)
    if (href!.startsWith('/episodes/')) {
      await page.keyboard.press('Enter')
      await expect(page).toHaveURL(new RegExp(`${href}$`))
    }
  })
})

test.describe('with JavaScript', () => {
  test('an engineer drags a node, and after a reload it stays where it was dropped', async ({ page }, testInfo) => {
    const errors = watchConsole(page)
    await loginAs(page, 'engineer')
    await page.goto(`/investigations/${id}/canvas`)
    await hydrated(page)
    const note = page.locator('svg[data-canvas] a[data-kind="note"]').first()
    const key = (await note.getAttribute('data-node-key'))!
    await expect(note).toHaveAttribute('data-draggable', '')
    const before = { x: Number(await note.getAttribute('data-x')), y: Number(await note.getAttribute('data-y')) }
    const box = (await note.locator('[data-node-box]').boundingBox())!

    const saved = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().includes(`/investigations/${id}/canvas`))
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 + 60, { steps: 12 })
    await page.mouse.up()
    expect((await saved).status()).toBe(200)
    // Still on the canvas: the drag did not follow the link.
    await expect(page).toHaveURL(new RegExp(`/investigations/${id}/canvas$`))
    const dropped = { x: Number(await note.getAttribute('data-x')), y: Number(await note.getAttribute('data-y')) }
    expect(dropped.x).toBeLessThan(before.x - 40)
    expect(dropped.y).toBeGreaterThan(before.y + 20)

    await page.reload()
    await hydrated(page)
    const again = nodeLink(page, key)
    await expect(again).toHaveAttribute('data-pinned', '')
    await expect(again).toHaveAttribute('data-x', String(dropped.x))
    await expect(again).toHaveAttribute('data-y', String(dropped.y))

    const shot = testInfo.outputPath('canvas-after-drag.png')
    await page.screenshot({ path: shot, fullPage: true })
    await testInfo.attach('canvas after a drag', { path: shot, contentType: 'image/png' })

    // The keyboard moves a focused node too (Shift + arrow keys), saved once the keys rest.
    const failingTest = page.locator('svg[data-canvas] a[data-kind="test"]').first()
    const testY = Number(await failingTest.getAttribute('data-y'))
    await failingTest.focus()
    const keySaved = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().includes(`/investigations/${id}/canvas`))
    await page.keyboard.press('Shift+ArrowDown')
    await page.keyboard.press('Shift+ArrowDown')
    expect((await keySaved).status()).toBe(200)
    await expect(failingTest).toHaveAttribute('data-y', String(testY + 32))

    // Put them back for everyone, so the layout is the layout's again.
    await page.getByRole('button', { name: 'Put every node back' }).click()
    await expect(nodeLink(page, key)).not.toHaveAttribute('data-pinned', '')
    await expect(nodeLink(page, key)).toHaveAttribute('data-x', String(before.x))
    expect(errors).toEqual([])
  })

  test('a viewer can pan and zoom but cannot drag a node', async ({ page }) => {
    const errors = watchConsole(page)
    await loginAs(page, 'viewer')
    await page.goto(`/investigations/${id}/canvas`)
    await hydrated(page)
    await expect(page.locator('svg[data-canvas] [data-draggable]')).toHaveCount(0)
    await expect(page.getByText('drag a node')).toHaveCount(0)

    const posts: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url())
    })
    const commit = page.locator('svg[data-canvas] a[data-kind="commit"]').first()
    const before = await commit.getAttribute('data-x')
    const box = (await commit.locator('[data-node-box]').boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 90, { steps: 8 })
    await page.mouse.up()
    await expect(commit).toHaveAttribute('data-x', before!)
    expect(posts).toEqual([])

    // Pan (dragging the background) and zoom (buttons, wheel) work for everyone.
    const svg = page.locator('svg[data-canvas]')
    const viewBox = async () => (await svg.getAttribute('viewBox'))!.split(' ').map(Number)
    const [startX] = await viewBox()
    const frame = (await page.locator('[data-canvas-frame]').boundingBox())!
    await page.mouse.move(frame.x + 40, frame.y + frame.height - 16)
    await page.mouse.down()
    await page.mouse.move(frame.x + 40 - 150, frame.y + frame.height - 16, { steps: 6 })
    await page.mouse.up()
    await expect.poll(async () => (await viewBox())[0]).toBeGreaterThan(startX + 100)

    const zoom = page.getByText(/^\d+% · wheel to zoom/)
    const percent = async () => Number((await zoom.textContent())!.match(/^(\d+)%/)![1])
    const start = await percent()
    await page.getByRole('button', { name: 'Zoom in' }).click()
    await expect.poll(percent).toBeGreaterThan(start)
    const zoomed = await percent()
    await page.mouse.move(frame.x + frame.width / 2, frame.y + frame.height / 2)
    await page.mouse.wheel(0, 300)
    await expect.poll(percent).toBeLessThan(zoomed)
    expect(errors).toEqual([])
  })
})
