// Through the real write paths: commits and runs via the connectors, then the linker's rounds.
import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, chain, createRepository, episodesOf, settleLinker, sha } from '../../tests/helpers/linker'
import { createUser } from '../auth/users.server'
import { getDb } from '../db.server'
import { createInvestigation } from '../investigations/investigations.server'
import { getLinker } from '../linker/worker.server'
import { isWatchingBranch, setBranchWatch, setBranchWatchForEpisode } from './linker-events.server'

beforeAll(async () => {
  getLinker().reset()
  await settleLinker()
})

const branchRedNotes = (userId: string) =>
  getDb().all<{ summary: string; path: string; delivery: string; status: string; outbox_id: string | null }>(
    sql`select summary, path, delivery, status, outbox_id from notifications where user_id = ${userId} and event_type = 'branch_red' order by id`,
  )

describe('a branch I watch went red', () => {
  it('mails the watchers of the branch once when the linker opens a red episode, and nobody else', async () => {
    const watcher = await createUser({ email: `watcher-${Date.now()}@example.com`, name: 'Wanda', role: 'engineer' })
    const bystander = await userWithRole('viewer')
    const repo = await createRepository()
    expect(await setBranchWatch(watcher.id, repo, 'main', true)).toBe(true)
    expect(await setBranchWatch(watcher.id, repo, 'main', true)).toBe(false)
    expect(await isWatchingBranch(watcher.id, repo, 'main')).toBe(true)
    await addCommits(repo, chain('r', 4))
    await addRun(repo, { commit: 'r1', conclusion: 'success' })
    await addRun(repo, { commit: 'r2', conclusion: 'failure', name: 'build' })
    await addRun(repo, { commit: 'r1', conclusion: 'success', branch: 'feature' })
    await settleLinker()
    const [episode] = (await episodesOf(repo)).filter((row) => row.status === 'open')
    const notes = await branchRedNotes(watcher.id)
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatchObject({ path: `/episodes/${episode.id}`, delivery: 'immediate', status: 'emailed' })
    expect(notes[0].summary).toContain(`${repo} main went red: build fails since ${sha('r2').slice(0, 7)}`)
    const [mail] = await getDb().all<{ template: string; subject: string; headers: string; text: string }>(
      sql`select template, subject, headers, text from email_outbox where id = ${notes[0].outbox_id}`,
    )
    expect(mail).toMatchObject({ template: 'branch-red', subject: `${repo} main went red (build)` })
    expect(JSON.parse(mail.headers)['List-Unsubscribe']).toMatch(/^<http:\/\/localhost:3000\/unsubscribe\/.+>$/)
    expect(mail.text).toContain(`http://localhost:3000/episodes/${episode.id}`)
    expect(await branchRedNotes(bystander.id)).toEqual([])

    // More red runs in the same streak and a full recompute tell nobody again.
    await addRun(repo, { commit: 'r3', conclusion: 'failure', name: 'build' })
    await settleLinker()
    getLinker().reset()
    await getLinker().recomputeRepository(repo)
    expect(await branchRedNotes(watcher.id)).toHaveLength(1)

    // Unwatched (from the episode page): the next red streak tells nobody.
    expect(await setBranchWatchForEpisode(watcher.id, episode.id, false)).toMatchObject({
      branch: 'main',
      changed: true,
    })
    await addRun(repo, { commit: 'r4', conclusion: 'success', name: 'build' })
    await addCommits(repo, [{ label: 'r5', parents: ['r4'] }])
    await addRun(repo, { commit: 'r5', conclusion: 'failure', name: 'build' })
    await settleLinker()
    expect((await episodesOf(repo)).filter((row) => row.status === 'open')).toHaveLength(1)
    expect(await branchRedNotes(watcher.id)).toHaveLength(1)
    expect(await setBranchWatchForEpisode(watcher.id, 999_999, true)).toBeNull()
  })
})

describe('new suspect found', () => {
  it('records a suspect_found activity (by the linker) when the top suspect of an investigation’s episode changes', async () => {
    const admin = await userWithRole('admin')
    const engineer = await userWithRole('engineer')
    const repo = await createRepository()
    await addCommits(repo, chain('n', 5))
    await addRun(repo, { commit: 'n1', conclusion: 'success' })
    await addRun(repo, { commit: 'n4', conclusion: 'failure' })
    await settleLinker()
    const [episode] = await episodesOf(repo)
    const topOf = async () =>
      (
        await getDb().all<{ sha: string }>(
          sql`select sha from suspects where episode_id = ${episode.id} and status != 'rejected' and in_range = 1 order by score desc, sha limit 1`,
        )
      )[0]?.sha
    const before = await topOf()
    expect(before).not.toBe(sha('n2'))
    const id = await createInvestigation(
      { title: 'Suspects move', kind: 'failing_build', severity: 'sev2', episodeId: episode.id, ownerId: engineer.id },
      admin.id,
    )
    const found = () =>
      getDb().all<{ actor_id: string | null; data: string }>(
        sql`select actor_id, data from activity where investigation_id = ${id} and kind = 'suspect_found'`,
      )

    // Another red run in the streak rescoring the same top suspect: nothing new.
    await addRun(repo, { commit: 'n5', conclusion: 'failure' })
    await settleLinker()
    expect(await found()).toEqual([])

    // An earlier red arrives late: the range shrinks to n2, the new top suspect.
    await addRun(repo, { commit: 'n2', conclusion: 'failure' })
    await settleLinker()
    expect(await topOf()).toBe(sha('n2'))
    const rows = await found()
    expect(rows).toHaveLength(1)
    expect(rows[0].actor_id).toBeNull()
    expect(JSON.parse(rows[0].data)).toEqual({ episodeId: episode.id, sha: sha('n2'), label: 'commit n2' })
    // Owner and watchers hear of it (suspects default to the digest).
    const notes = await getDb().all<{ user_id: string; delivery: string }>(
      sql`select user_id, delivery from notifications where investigation_id = ${id} and event_type = 'suspect_found' order by user_id`,
    )
    expect(notes.map((row) => row.user_id).sort()).toEqual([admin.id, engineer.id].sort())

    // A recompute that finds the same top suspect does not repeat it.
    getLinker().reset()
    await getLinker().recomputeRepository(repo)
    expect(await found()).toHaveLength(1)
  })
})

describe('the Watch branch button on the episode page', () => {
  it('watches and unwatches the episode’s branch for the person clicking; viewers may not', async () => {
    const { cookieFor, makeRequest } = await import('../../tests/helpers/auth')
    const { routeArgs, settle } = await import('../../tests/helpers/route')
    const route = await import('../routes/episodes.$id')
    const watchRoute = await import('../routes/episodes.$id_.watch')
    const engineer = await userWithRole('engineer')
    const repo = await createRepository()
    await addCommits(repo, chain('w', 2))
    await addRun(repo, { commit: 'w1', conclusion: 'success' })
    await addRun(repo, { commit: 'w2', conclusion: 'failure' })
    await settleLinker()
    const [episode] = await episodesOf(repo)
    const path = `/episodes/${episode.id}`
    const click = async (intent: string, role: 'engineer' | 'viewer' = 'engineer') =>
      settle(async () =>
        watchRoute.action(
          routeArgs(makeRequest(`${path}/watch`, { cookie: await cookieFor(role), form: { intent } }), { id: String(episode.id) }),
        ),
      )
    const page = async () =>
      settle<{ watching: boolean }>(async () =>
        route.loader(routeArgs(makeRequest(path, { cookie: await cookieFor('engineer') }), { id: String(episode.id) })),
      )

    expect((await page()).body.watching).toBe(false)
    // Back to the episode page, which shows the new state.
    expect((await click('watch-branch')).status).toBe(302)
    expect(await isWatchingBranch(engineer.id, repo, 'main')).toBe(true)
    expect((await page()).body.watching).toBe(true)
    expect((await click('unwatch-branch')).status).toBe(302)
    expect(await isWatchingBranch(engineer.id, repo, 'main')).toBe(false)
    // A viewer follows branches too: it decides only their own mail.
    const viewer = await userWithRole('viewer')
    expect((await click('watch-branch', 'viewer')).status).toBe(302)
    expect(await isWatchingBranch(viewer.id, repo, 'main')).toBe(true)
    expect((await click('sideways', 'viewer')).status).toBe(400)
  })
})
