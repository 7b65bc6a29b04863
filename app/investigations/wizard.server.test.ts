import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { getLinker } from '../linker/worker.server'
import { userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, addTestResults, chain, createRepository, episodesOf, settleLinker, sha } from '../../tests/helpers/linker'
import { createDraft, getDraft } from './drafts.server'
import { getInvestigation } from './investigations.server'
import {
  allCandidates,
  buildInvestigation,
  createFromDraft,
  listEvidenceCandidates,
  prefillFromEpisode,
  prefillFromScope,
  resolveEvidence,
  submitWizardStep,
} from './wizard.server'
import { toDateTimeInput } from './wizard-schema'

const GREEN_AT = Date.UTC(2026, 10, 23, 18, 9)
const RED_AT = Date.UTC(2026, 10, 24, 3, 9)

let repositoryId = ''
let episodeId = 0
let redRunId = 0
let greenRunId = 0

beforeAll(async () => {
  getLinker().reset()
  repositoryId = await createRepository()
  await addCommits(repositoryId, chain('w', 4))
  greenRunId = await addRun(repositoryId, { commit: 'w1', conclusion: 'success', at: GREEN_AT })
  redRunId = await addRun(repositoryId, { commit: 'w3', conclusion: 'failure', at: RED_AT })
  await addTestResults(redRunId, [
    { classname: 'cart', name: 'total', status: 'failed', file: 'tests/cart.test.ts', message: 'expected 3 but got 2.97' },
    { classname: 'checkout', name: 'amount', status: 'passed' },
  ])
  // A test that passed and failed on one commit (two attempts of another workflow): flaky.
  const first = await addRun(repositoryId, { commit: 'w1', conclusion: 'success', name: 'Nightly', attempt: 1, externalId: 'n-1', at: GREEN_AT - 60_000 })
  const second = await addRun(repositoryId, { commit: 'w1', conclusion: 'success', name: 'Nightly', attempt: 2, externalId: 'n-1', at: GREEN_AT - 30_000 })
  await addTestResults(first, [{ classname: 'retry', name: 'sometimes', status: 'failed' }])
  await addTestResults(second, [{ classname: 'retry', name: 'sometimes', status: 'passed' }])
  await settleLinker()
  episodeId = (await episodesOf(repositoryId)).find((episode) => episode.name === 'CI')!.id
})

describe('prefill from the linker', () => {
  it('fills where and when from a red episode, with a suggested title', async () => {
    const prefill = await prefillFromEpisode(episodeId)
    expect(prefill).toMatchObject({
      where: { repositoryId, branch: 'main', workflow: 'CI', environment: '' },
      when: { firstSeen: toDateTimeInput(RED_AT), lastKnownGood: toDateTimeInput(GREEN_AT) },
      linker: { episodeId, firstRedRunId: redRunId, lastGreenRunId: greenRunId },
      suggestedTitle: `CI is red on main in ${repositoryId}`,
    })
    expect(await prefillFromEpisode(999_999)).toBeNull()
  })

  it('finds the red workflow of a branch when none is named', async () => {
    const prefill = await prefillFromScope({ repositoryId, branch: 'main', workflow: null })
    expect(prefill).toMatchObject({ where: { workflow: 'CI' }, linker: { episodeId, firstRedRunId: redRunId } })
    expect(await prefillFromScope({ repositoryId: 'no-such-repository', branch: 'main' })).toBeNull()
    const green = await prefillFromScope({ repositoryId, branch: 'main', workflow: 'Nightly' })
    expect(green).toMatchObject({ linker: { episodeId: null, firstRedRunId: null }, when: { firstSeen: '' }, suggestedTitle: null })
  })
})

describe('evidence candidates', () => {
  it('offers the episode, its red runs, ranked suspects with reasons, edge commits, failing and flaky tests', async () => {
    const prefill = (await prefillFromEpisode(episodeId))!
    const candidates = await listEvidenceCandidates({ where: prefill.where, linker: prefill.linker })
    expect(candidates.episode?.key).toBe(`episode:${episodeId}`)
    expect(candidates.runs.map((run) => run.key)).toEqual([`ci_run:${redRunId}`])
    expect(candidates.runs[0].firstRed).toBe(true)
    expect(candidates.suspects.map((suspect) => suspect.sha).sort()).toEqual([sha('w2'), sha('w3')].sort())
    expect(candidates.suspects.map((suspect) => suspect.rank)).toEqual([1, 2])
    expect(candidates.suspects[0].key).toBe(`suspect:${episodeId}:${candidates.suspects[0].sha}`)
    expect(candidates.suspects[0].reasons.length).toBeGreaterThan(0)
    expect(candidates.commits.map((commit) => [commit.role, commit.sha])).toEqual(
      expect.arrayContaining([
        ['last_green', sha('w1')],
        ['first_red', sha('w3')],
      ]),
    )
    // A commit's label is its subject (pages show the sha beside it); its role goes into the note.
    expect(candidates.commits.find((commit) => commit.role === 'last_green')).toMatchObject({ label: 'commit w1', note: 'The last green commit of CI on main' })
    expect(candidates.tests.map((test) => [test.key, test.label])).toEqual([['test:cart\ttotal', 'cart › total']])
    expect(candidates.flaky.map((test) => test.label)).toEqual(['Flaky: retry › sometimes'])
  })

  it('offers nothing but links without a repository, and turns picks into evidence rows', async () => {
    const none = await listEvidenceCandidates({ where: { repositoryId: '' } })
    expect(allCandidates(none)).toEqual([])
    const prefill = (await prefillFromEpisode(episodeId))!
    const candidates = await listEvidenceCandidates({ where: prefill.where, linker: prefill.linker })
    const suspect = candidates.suspects[0]
    const resolved = resolveEvidence(candidates, {
      picked: [suspect.key, `ci_run:${redRunId}`, 'test:cart\ttotal', 'ci_run:424242', `commit:${sha('w3')}`],
      links: [{ url: 'https://status.example.com/1', title: 'Status page' }, { url: 'https://logs.example.com/x' }, {}],
    })
    expect(resolved.missing).toEqual(['ci_run:424242'])
    expect(resolved.evidence.map((item) => [item.kind, item.ref])).toEqual([
      ['suspect', `${episodeId}:${suspect.sha}`],
      ['ci_run', String(redRunId)],
      ['test', 'cart\ttotal'],
      ['commit', sha('w3')],
      ['link', 'https://status.example.com/1'],
      ['link', 'https://logs.example.com/x'],
    ])
    expect(resolved.evidence[3]).toMatchObject({ label: 'commit w3', note: 'The first red commit of CI on main', occurredAt: expect.any(Number) })
    expect(resolved.evidence[5].label).toBe('https://logs.example.com/x')
  })
})

const post = (entries: Record<string, string | string[]>) => {
  const form = new FormData()
  for (const [name, value] of Object.entries(entries)) for (const item of [value].flat()) form.append(name, item)
  return form
}

describe('saving steps and creating', () => {
  it('refills the times and sends the person through steps 3 and 4 again when the scope changes', async () => {
    const engineer = await userWithRole('engineer')
    const prefill = (await prefillFromEpisode(episodeId))!
    const id = await createDraft(engineer.id, { what: { title: 'Red', kind: 'failing_build', severity: 'sev2' }, where: prefill.where, when: prefill.when, linker: prefill.linker }, 4)
    const draft = (await getDraft(id, engineer.id))!
    const reply = await submitWizardStep(draft, 2, post({ intent: 'next', repositoryId, branch: 'main', workflow: 'Nightly' }), engineer.id)
    expect(reply).toEqual({ redirectTo: `/investigations/new/${id}/3` })
    const saved = (await getDraft(id, engineer.id))!
    expect(saved.step).toBe(2)
    expect(saved.data.linker).toMatchObject({ episodeId: null, firstRedRunId: null })
    // No red run for Nightly: the first seen time stays as it was; the last green is the newest green.
    expect(saved.data.when).toMatchObject({ firstSeen: prefill.when.firstSeen, lastKnownGood: toDateTimeInput(GREEN_AT - 30_000) })
  })

  it('creates the investigation with the evidence, episode and runs, and removes the draft', async () => {
    const engineer = await userWithRole('engineer')
    const admin = await userWithRole('admin')
    const viewer = await userWithRole('viewer')
    const prefill = (await prefillFromEpisode(episodeId))!
    const candidates = await listEvidenceCandidates({ where: prefill.where, linker: prefill.linker })
    const id = await createDraft(
      engineer.id,
      {
        what: { title: 'Cart total is off', description: 'Rounding?', kind: 'regression', severity: 'sev2' },
        where: prefill.where,
        when: prefill.when,
        linker: prefill.linker,
        evidence: { picked: [candidates.suspects[0].key, `episode:${episodeId}`], links: [{ url: 'https://status.example.com/1', title: 'Status page' }] },
        review: { ownerId: admin.id, watcherIds: [viewer.id] },
      },
      5,
    )
    const draft = (await getDraft(id, engineer.id))!
    const created = await createFromDraft(draft, engineer.id)
    expect(created.ok).toBe(true)
    const investigationId = created.ok ? created.id : 0
    const view = await getInvestigation(investigationId)
    expect(view).toMatchObject({
      title: 'Cart total is off',
      kind: 'regression',
      severity: 'sev2',
      repositoryId,
      branch: 'main',
      workflow: 'CI',
      episodeId,
      firstRedRunId: redRunId,
      lastGreenRunId: greenRunId,
      firstSeenAt: RED_AT,
      lastKnownGoodAt: GREEN_AT,
      ownerId: admin.id,
    })
    expect(view!.watchers.map((watcher) => watcher.id).sort()).toEqual([admin.id, engineer.id, viewer.id].sort())
    const evidence = await getDb().all<{ kind: string; ref: string; label: string }>(
      sql`select kind, ref, label from investigation_evidence where investigation_id = ${investigationId} order by id`,
    )
    expect(evidence.map((row) => row.kind)).toEqual(['suspect', 'episode', 'link'])
    expect(evidence[0].ref).toBe(`${episodeId}:${candidates.suspects[0].sha}`)
    expect(evidence[2]).toMatchObject({ ref: 'https://status.example.com/1', label: 'Status page' })
    expect(await getDraft(id, engineer.id)).toBeNull()
    // A second click on Create finds no draft: one investigation, not two.
    expect(await createFromDraft(draft, engineer.id)).toEqual({ ok: false, message: 'This draft was already used to create an investigation.' })
    const [{ n }] = await getDb().all<{ n: number }>(sql`select count(*) as n from investigations where title = 'Cart total is off'`)
    expect(n).toBe(1)
  })

  it('refuses to build from a draft whose steps are not all valid, naming the step', async () => {
    expect(await buildInvestigation({ what: { title: 'ok title', kind: 'incident', severity: 'sev4' }, when: { firstSeen: 'soon' } })).toEqual({
      ok: false,
      step: 3,
      message: 'Step 3 (When) needs another look before the investigation can be created.',
    })
    expect(await buildInvestigation({ what: { title: '' } })).toMatchObject({ ok: false, step: 1 })
    const viewer = await userWithRole('viewer')
    expect(await buildInvestigation({ what: { title: 'ok title', kind: 'incident', severity: 'sev4' }, review: { ownerId: viewer.id } })).toMatchObject({ ok: false, step: 5 })
  })
})
