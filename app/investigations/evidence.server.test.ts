import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { getLinker } from '../linker/worker.server'
import { userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, chain, createRepository, episodesOf, settleLinker, sha } from '../../tests/helpers/linker'
import {
  addEvidence,
  decideInvestigationSuspect,
  listEvidence,
  listInvestigationSuspects,
  removeEvidence,
} from './evidence.server'
import { createInvestigation } from './investigations.server'

type User = Awaited<ReturnType<typeof userWithRole>>
let engineer: User
let repositoryId = ''
let episodeId = 0
let otherEpisodeId = 0

beforeAll(async () => {
  getLinker().reset()
  engineer = await userWithRole('engineer')
  repositoryId = await createRepository()
  await addCommits(repositoryId, chain('v', 4))
  await addRun(repositoryId, { commit: 'v1', conclusion: 'success' })
  await addRun(repositoryId, { commit: 'v3', conclusion: 'failure' })
  const other = await createRepository()
  await addCommits(other, chain('w', 3))
  await addRun(other, { commit: 'w1', conclusion: 'success' })
  await addRun(other, { commit: 'w3', conclusion: 'failure' })
  await settleLinker()
  episodeId = (await episodesOf(repositoryId))[0].id
  otherEpisodeId = (await episodesOf(other))[0].id
})

const newInvestigation = () =>
  createInvestigation(
    { title: 'CI red on main', kind: 'failing_build', severity: 'sev2', repositoryId, branch: 'main', episodeId },
    engineer.id,
  )
const activities = (id: number) =>
  getDb().all<{ kind: string; data: string }>(
    sql`select kind, data from activity where investigation_id = ${id} and kind != 'created' order by id`,
  )

describe('evidence', () => {
  it('adds a deploy and a link with an activity each, refuses duplicates and non-web addresses, and removes one', async () => {
    const id = await newInvestigation()
    const deploy = await addEvidence(
      id,
      { kind: 'deploy', ref: 'https://deploys.example.com/812', label: 'api v812', occurredAt: 1_700_000_500_000 },
      engineer.id,
    )
    expect(deploy.ok).toBe(true)
    expect(
      await addEvidence(id, { kind: 'link', ref: 'https://wiki.example.com/runbook', label: 'Runbook' }, engineer.id),
    ).toMatchObject({ ok: true })
    expect(
      await addEvidence(id, { kind: 'deploy', ref: 'https://deploys.example.com/812', label: 'again' }, engineer.id),
    ).toMatchObject({ ok: false, reason: 'duplicate' })
    expect(await addEvidence(id, { kind: 'link', ref: 'javascript:alert(1)', label: 'x' }, engineer.id)).toMatchObject({
      ok: false,
      reason: 'unsafe_url',
    })

    const listed = await listEvidence(id)
    expect(listed.map((item) => [item.kind, item.label, item.url, item.addedByName])).toEqual([
      ['deploy', 'api v812', 'https://deploys.example.com/812', engineer.name],
      ['link', 'Runbook', 'https://wiki.example.com/runbook', engineer.name],
    ])

    expect(await removeEvidence(id, listed[1].id, engineer.id)).toEqual({ ok: true })
    expect(await removeEvidence(id, listed[1].id, engineer.id)).toMatchObject({ ok: false, reason: 'not_found' })
    expect((await listEvidence(id)).map((item) => item.label)).toEqual(['api v812'])
    expect((await activities(id)).map((row) => [row.kind, JSON.parse(row.data)])).toEqual([
      ['evidence_added', { kind: 'deploy', ref: 'https://deploys.example.com/812', label: 'api v812' }],
      ['evidence_added', { kind: 'link', ref: 'https://wiki.example.com/runbook', label: 'Runbook' }],
      ['evidence_removed', { kind: 'link', ref: 'https://wiki.example.com/runbook', label: 'Runbook' }],
    ])
  })

  it('never removes evidence of another investigation', async () => {
    const one = await newInvestigation()
    const two = await newInvestigation()
    const added = await addEvidence(one, { kind: 'link', ref: 'https://example.com/a', label: 'A' }, engineer.id)
    expect(added.ok && (await removeEvidence(two, added.evidenceId, engineer.id))).toMatchObject({
      ok: false,
      reason: 'not_found',
    })
    expect(await listEvidence(one)).toHaveLength(1)
  })
})

describe('suspects', () => {
  it('lists the episode’s suspects with their reasons', async () => {
    const id = await newInvestigation()
    const [episode] = await listInvestigationSuspects(id)
    expect(episode.episodeId).toBe(episodeId)
    expect(episode.suspects.map((suspect) => suspect.sha).sort()).toEqual([sha('v2'), sha('v3')].sort())
    expect(episode.suspects[0].reasons.length).toBeGreaterThan(0)
  })

  it('accepts and rejects a suspect with its audit row and the investigation’s activity, once each', async () => {
    const id = await newInvestigation()
    expect(
      await decideInvestigationSuspect(
        id,
        { episodeId, sha: sha('v3'), decision: 'accepted' },
        { userId: engineer.id },
      ),
    ).toEqual({ ok: true, changed: true })
    expect(
      await decideInvestigationSuspect(
        id,
        { episodeId, sha: sha('v3').slice(0, 8), decision: 'accepted' },
        { userId: engineer.id },
      ),
    ).toEqual({ ok: true, changed: false })
    expect(
      await decideInvestigationSuspect(
        id,
        { episodeId, sha: sha('v2'), decision: 'rejected' },
        { userId: engineer.id },
      ),
    ).toEqual({ ok: true, changed: true })

    const suspects = (await listInvestigationSuspects(id))[0].suspects
    expect(suspects.find((suspect) => suspect.sha === sha('v3'))?.status).toBe('accepted')
    expect(suspects.find((suspect) => suspect.sha === sha('v2'))?.status).toBe('rejected')
    expect((await activities(id)).map((row) => [row.kind, JSON.parse(row.data)])).toEqual([
      ['suspect_accepted', { episodeId, sha: sha('v3'), label: 'commit v3' }],
      ['suspect_rejected', { episodeId, sha: sha('v2'), label: 'commit v2' }],
    ])
    const audit = await getDb().all<{ action: string }>(
      sql`select action from audit_log where target_type = 'episode' and target_id = ${String(episodeId)} order by id`,
    )
    expect(audit.map((row) => row.action)).toEqual(['suspect.accept', 'suspect.reject'])
  })

  it('refuses an episode the investigation does not look at, and a commit that is no suspect', async () => {
    const id = await newInvestigation()
    expect(
      await decideInvestigationSuspect(
        id,
        { episodeId: otherEpisodeId, sha: sha('w3'), decision: 'accepted' },
        { userId: engineer.id },
      ),
    ).toMatchObject({
      ok: false,
      reason: 'not_linked',
    })
    expect(
      await decideInvestigationSuspect(
        id,
        { episodeId, sha: sha('w3'), decision: 'accepted' },
        { userId: engineer.id },
      ),
    ).toMatchObject({
      ok: false,
      reason: 'not_a_suspect',
    })
    // Attaching a suspect of the other episode brings that episode in.
    await addEvidence(id, { kind: 'suspect', ref: `${otherEpisodeId}:${sha('w3')}`, label: 'commit w3' }, engineer.id)
    expect(
      await decideInvestigationSuspect(
        id,
        { episodeId: otherEpisodeId, sha: sha('w3'), decision: 'rejected' },
        { userId: engineer.id },
      ),
    ).toEqual({
      ok: true,
      changed: true,
    })
    expect((await listInvestigationSuspects(id)).map((episode) => episode.episodeId).sort()).toEqual(
      [episodeId, otherEpisodeId].sort(),
    )
  })
})
