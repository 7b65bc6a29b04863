import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { decideSuspect } from '../linker/episodes.server'
import { getLinker } from '../linker/worker.server'
import { userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, addTestResults, chain, createRepository, episodesOf, settleLinker, sha } from '../../tests/helpers/linker'
import { layoutCanvas } from './canvas-layout'
import { commitKey, loadCanvas, noteKey, resetCanvasPositions, runKey, saveCanvasPosition, testNodeKey } from './canvas.server'
import { createInvestigation } from './investigations.server'

const T = 1_700_100_000_000
let investigationId = 0
let episodeId = 0
let runs: Record<'green' | 'red' | 'red2', number>
let noteId = 0
let engineerId = ''

beforeAll(async () => {
  getLinker().reset()
  const engineer = await userWithRole('engineer')
  engineerId = engineer.id
  const repo = await createRepository()
  await addCommits(repo, chain('k', 6))
  await addRun(repo, { commit: 'k1', conclusion: 'success', at: T })
  const green = await addRun(repo, { commit: 'k2', conclusion: 'success', at: T + 1000 })
  const red = await addRun(repo, { commit: 'k5', conclusion: 'failure', at: T + 2000 })
  const red2 = await addRun(repo, { commit: 'k6', conclusion: 'failure', at: T + 3000 })
  runs = { green, red, red2 }
  await addTestResults(red, [
    { classname: 'cart', name: 'total', status: 'failed', file: 'tests/cart.test.ts', message: 'expected 3 but got 2.97' },
    { classname: 'checkout', name: 'amount', status: 'passed' },
  ])
  await settleLinker()
  episodeId = (await episodesOf(repo))[0].id
  await decideSuspect(episodeId, sha('k5'), 'accepted', { userId: engineer.id })
  await decideSuspect(episodeId, sha('k3'), 'rejected', { userId: engineer.id })
  investigationId = await createInvestigation(
    {
      title: 'Cart total is off',
      kind: 'failing_build',
      severity: 'sev2',
      repositoryId: repo,
      branch: 'main',
      workflow: 'CI',
      episodeId,
      firstRedRunId: red,
      lastGreenRunId: green,
      evidence: [
        { kind: 'ci_run', ref: String(red), label: 'First red run' },
        { kind: 'suspect', ref: `${episodeId}:${sha('k5')}`, label: 'Suspect k5' },
        { kind: 'test', ref: 'cart\ttotal', label: 'cart › total' },
        { kind: 'deploy', ref: 'https://deploy.example.com/releases/42', label: 'Release 42', occurredAt: T + 2500 },
        { kind: 'link', ref: 'javascript:alert(1)', label: 'A bad link' },
      ],
    },
    engineer.id,
  )
  const [note] = await getDb().all<{ id: number }>(
    sql`insert into investigation_notes (investigation_id, author_id, body, created_at, updated_at)
        values (${investigationId}, ${engineer.id}, ${'## Looks like **rounding**\nsee k5'}, ${T + 4000}, ${T + 4000}) returning id`,
  )
  noteId = note.id
})

describe('loadCanvas', () => {
  it('gathers the scope: range commits with their decisions, the runs, the failing test, the deploy and the note', async () => {
    const canvas = (await loadCanvas(investigationId))!
    const byKey = new Map(canvas.nodes.map((node) => [node.key, node]))
    // The range k3..k5 is shaded; k2 (last green) and k6 (after the first red) are not in it.
    expect(['k3', 'k4', 'k5'].map((label) => byKey.get(commitKey(sha(label)))?.inRange)).toEqual([true, true, true])
    expect(byKey.get(commitKey(sha('k2')))).toMatchObject({ inRange: false, marker: 'last_green' })
    expect(byKey.get(commitKey(sha('k6')))?.inRange).toBe(false)
    // Accepted suspects stand out, rejected ones fade.
    expect(byKey.get(commitKey(sha('k5')))).toMatchObject({ emphasis: 'strong', marker: 'first_red', evidence: true })
    expect(byKey.get(commitKey(sha('k3')))?.emphasis).toBe('dim')
    expect(byKey.get(commitKey(sha('k4')))?.emphasis).toBe('normal')
    expect(byKey.get(commitKey(sha('k4')))?.href).toBe(`/episodes/${episodeId}`)
    // Runs: the last green, the first red and the rest of the red streak.
    expect(byKey.get(runKey(runs.green))).toMatchObject({ marker: 'last_green', tone: 'green' })
    expect(byKey.get(runKey(runs.red))).toMatchObject({ marker: 'first_red', tone: 'red', evidence: true })
    expect(byKey.get(runKey(runs.red2))?.tone).toBe('red')
    // The failing test, once, though the evidence names it too.
    const tests = canvas.nodes.filter((node) => node.kind === 'test')
    expect(tests.map((node) => node.key)).toEqual([testNodeKey('cart\ttotal')])
    expect(tests[0]).toMatchObject({ label: 'cart › total', evidence: true })
    expect(tests[0].description).toContain('expected 3 but got 2.97')
    // Deploys link out; a link that is not a web address never becomes an href.
    const deploy = canvas.nodes.find((node) => node.kind === 'deploy')!
    expect(deploy).toMatchObject({ href: 'https://deploy.example.com/releases/42', external: true, time: T + 2500 })
    const link = canvas.nodes.find((node) => node.kind === 'link')!
    expect(link.href).toBe(`/investigations/${investigationId}#evidence`)
    expect(byKey.get(noteKey(noteId))).toMatchObject({ href: `/investigations/${investigationId}#note-${noteId}`, label: 'Looks like rounding' })
    // The markers are the runs' times.
    expect(canvas.lastGreenAt).toBe(T + 1000)
    expect(canvas.firstRedAt).toBe(T + 2000)
  })

  it('joins runs to their commits, suspects to the failure, and the failure to its test', async () => {
    const canvas = (await loadCanvas(investigationId))!
    const edges = canvas.edges.map((edge) => `${edge.kind} ${edge.from} ${edge.to}${edge.dim ? ' dim' : ''}`)
    expect(edges).toContain(`link ${runKey(runs.red)} ${commitKey(sha('k5'))}`)
    expect(edges).toContain(`link ${runKey(runs.green)} ${commitKey(sha('k2'))}`)
    expect(edges).toContain(`failure ${runKey(runs.red)} ${testNodeKey('cart\ttotal')}`)
    expect(edges).toContain(`suspect ${commitKey(sha('k4'))} ${runKey(runs.red)}`)
    expect(edges).toContain(`suspect ${commitKey(sha('k3'))} ${runKey(runs.red)} dim`)
    // The accepted suspect points at the failing test itself.
    expect(edges).toContain(`suspect ${commitKey(sha('k5'))} ${testNodeKey('cart\ttotal')}`)
  })

  it('lays out with the range between the last green and first red markers', async () => {
    const layout = layoutCanvas((await loadCanvas(investigationId))!)
    const [lastGreen, firstRed] = layout.markers
    expect([lastGreen.kind, firstRed.kind]).toEqual(['last_green', 'first_red'])
    const green = layout.nodes.find((node) => node.key === runKey(runs.green))!
    const red = layout.nodes.find((node) => node.key === runKey(runs.red))!
    expect(green.x).toBeLessThan(lastGreen.x)
    expect(red.x).toBeGreaterThan(firstRed.x)
    expect(layout.range).not.toBeNull()
  })

  it('narrows to a stretch of time', async () => {
    const canvas = (await loadCanvas(investigationId, { from: T + 1500, to: T + 3500 }))!
    expect(canvas.nodes.every((node) => node.time >= T + 1500 && node.time <= T + 3500)).toBe(true)
    expect(canvas.nodes.map((node) => node.key)).toContain(runKey(runs.red))
    expect(canvas.omitted.outsideWindow).toBeGreaterThan(0)
    expect(canvas.edges.every((edge) => canvas.nodes.some((node) => node.key === edge.from))).toBe(true)
  })

  it('is null for an unknown or deleted investigation', async () => {
    expect(await loadCanvas(999_999)).toBeNull()
    const gone = await createInvestigation({ title: 'Gone', kind: 'incident', severity: 'sev4' }, engineerId)
    await getDb().run(sql`update investigations set deleted_at = ${Date.now()} where id = ${gone}`)
    expect(await loadCanvas(gone)).toBeNull()
    expect(await saveCanvasPosition(gone, 'note:1', { x: 1, y: 1 }, engineerId)).toEqual({ ok: false, reason: 'not_found' })
  })
})

describe('saveCanvasPosition', () => {
  it('saves a dropped node for everyone, overwrites it on the next drop, and writes no activity', async () => {
    const key = commitKey(sha('k4'))
    const activityBefore = await getDb().all<{ n: number }>(sql`select count(*) as n from activity where investigation_id = ${investigationId}`)
    expect(await saveCanvasPosition(investigationId, key, { x: 120.4, y: 300 }, engineerId)).toEqual({ ok: true })
    expect(await saveCanvasPosition(investigationId, key, { x: 640.6, y: -20 }, engineerId)).toEqual({ ok: true })
    const canvas = (await loadCanvas(investigationId))!
    expect(canvas.positions[key]).toEqual({ x: 641, y: 0 })
    const placed = layoutCanvas(canvas).nodes.find((node) => node.key === key)!
    expect(placed).toMatchObject({ x: 641, y: 0, pinned: true })
    const activityAfter = await getDb().all<{ n: number }>(sql`select count(*) as n from activity where investigation_id = ${investigationId}`)
    expect(activityAfter[0].n).toBe(activityBefore[0].n)
    await resetCanvasPositions(investigationId)
    expect((await loadCanvas(investigationId))!.positions).toEqual({})
  })
})
