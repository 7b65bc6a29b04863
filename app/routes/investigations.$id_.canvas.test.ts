import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeAll, describe, expect, it } from 'vitest'
import { InvestigationCanvas } from '../components/canvas/investigation-canvas'
import { CanvasNodeTable } from '../components/canvas/canvas-node-table'
import type { CanvasLayout } from '../investigations/canvas-layout'
import { createInvestigation } from '../investigations/investigations.server'
import { getLinker } from '../linker/worker.server'
import { cookieFor, ensureDemoUsers, makeRequest, userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, chain, createRepository, episodesOf, rows, settleLinker, sha } from '../../tests/helpers/linker'
import { routeArgs, settle } from '../../tests/helpers/route'
import { action, loader } from './investigations.$id_.canvas'

type Body = {
  ok?: boolean
  canMove?: boolean
  layout?: CanvasLayout
  result?: { status?: string; error?: Record<string, string[] | null> } | null
}

let id = 0
let cookies: Record<'viewer' | 'engineer', string>

beforeAll(async () => {
  getLinker().reset()
  await ensureDemoUsers()
  cookies = { viewer: await cookieFor('viewer'), engineer: await cookieFor('engineer') }
  const repo = await createRepository()
  await addCommits(repo, chain('m', 4))
  const green = await addRun(repo, { commit: 'm1', conclusion: 'success' })
  const red = await addRun(repo, { commit: 'm3', conclusion: 'failure' })
  await settleLinker()
  const episode = (await episodesOf(repo))[0]
  const engineer = await userWithRole('engineer')
  id = await createInvestigation(
    { title: 'm3 broke the build', kind: 'failing_build', severity: 'sev3', repositoryId: repo, episodeId: episode.id, firstRedRunId: red, lastGreenRunId: green },
    engineer.id,
  )
})

const path = () => `/investigations/${id}/canvas`
const load = (cookie: string, target = String(id)) =>
  settle<Body>(() => loader(routeArgs(makeRequest(`/investigations/${target}/canvas`, { cookie }), { id: target })))
const post = (form: Record<string, string>, cookie = cookies.engineer) => settle<Body>(() => action(routeArgs(makeRequest(path(), { cookie, form }), { id: String(id) })))
const positionOf = async (nodeKey: string) =>
  rows<{ x: number; y: number }>('select x, y from canvas_positions where investigation_id = ? and node_key = ?', id, nodeKey)

describe('/investigations/$id/canvas', () => {
  it('draws the canvas for a viewer, who may not move nodes; 404 for an unknown investigation', async () => {
    const page = await load(cookies.viewer)
    expect(page.status).toBe(200)
    expect(page.body.canMove).toBe(false)
    expect(page.body.layout!.nodes.map((node) => node.key)).toContain(`commit:${sha('m3')}`)
    expect(page.body.layout!.markers.map((marker) => marker.kind)).toEqual(['last_green', 'first_red'])
    expect((await load(cookies.engineer)).body.canMove).toBe(true)
    expect((await load(cookies.viewer, '999999')).status).toBe(404)
    expect((await load(cookies.viewer, 'abc')).status).toBe(404)
  })

  it('renders on the server as links with titles, markers and a table of every node', async () => {
    const { layout } = (await load(cookies.viewer)).body
    const html = renderToString(
      createElement('div', null, [
        createElement(InvestigationCanvas, { key: 'canvas', layout: layout!, title: 'Canvas of m3', canMove: false, clusterHref: () => '#' }),
        createElement(CanvasNodeTable, { key: 'table', layout: layout!, open: true }),
      ]),
    )
    expect(html).toContain('role="group"')
    expect(html).toContain('<title id="canvas-title">Canvas of m3</title>')
    expect(html).toContain('data-marker="last_green"')
    expect(html).toContain('data-marker="first_red"')
    expect(html).toContain('data-range=""')
    const links = html.match(/<a [^>]*data-node-key="[^"]+"/g) ?? []
    expect(links.length).toBe(layout!.nodes.length)
    expect(links.every((link) => /href="\/[^"]*"/.test(link))).toBe(true)
    expect((html.match(/data-node-row=/g) ?? []).length).toBe(layout!.nodes.length)
    // No drag affordance without JavaScript, or for someone who may not move nodes.
    expect(html).not.toContain('data-draggable')
  })

  it('refuses a move to a viewer with 403 and saves nothing', async () => {
    const nodeKey = `commit:${sha('m2')}`
    expect((await post({ intent: 'move', nodeKey, x: '10', y: '20' }, cookies.viewer)).status).toBe(403)
    expect(await positionOf(nodeKey)).toEqual([])
  })

  it('answers 400 to a bad node key, coordinates that are not numbers or out of bounds, or an unknown intent', async () => {
    const bad = await post({ intent: 'move', nodeKey: 'commit:../../etc', x: '10', y: '20' })
    expect(bad.status).toBe(400)
    expect(bad.body.result?.error?.nodeKey).toEqual(['Not a canvas node'])
    expect((await post({ intent: 'move', nodeKey: 'note:1', x: 'left', y: '20' })).status).toBe(400)
    expect((await post({ intent: 'move', nodeKey: 'note:1', x: '-5', y: '20' })).status).toBe(400)
    expect((await post({ intent: 'move', nodeKey: 'note:1', x: '5', y: '1e9' })).status).toBe(400)
    expect((await post({ intent: 'move', nodeKey: 'note:1' })).status).toBe(400)
    expect((await post({ intent: 'shrug' })).status).toBe(400)
    expect(await rows('select * from canvas_positions where investigation_id = ?', id)).toEqual([])
  })

  it('lets an engineer move a node for everyone, and put every node back', async () => {
    const nodeKey = `commit:${sha('m2')}`
    const moved = await post({ intent: 'move', nodeKey, x: '812', y: '433' })
    expect(moved.status).toBe(200)
    expect(moved.body.ok).toBe(true)
    expect(await positionOf(nodeKey)).toEqual([{ x: 812, y: 433 }])
    const seen = (await load(cookies.viewer)).body.layout!.nodes.find((node) => node.key === nodeKey)
    expect(seen).toMatchObject({ x: 812, y: 433, pinned: true })
    expect((await post({ intent: 'reset' }, cookies.viewer)).status).toBe(403)
    expect((await post({ intent: 'reset' })).status).toBe(200)
    expect(await positionOf(nodeKey)).toEqual([])
  })

  it('answers 404 to a move on an investigation that does not exist', async () => {
    const missing = await settle<Body>(() =>
      action(routeArgs(makeRequest('/investigations/999999/canvas', { cookie: cookies.engineer, form: { intent: 'move', nodeKey: 'note:1', x: '1', y: '1' } }), { id: '999999' })),
    )
    expect(missing.status).toBe(404)
  })
})
