import { beforeAll, describe, expect, it } from 'vitest'
import { userWithRole } from '../../tests/helpers/auth'
import { setWatching, updateInvestigation } from './changes.server'
import { addEvidence } from './evidence.server'
import { createInvestigation } from './investigations.server'
import { addNote } from './notes.server'
import { describeActivity, getTimeline } from './timeline.server'

type User = Awaited<ReturnType<typeof userWithRole>>
let engineer: User
let admin: User
let id = 0
const T = 1_700_000_000_000

beforeAll(async () => {
  engineer = await userWithRole('engineer')
  admin = await userWithRole('admin')
  id = await createInvestigation(
    {
      title: 'Checkout 500s',
      kind: 'incident',
      severity: 'sev2',
      evidence: [{ kind: 'commit', ref: 'a'.repeat(40), label: 'Bump payment SDK', occurredAt: T - 60_000 }],
    },
    engineer.id,
    T,
  )
  await addEvidence(
    id,
    { kind: 'deploy', ref: 'https://deploys.example.com/9', label: 'checkout v9', occurredAt: T + 1_000 },
    engineer.id,
    T + 2_000,
  )
  await updateInvestigation(id, { status: 'investigating' }, admin.id, T + 3_000)
  await updateInvestigation(id, { ownerId: admin.id, severity: 'sev1' }, engineer.id, T + 4_000)
  await addNote(id, 'Rolled back **v9**; @admin can you confirm? <script>x</script>', engineer.id, T + 5_000)
  await setWatching(id, admin.id, false, admin.id, T + 6_000)
})

describe('getTimeline', () => {
  it('puts every activity and every dated piece of evidence in time order, worded for people', async () => {
    const { entries, truncated } = await getTimeline(id)
    expect(truncated).toBe(false)
    expect(entries.map((entry) => entry.text)).toEqual([
      'Commit: Bump payment SDK',
      `${engineer.name} opened this investigation`,
      'Deployed: checkout v9',
      `${engineer.name} attached a deploy`,
      `${admin.name} moved this to investigating`,
      `${engineer.name} changed the severity to SEV1`,
      `${engineer.name} made ${admin.name} the owner`,
      `${engineer.name} added a note`,
      `${admin.name} stopped watching`,
    ])
    const deploy = entries.find((entry) => entry.text === 'Deployed: checkout v9')
    expect(deploy).toMatchObject({ href: 'https://deploys.example.com/9', category: 'deploys' })
    const note = entries.find((entry) => entry.category === 'notes')!
    expect(note.html).toContain('<strong>v9</strong>')
    expect(note.html).toContain(`@${admin.name}</span>`)
    expect(note.html).not.toContain('<script>')
  })

  it('shows only the chosen kind', async () => {
    expect((await getTimeline(id, 'notes')).entries.map((entry) => entry.text)).toEqual([
      `${engineer.name} added a note`,
    ])
    expect((await getTimeline(id, 'deploys')).entries.map((entry) => entry.text)).toEqual(['Deployed: checkout v9'])
    expect((await getTimeline(id, 'commits')).entries.map((entry) => entry.detail)).toEqual(['a'.repeat(10)])
    expect((await getTimeline(id, 'changes')).entries.map((entry) => entry.category)).toEqual(Array(5).fill('changes'))
    expect((await getTimeline(id, 'tests')).entries).toEqual([])
  })
})

describe('describeActivity', () => {
  const names = new Map([
    ['u1', 'Ada'],
    ['u2', 'Eli'],
  ])
  const say = (
    kind: Parameters<typeof describeActivity>[0]['kind'],
    data: Record<string, unknown>,
    actorId: string | null = 'u1',
    actorName: string | null = 'Ada',
  ) => describeActivity({ kind, actorId, data }, actorName, names).text

  it('words each change the way a person would say it', () => {
    expect(say('status_changed', { from: 'investigating', to: 'identified' })).toBe('Ada moved this to identified')
    expect(say('owner_changed', { from: null, to: 'u1' })).toBe('Ada took ownership')
    expect(say('owner_changed', { from: 'u1', to: 'u2' })).toBe('Ada made Eli the owner')
    expect(say('owner_changed', { from: 'u2', to: null })).toBe('Ada removed Eli as the owner')
    expect(say('details_changed', { fields: ['title', 'branch', 'environment'] })).toBe(
      'Ada edited the title, the branch and the environment',
    )
    expect(say('watcher_added', { userId: 'u2' })).toBe('Ada added Eli to the watchers')
    expect(say('suspect_accepted', { sha: 'abcdef0123456789', label: 'x' })).toBe(
      'Ada accepted abcdef0123 as the cause',
    )
    expect(say('suspect_found', { sha: 'abcdef0123456789', label: 'x' }, null, null)).toBe(
      'The linker found a new suspect: abcdef0123',
    )
  })
})
