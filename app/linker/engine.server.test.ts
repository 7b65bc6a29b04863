// Scenarios through the real write paths: commits via upsertCommits, runs via upsertCiRun, then the
// linker's rounds, as the worker runs them.
import { beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { getDb } from '../db.server'
import {
  addCommits,
  addRun,
  addTestResults,
  chain,
  createRepository,
  episodesOf,
  labeller,
  rangeOf,
  settleLinker,
  sha,
} from '../../tests/helpers/linker'
import { applyPush } from '../connectors/webhooks/push.server'
import { commitInput } from '../../tests/helpers/linker'
import { userWithRole } from '../../tests/helpers/auth'
import { decideSuspect, listEpisodeRange } from './episodes.server'
import { getLinker } from './worker.server'

beforeAll(async () => {
  getLinker().reset()
  await settleLinker()
})

async function sequenceState(repositoryId: string, branch = 'main', name = 'CI') {
  return getDb().get<{ state: string; last_green_sha: string | null; open_episode_id: number | null; pending_runs: number }>(
    sql`select state, last_green_sha, open_episode_id, pending_runs from linker_sequences where repository_id = ${repositoryId} and branch = ${branch} and name = ${name}`,
  )
}

async function suspectsOf(episodeId: number) {
  return getDb().all<{ sha: string; score: number; reasons: string; status: string; in_range: number }>(
    sql`select sha, score, reasons, status, in_range from suspects where episode_id = ${episodeId} order by score desc`,
  )
}

describe('last green, first red and the range', () => {
  it('records a red streak between greens, with the range git rev-list would print (merges included)', async () => {
    const repo = await createRepository()
    // c1 - c2 ------ m (merge of f2) - c3
    //   \- f1 - f2 -/
    await addCommits(repo, [
      { label: 'a1' },
      { label: 'a2', parents: ['a1'] },
      { label: 'af1', parents: ['a1'] },
      { label: 'af2', parents: ['af1'] },
      { label: 'am', parents: ['a2', 'af2'] },
      { label: 'a3', parents: ['am'] },
    ])
    await addRun(repo, { commit: 'a1', conclusion: 'success' })
    await addRun(repo, { commit: 'am', conclusion: 'failure' })
    await settleLinker()
    const label = labeller(['a1', 'a2', 'af1', 'af2', 'am', 'a3'])
    let [episode] = await episodesOf(repo)
    expect(episode).toMatchObject({ status: 'open', likelyFlaky: false, base: 'sequence' })
    expect(label(episode.lastGreenSha)).toBe('a1')
    expect(label(episode.firstRedSha)).toBe('am')
    expect((await rangeOf(episode.id)).map(label).sort()).toEqual(['a2', 'af1', 'af2', 'am'])
    expect(await sequenceState(repo)).toMatchObject({ state: 'red', open_episode_id: episode.id })

    await addRun(repo, { commit: 'a3', conclusion: 'success' })
    await settleLinker()
    ;[episode] = await episodesOf(repo)
    expect(episode).toMatchObject({ status: 'closed' })
    expect(label(episode.closingSha)).toBe('a3')
    expect(await sequenceState(repo)).toMatchObject({ state: 'green', open_episode_id: null })
  })

  it('gives the same answer whatever order runs and commits arrive in', async () => {
    const specs = chain('b', 8)
    const results = ['success', 'success', 'failure', 'failure', 'success', 'failure', 'failure', 'failure']
    const inOrder = await createRepository()
    await addCommits(inOrder, specs)
    for (let i = 0; i < specs.length; i++) {
      await addRun(inOrder, { commit: specs[i].label, conclusion: results[i], at: 1_700_200_000_000 + i * 1000 })
      await settleLinker()
    }
    const shuffled = await createRepository()
    // Runs first (their commits unknown), newest first, then the commits in two pushes, newest first.
    for (let i = specs.length - 1; i >= 0; i--) await addRun(shuffled, { commit: specs[i].label, conclusion: results[i], at: 1_700_200_000_000 + i * 1000 })
    await settleLinker()
    expect(await sequenceState(shuffled)).toMatchObject({ state: 'unknown', pending_runs: 8 })
    await addCommits(shuffled, specs.slice(4))
    await settleLinker()
    await addCommits(shuffled, specs.slice(0, 4))
    await settleLinker()

    const summary = async (repo: string) =>
      Promise.all(
        (await episodesOf(repo)).map(async (episode) => ({
          status: episode.status,
          lastGreen: episode.lastGreenSha,
          firstRed: episode.firstRedSha,
          closing: episode.closingSha,
          range: await rangeOf(episode.id),
        })),
      )
    const expected = await summary(inOrder)
    expect(expected).toHaveLength(2)
    expect(expected[0]).toMatchObject({ lastGreen: sha('b2'), firstRed: sha('b3'), closing: sha('b5'), range: [sha('b3')] })
    expect(expected[1]).toMatchObject({ status: 'open', lastGreen: sha('b5'), firstRed: sha('b6'), range: [sha('b6')] })
    expect(await summary(shuffled)).toEqual(expected)
    expect(await sequenceState(shuffled)).toMatchObject({ state: 'red', pending_runs: 0 })
  })
})

describe('scenarios', () => {
  it('a re-run that turns red into green: the commit counts once, by its latest attempt', async () => {
    const repo = await createRepository()
    await addCommits(repo, chain('r', 3))
    await addRun(repo, { commit: 'r1', conclusion: 'success' })
    await addRun(repo, { commit: 'r2', conclusion: 'failure', externalId: 'rr-2', attempt: 1, at: 1_700_300_000_000 })
    await settleLinker()
    expect(await episodesOf(repo)).toHaveLength(1)
    expect(await sequenceState(repo)).toMatchObject({ state: 'red' })

    await addRun(repo, { commit: 'r2', conclusion: 'success', externalId: 'rr-2', attempt: 2, at: 1_700_300_100_000 })
    await settleLinker()
    expect(await episodesOf(repo)).toHaveLength(0)
    expect(await sequenceState(repo)).toMatchObject({ state: 'green', last_green_sha: sha('r2') })

    // A cancelled third attempt says nothing: attempt 2 still decides.
    await addRun(repo, { commit: 'r2', conclusion: 'cancelled', externalId: 'rr-2', attempt: 3, at: 1_700_300_200_000 })
    await settleLinker()
    expect(await episodesOf(repo)).toHaveLength(0)
  })

  it('a flake: a test that passed and failed on one commit is flaky, and a red run failing only it opens no red episode', async () => {
    const repo = await createRepository()
    await addCommits(repo, chain('f', 6))
    await addRun(repo, { commit: 'f1', conclusion: 'success' })
    // Two jobs on f2 disagree about `saves a draft`: it flaked there.
    const jobA = await addRun(repo, { commit: 'f2', conclusion: 'success', name: 'unit (node 20)' })
    const jobB = await addRun(repo, { commit: 'f2', conclusion: 'failure', name: 'unit (node 22)' })
    await addTestResults(jobA, [{ name: 'saves a draft', classname: 'DraftTest', status: 'passed' }])
    await addTestResults(jobB, [{ name: 'saves a draft', classname: 'DraftTest', status: 'failed', message: 'timeout' }])
    await settleLinker()
    const flaky = await getDb().all<{ test_key: string }>(sql`select test_key from flaky_tests where repository_id = ${repo}`)
    expect(flaky.map((row) => row.test_key)).toEqual(['DraftTest\tsaves a draft'])

    // On the CI sequence: f3 red failing only the flaky test, then green again.
    await addRun(repo, { commit: 'f2', conclusion: 'success' })
    const red = await addRun(repo, { commit: 'f3', conclusion: 'failure' })
    await addTestResults(red, [
      { name: 'saves a draft', classname: 'DraftTest', status: 'failed' },
      { name: 'renders', classname: 'ViewTest', status: 'passed' },
    ])
    await settleLinker()
    let ci = (await episodesOf(repo)).filter((episode) => episode.name === 'CI')
    expect(ci).toHaveLength(1)
    expect(ci[0]).toMatchObject({ likelyFlaky: true, status: 'open' })
    expect(await sequenceState(repo)).toMatchObject({ state: 'likely_flaky' })
    expect((await suspectsOf(ci[0].id)).length).toBe(0)
    // A full recompute, which reads every red run's failing tests at once, says the same.
    getLinker().reset()
    await getLinker().recomputeRepository(repo)
    expect((await episodesOf(repo)).filter((episode) => episode.name === 'CI')).toMatchObject([{ id: ci[0].id, likelyFlaky: true, status: 'open' }])

    // A real failure after it: the episode becomes red, starting at the real red, its range from the last green.
    const real = await addRun(repo, { commit: 'f4', conclusion: 'failure' })
    await addTestResults(real, [{ name: 'renders', classname: 'ViewTest', status: 'failed' }])
    await settleLinker()
    ci = (await episodesOf(repo)).filter((episode) => episode.name === 'CI')
    expect(ci).toHaveLength(1)
    expect(ci[0]).toMatchObject({ likelyFlaky: false, firstRedSha: sha('f4'), lastGreenSha: sha('f2') })
    expect((await rangeOf(ci[0].id)).sort()).toEqual([sha('f3'), sha('f4')].sort())
    expect(await sequenceState(repo)).toMatchObject({ state: 'red' })
  })

  it('a revert: the breaking commit is the suspect, and breaking the same files again points at the same author', async () => {
    const repo = await createRepository()
    await addCommits(repo, [
      { label: 'v1', files: ['README.md'] },
      { label: 'v2', parents: ['v1'], author: 'Grace Hopper', files: ['src/parse.ts', 'src/lexer.ts'] },
      { label: 'v3', parents: ['v2'], author: 'Alan Turing', subject: 'Revert "v2"', files: ['src/parse.ts', 'src/lexer.ts'] },
      { label: 'v4', parents: ['v3'], author: 'Alan Turing', files: ['docs/guide.md'] },
      { label: 'v5', parents: ['v4'], author: 'Grace Hopper', subject: 'Reapply v2', files: ['src/parse.ts'] },
    ])
    await addRun(repo, { commit: 'v1', conclusion: 'success' })
    const red = await addRun(repo, { commit: 'v2', conclusion: 'failure' })
    await addTestResults(red, [
      { name: 'parses empty input', classname: 'parse', status: 'failed', file: 'tests/parse.test.ts', message: 'Error: boom\n    at parse (src/parse.ts:12:7)' },
    ])
    await addRun(repo, { commit: 'v3', conclusion: 'success' })
    await settleLinker()
    const [first] = await episodesOf(repo)
    expect(first).toMatchObject({ status: 'closed', firstRedSha: sha('v2'), closingSha: sha('v3') })
    expect(await rangeOf(first.id)).toEqual([sha('v2')])
    const [top] = await suspectsOf(first.id)
    expect(top.sha).toBe(sha('v2'))
    expect(JSON.parse(top.reasons).map((reason: { code: string }) => reason.code)).toContain('failureMessagePath')

    await addRun(repo, { commit: 'v4', conclusion: 'success' })
    const again = await addRun(repo, { commit: 'v5', conclusion: 'failure' })
    await addTestResults(again, [{ name: 'parses empty input', classname: 'parse', status: 'failed', file: 'tests/parse.test.ts' }])
    await settleLinker()
    const second = (await episodesOf(repo)).find((episode) => episode.firstRedSha === sha('v5'))!
    expect(second).toMatchObject({ status: 'open', lastGreenSha: sha('v4') })
    const [suspect] = await suspectsOf(second.id)
    const reasons = JSON.parse(suspect.reasons) as Array<{ code: string; text: string }>
    expect(reasons.find((reason) => reason.code === 'authorHistory')?.text).toMatch(/Same author \(Grace Hopper\) changed src\/parse\.ts in earlier red episode #\d+/)
  })

  it('a later episode cites an earlier one afresh when that one is decided on, and stops when it goes', async () => {
    const repo = await createRepository()
    await addCommits(repo, [
      { label: 'w1', files: ['README.md'] },
      { label: 'w2', parents: ['w1'], author: 'Grace Hopper', files: ['src/parse.ts'] },
      { label: 'w3', parents: ['w2'], author: 'Alan Turing', files: ['docs/guide.md'] },
      { label: 'w4', parents: ['w3'], author: 'Grace Hopper', files: ['src/parse.ts'] },
    ])
    await addRun(repo, { commit: 'w1', conclusion: 'success' })
    await addRun(repo, { commit: 'w2', conclusion: 'failure', externalId: 'cite-w2' })
    await addRun(repo, { commit: 'w3', conclusion: 'success' })
    await addRun(repo, { commit: 'w4', conclusion: 'failure' })
    await settleLinker()
    const first = (await episodesOf(repo)).find((episode) => episode.firstRedSha === sha('w2'))!
    const second = (await episodesOf(repo)).find((episode) => episode.firstRedSha === sha('w4'))!
    const citation = async () => {
      const [suspect] = await suspectsOf(second.id)
      return (JSON.parse(suspect.reasons) as Array<{ code: string; text: string }>).find((reason) => reason.code === 'authorHistory')?.text
    }
    expect(await citation()).toMatch(new RegExp(`Same author \\(Grace Hopper\\) changed src/parse\\.ts in earlier red episode #${first.id}`))
    expect(await citation()).not.toMatch(/accepted as the cause/)

    // An engineer accepts w2 as the first episode's cause: the second says so after the next round.
    const engineer = await userWithRole('engineer')
    await decideSuspect(first.id, sha('w2'), 'accepted', { userId: engineer.id })
    await settleLinker()
    expect(await citation()).toMatch(/where that change was accepted as the cause/)

    // A re-run turns w2 green: the first episode goes, and the second no longer cites it.
    await addRun(repo, { commit: 'w2', conclusion: 'success', externalId: 'cite-w2', attempt: 2 })
    await settleLinker()
    expect((await episodesOf(repo)).map((episode) => episode.id)).toEqual([second.id])
    expect(await citation()).toBeUndefined()
  })

  it('two overlapping red episodes on different workflows stay apart', async () => {
    const repo = await createRepository()
    await addCommits(repo, chain('w', 8))
    const build = ['success', 'success', 'failure', 'failure', 'failure', 'success', 'success', 'success']
    const test = ['success', 'success', 'success', 'failure', 'failure', 'failure', 'failure', 'success']
    for (let i = 0; i < 8; i++) {
      await addRun(repo, { commit: `w${i + 1}`, conclusion: build[i], name: 'build' })
      await addRun(repo, { commit: `w${i + 1}`, conclusion: test[i], name: 'test' })
    }
    await settleLinker()
    const all = await episodesOf(repo)
    const byName = Object.fromEntries(all.map((episode) => [episode.name, episode]))
    expect(all).toHaveLength(2)
    expect(byName.build).toMatchObject({ lastGreenSha: sha('w2'), firstRedSha: sha('w3'), closingSha: sha('w6') })
    expect(byName.test).toMatchObject({ lastGreenSha: sha('w3'), firstRedSha: sha('w4'), closingSha: sha('w8') })
    expect(await rangeOf(byName.build.id)).toEqual([sha('w3')])
    expect(await rangeOf(byName.test.id)).toEqual([sha('w4')])
  })
})

describe('branches, decisions and recomputes', () => {
  it('a branch with no green yet starts its range at the default branch’s last green it contains', async () => {
    const repo = await createRepository()
    await addCommits(repo, [...chain('m', 4), ...chain('x', 3, 'm2')])
    await addRun(repo, { commit: 'm2', conclusion: 'success' })
    await addRun(repo, { commit: 'm4', conclusion: 'success' })
    await addRun(repo, { commit: 'x3', conclusion: 'failure', branch: 'feature/x' })
    await settleLinker()
    const [episode] = (await episodesOf(repo)).filter((item) => item.branch === 'feature/x')
    expect(episode).toMatchObject({ base: 'default_branch', lastGreenSha: sha('m2'), firstRedSha: sha('x3') })
    expect((await rangeOf(episode.id)).sort()).toEqual([sha('x1'), sha('x2'), sha('x3')].sort())

    // A green on main that x3 does not contain changes nothing; an earlier one (m1) is not newer than m2.
    await addRun(repo, { commit: 'm1', conclusion: 'success' })
    await settleLinker()
    const [same] = (await episodesOf(repo)).filter((item) => item.branch === 'feature/x')
    expect(same).toMatchObject({ id: episode.id, lastGreenSha: sha('m2') })

    // Without any green on main either, the range is the whole history below the red commit.
    const bare = await createRepository()
    await addCommits(bare, chain('n', 3))
    await addRun(bare, { commit: 'n3', conclusion: 'failure', branch: 'topic' })
    await settleLinker()
    const [none] = await episodesOf(bare)
    expect(none).toMatchObject({ base: 'none', lastGreenSha: null, rangeSize: 3 })
  })

  it('keeps episode ids and decisions across a full recompute; a rejected suspect stays rejected', async () => {
    const repo = await createRepository()
    await addCommits(repo, chain('d', 5))
    await addRun(repo, { commit: 'd1', conclusion: 'success' })
    await addRun(repo, { commit: 'd4', conclusion: 'failure' })
    await settleLinker()
    const [episode] = await episodesOf(repo)
    expect(episode.rangeSize).toBe(3)
    await getDb().run(sql`update suspects set status = 'rejected', decided_at = 1 where episode_id = ${episode.id} and sha = ${sha('d3')}`)

    await getLinker().recomputeRepository(repo)
    getLinker().reset()
    await getLinker().recomputeRepository(repo)
    const [again] = await episodesOf(repo)
    expect(again.id).toBe(episode.id)
    const suspects = await suspectsOf(episode.id)
    expect(suspects.find((suspect) => suspect.sha === sha('d3'))).toMatchObject({ status: 'rejected', in_range: 1 })

    // An earlier red arrives late: same streak, so the same episode (and its decisions), now starting at d2.
    await addRun(repo, { commit: 'd2', conclusion: 'failure' })
    await settleLinker()
    const [moved] = await episodesOf(repo)
    expect(moved).toMatchObject({ id: episode.id, firstRedSha: sha('d2'), rangeSize: 1 })
    expect((await suspectsOf(episode.id)).find((suspect) => suspect.sha === sha('d3'))).toMatchObject({ status: 'rejected', in_range: 0 })
  })

  it('derives from nothing, in one full recompute (scored on the reader thread), what it derived round by round', async () => {
    const repo = await createRepository()
    await addCommits(repo, [
      { label: 'x1', files: ['README.md'] },
      { label: 'x2', parents: ['x1'], author: 'Grace Hopper', files: ['src/parse.ts'] },
      { label: 'x3', parents: ['x2'], author: 'Alan Turing', files: ['docs/guide.md'] },
      { label: 'x4', parents: ['x3'], author: 'Grace Hopper', files: ['src/parse.ts', 'src/lexer.ts'] },
      { label: 'x5', parents: ['x4'], author: 'Alan Turing', files: ['src/lexer.ts'] },
      { label: 'x6', parents: ['x5'], files: ['README.md'] },
    ])
    await addRun(repo, { commit: 'x1', conclusion: 'success' })
    const red = await addRun(repo, { commit: 'x2', conclusion: 'failure' })
    await addTestResults(red, [{ name: 'parses', classname: 'parse', status: 'failed', file: 'tests/parse.test.ts', message: 'at src/parse.ts:3:1' }])
    await addRun(repo, { commit: 'x3', conclusion: 'success' })
    await addRun(repo, { commit: 'x5', conclusion: 'failure' })
    await addRun(repo, { commit: 'x6', conclusion: 'failure', name: 'Lint' })
    await settleLinker()
    // Episodes and suspects as a person reads them: an earlier episode is named by its first red commit.
    const derived = async () => {
      const episodes = await episodesOf(repo)
      const named = (text: string) => text.replace(/#(\d+)/g, (_, id) => `#${episodes.find((episode) => episode.id === Number(id))?.firstRedSha}`)
      return Promise.all(
        episodes.map(async ({ id, createdAt: _created, updatedAt: _updated, ...episode }) => ({
          episode,
          suspects: (await suspectsOf(id)).map((suspect) => ({ ...suspect, reasons: named(suspect.reasons) })),
          range: await rangeOf(id),
        })),
      )
    }
    const roundByRound = await derived()
    expect(roundByRound).toHaveLength(3)
    expect(JSON.stringify(roundByRound)).toMatch(/earlier red episode #[0-9a-f]{40}/)

    const before = (await episodesOf(repo)).map((episode) => episode.id)
    await getDb().run(sql`delete from episodes where repository_id = ${repo}`)
    await getDb().run(sql`update linker_sequences set state = 'unknown', open_episode_id = null, last_green_sha = null where repository_id = ${repo}`)
    // Runs without their links (as runs stored by a version without the linker): the recompute links them.
    await getDb().run(sql`delete from links where repository_id = ${repo} and from_kind = 'ci_run' and from_ref != ${String(red)}`)
    getLinker().reset()
    await getLinker().recomputeRepository(repo)
    expect(await derived()).toEqual(roundByRound)
    const runLinks = await getDb().all<{ n: number; runs: number }>(
      sql`select count(*) as n, count(distinct from_ref) as runs from links where repository_id = ${repo} and from_kind = 'ci_run' and rule = 'run-head-sha'`,
    )
    expect(runLinks[0]).toEqual({ n: 5, runs: 5 })
    // Ids are never used twice, not even those of episodes deleted just before.
    expect(Math.min(...(await episodesOf(repo)).map((episode) => episode.id))).toBeGreaterThan(Math.max(...before))
    expect(await sequenceState(repo)).toMatchObject({ state: 'red', last_green_sha: sha('x3') })
  })

  it('a full recompute gives runs stored before the linker followed them their sequences', async () => {
    const repo = await createRepository()
    await addCommits(repo, chain('v', 3))
    await addRun(repo, { commit: 'v1', conclusion: 'success' })
    await addRun(repo, { commit: 'v2', conclusion: 'failure' })
    await addRun(repo, { commit: 'v3', conclusion: 'failure', name: 'Lint' })
    await settleLinker()
    const derived = (await episodesOf(repo)).map(({ branch, name, status, firstRedSha, lastGreenSha }) => ({ branch, name, status, firstRedSha, lastGreenSha }))
    expect(derived).toHaveLength(2)
    // As if the runs had come in before the linker: no sequence rows, so no episodes either.
    await getDb().run(sql`delete from linker_sequences where repository_id = ${repo}`)
    expect(await episodesOf(repo)).toHaveLength(0)
    getLinker().reset()
    await getLinker().recomputeRepository(repo)
    expect((await episodesOf(repo)).map(({ branch, name, status, firstRedSha, lastGreenSha }) => ({ branch, name, status, firstRedSha, lastGreenSha }))).toEqual(derived)
    expect(await sequenceState(repo)).toMatchObject({ state: 'red', last_green_sha: sha('v1') })
    expect(await sequenceState(repo, 'main', 'Lint')).toMatchObject({ state: 'red', last_green_sha: null })
  })

  it('links every run to its commit and every push to its commits; a rejected run link takes the run out of its sequence', async () => {
    const repo = await createRepository()
    await addCommits(repo, chain('l', 3))
    await addRun(repo, { commit: 'l1', conclusion: 'success' })
    const red = await addRun(repo, { commit: 'l2', conclusion: 'failure' })
    await settleLinker()
    const links = await getDb().all<{ id: number; from_ref: string; to_ref: string; rule: string; confidence: number; status: string }>(
      sql`select id, from_ref, to_ref, rule, confidence, status from links where repository_id = ${repo} and from_kind = 'ci_run' order by id`,
    )
    expect(links).toHaveLength(2)
    expect(links[1]).toMatchObject({ from_ref: String(red), to_ref: sha('l2'), rule: 'run-head-sha', confidence: 1, status: 'suggested' })
    expect(await episodesOf(repo)).toHaveLength(1)

    await getDb().run(sql`update links set status = 'rejected' where id = ${links[1].id}`)
    await getDb().run(sql`insert into linker_queue (kind, repository_id, ref, created_at) values ('run', ${repo}, ${String(red)}, 0)`)
    await settleLinker()
    expect(await episodesOf(repo)).toHaveLength(0)
  })

  it('links a push to the commits it brought: before..after, or the payload when the branch was created', async () => {
    const repo = await createRepository()
    const push = (before: string, labels: string[], parentOfFirst: string | null, at: number) =>
      getDb().transaction((tx) =>
        applyPush(tx, {
          repositoryId: repo,
          ref: 'refs/heads/main',
          before,
          after: sha(labels[labels.length - 1]),
          commits: labels.map((label, index) => {
            const { parents: _parents, ...input } = commitInput({ label, parents: index === 0 ? (parentOfFirst ? [parentOfFirst] : []) : [labels[index - 1]] }, index)
            return input
          }),
          complete: true,
          forced: false,
          pusher: 'ada',
          pushedAt: at,
          link: null,
          deliveryRowId: at,
        }),
      )
    await push('0'.repeat(40), ['u1', 'u2'], null, 1)
    await push(sha('u2'), ['u3', 'u4'], 'u2', 2)
    await settleLinker()
    const links = await getDb().all<{ from_ref: string; to_ref: string; rule: string; confidence: number }>(
      sql`select from_ref, to_ref, rule, confidence from links where repository_id = ${repo} and from_kind = 'push' order by id`,
    )
    const label = labeller(['u1', 'u2', 'u3', 'u4'])
    expect(links.map((link) => [label(link.to_ref), link.rule, link.confidence])).toEqual([
      ['u2', 'push-head', 1],
      ['u1', 'push-payload', 0.9],
      ['u4', 'push-head', 1],
      ['u3', 'push-range', 1],
    ])
    // And the episode page says which push brought each commit of a range.
    await addRun(repo, { commit: 'u2', conclusion: 'success' })
    await addRun(repo, { commit: 'u4', conclusion: 'failure' })
    await settleLinker()
    const [episode] = await episodesOf(repo)
    expect((await listEpisodeRange(episode.id)).map((commit) => [label(commit.sha), commit.pushedIn])).toEqual([
      ['u4', 'ada pushed 2 commits to main'],
      ['u3', 'ada pushed 2 commits to main'],
    ])
  })
})
