// Property: on random histories with merges, built with real git, every episode's range is exactly
// what `git rev-list GREEN..RED` prints, and the episodes are the same whatever order commits and
// runs arrive in (checked against an independent model and against a full recompute).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { upsertCommits, type CommitInput } from '../connectors/timeline.server'
import { addRun, createRepository, episodesOf, rangeOf, settleLinker } from '../../tests/helpers/linker'
import { getLinker } from './worker.server'

const BASE_TIME = 1_700_000_000

interface History {
  /** parents[i]: indices below i; an empty list after commit 0 is an unrelated root (a force-push's new history). */
  parents: number[][]
  /**
   * Commit time offsets in minutes, often equal so that ties in generation and time happen. Never
   * before a parent's unless `skewed`: git's own A..B walk goes by commit date and can miss commits
   * under clock skew (the linker, by generation numbers, does not), so skewed histories are checked
   * against the definition only.
   */
  minutes: number[]
  skewed: boolean
}

const history: fc.Arbitrary<History> = fc.integer({ min: 2, max: 40 }).chain((size) =>
  fc
    .tuple(
      fc.array(
        fc.record({
          firstBack: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 8 }) }),
          merge: fc.option(fc.integer({ min: 1, max: 12 }), { freq: 4 }),
          root: fc.integer({ min: 0, max: 29 }),
        }),
        { minLength: size - 1, maxLength: size - 1 },
      ),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: size, maxLength: size }),
      fc.boolean(),
    )
    .map(([shapes, steps, skewed]) => {
      const parents: number[][] = [[]]
      shapes.forEach((shape, offset) => {
        const index = offset + 1
        if (shape.root === 0) return parents.push([])
        const first = Math.max(0, index - shape.firstBack)
        const list = [first]
        if (shape.merge !== null) {
          const second = Math.max(0, index - shape.merge)
          if (second !== first) list.push(second)
        }
        parents.push(list)
      })
      const minutes: number[] = []
      parents.forEach((list, index) => {
        minutes[index] = skewed ? (steps[index] * 7 + index * 3) % 5 : Math.max(0, ...list.map((parent) => minutes[parent])) + steps[index]
      })
      return { parents, minutes, skewed }
    }),
)

interface RunPlan {
  commit: number
  conclusion: 'success' | 'failure' | 'cancelled'
  /** Re-run the previous run of the same commit (same external id, next attempt). */
  rerun: boolean
}

const runs = (size: number) =>
  fc.array(
    fc.record({
      commit: fc.integer({ min: 0, max: size - 1 }),
      conclusion: fc.constantFrom<RunPlan['conclusion']>('success', 'success', 'failure', 'failure', 'cancelled'),
      rerun: fc.boolean(),
    }),
    { minLength: 1, maxLength: 20 },
  )

interface Arrival {
  kind: 'commits' | 'run'
  index: number
  key: number
  settle: boolean
}

const scenario = history.chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    runs: runs(shape.parents.length),
    batches: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: shape.parents.length, maxLength: shape.parents.length }),
    keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 24, maxLength: 24 }),
    settles: fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
  }),
)

let root = ''
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'inquest-range-'))
  getLinker().reset()
  await settleLinker()
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Writes the history with git fast-import and returns each commit's sha. */
function buildWithGit(dir: string, shape: History): string[] {
  execFileSync('git', ['init', '-q', dir])
  const lines: string[] = []
  shape.parents.forEach((parents, index) => {
    const message = `c${index}\n`
    // One ref per commit, so that a commit without parents is a new root rather than the branch's next commit.
    lines.push(`commit refs/heads/c${index}`, `mark :${index + 1}`, `committer Test <test@example.com> ${BASE_TIME + shape.minutes[index] * 60} +0000`)
    lines.push(`data ${Buffer.byteLength(message)}`, message.trimEnd())
    if (parents.length) lines.push(`from :${parents[0] + 1}`)
    for (const parent of parents.slice(1)) lines.push(`merge :${parent + 1}`)
    lines.push('')
  })
  const marks = path.join(dir, 'marks')
  execFileSync('git', ['fast-import', '--quiet', `--export-marks=${marks}`], { cwd: dir, input: `${lines.join('\n')}\n` })
  const shas: string[] = []
  for (const line of readFileSync(marks, 'utf8').trim().split('\n')) {
    const [mark, sha] = line.split(' ')
    shas[Number(mark.slice(1)) - 1] = sha
  }
  return shas
}

function ancestors(parents: number[][], start: number): Set<number> {
  const seen = new Set<number>([start])
  const stack = [start]
  while (stack.length) {
    for (const parent of parents[stack.pop()!]) {
      if (seen.has(parent)) continue
      seen.add(parent)
      stack.push(parent)
    }
  }
  return seen
}

const revList = (dir: string, green: string | null, red: string) =>
  execFileSync('git', ['rev-list', green ? `${green}..${red}` : red], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean)

/** The episodes an independent, in-order reading of the same data gives: [last green, first red, closing]. */
function referenceEpisodes(shape: History, shas: string[], plans: RunPlan[]) {
  const generation: number[] = []
  shape.parents.forEach((parents, index) => {
    generation[index] = 1 + Math.max(0, ...parents.map((parent) => generation[parent]))
  })
  const verdict = new Map<number, 'green' | 'red'>()
  plans.forEach((plan) => {
    // Later runs have later times: the last decisive run of a commit decides.
    if (plan.conclusion !== 'cancelled') verdict.set(plan.commit, plan.conclusion === 'success' ? 'green' : 'red')
  })
  const order = [...verdict.keys()].sort(
    (a, b) => generation[a] - generation[b] || shape.minutes[a] - shape.minutes[b] || (shas[a] < shas[b] ? -1 : 1),
  )
  const episodes: Array<[string | null, string, string | null]> = []
  let lastGreen: number | null = null
  let open: [string | null, string, string | null] | null = null
  for (const index of order) {
    if (verdict.get(index) === 'green') {
      if (open) {
        open[2] = shas[index]
        episodes.push(open)
        open = null
      }
      lastGreen = index
    } else if (!open) open = [lastGreen === null ? null : shas[lastGreen], shas[index], null]
  }
  if (open) episodes.push(open)
  return episodes
}

function commitInputs(shape: History, shas: string[], indices: number[]): CommitInput[] {
  return indices.map((index) => ({
    sha: shas[index],
    parents: shape.parents[index].map((parent) => shas[parent]),
    authorName: 'Test',
    authorEmail: 'test@example.com',
    authoredAt: (BASE_TIME + shape.minutes[index] * 60) * 1000,
    committerName: 'Test',
    committerEmail: 'test@example.com',
    committedAt: (BASE_TIME + shape.minutes[index] * 60) * 1000,
    subject: `c${index}`,
    body: '',
    files: [],
  }))
}

async function snapshot(repositoryId: string) {
  const rows = await episodesOf(repositoryId)
  const out = []
  for (const row of rows) out.push({ lastGreen: row.lastGreenSha, firstRed: row.firstRedSha, closing: row.closingSha, status: row.status, range: (await rangeOf(row.id)).sort() })
  return out.sort((a, b) => (a.firstRed < b.firstRed ? -1 : 1))
}

it('ranges equal git rev-list GREEN..RED, whatever order commits and runs arrive in', { timeout: 240_000 }, async () => {
  let cases = 0
  await fc.assert(
    fc.asyncProperty(scenario, async ({ shape, runs: plans, batches, keys, settles }) => {
      const dir = path.join(root, `case-${++cases}`)
      const shas = buildWithGit(dir, shape)
      const repositoryId = await createRepository()

      // Commits arrive in up to four pushes (any order, a child before its parent); runs in between.
      const arrivals: Arrival[] = []
      for (let batch = 0; batch < 4; batch++) arrivals.push({ kind: 'commits', index: batch, key: keys[batch], settle: settles[batch] })
      plans.forEach((_, index) => arrivals.push({ kind: 'run', index, key: keys[4 + index], settle: settles[4 + index] }))
      arrivals.sort((a, b) => a.key - b.key)
      const externalIds = new Map<number, { id: string; attempt: number }>()
      const runIdentity = plans.map((plan, index) => {
        const previous = externalIds.get(plan.commit)
        const identity = plan.rerun && previous ? { id: previous.id, attempt: previous.attempt + 1 } : { id: `case${cases}-run${index}`, attempt: 1 }
        externalIds.set(plan.commit, identity)
        return identity
      })
      for (const arrival of arrivals) {
        if (arrival.kind === 'commits') {
          const indices = shape.parents.map((_, index) => index).filter((index) => batches[index] === arrival.index)
          if (indices.length) await getDb().transaction((tx) => upsertCommits(tx, repositoryId, commitInputs(shape, shas, indices.reverse())))
        } else {
          const plan = plans[arrival.index]
          await addRun(repositoryId, {
            commit: '',
            headSha: shas[plan.commit],
            conclusion: plan.conclusion,
            externalId: runIdentity[arrival.index].id,
            attempt: runIdentity[arrival.index].attempt,
            at: 1_800_000_000_000 + arrival.index * 1000,
          })
        }
        if (arrival.settle) await settleLinker()
      }
      await settleLinker()

      const incremental = await snapshot(repositoryId)
      const expected = referenceEpisodes(shape, shas, plans)
      expect(incremental.map((episode) => [episode.lastGreen, episode.firstRed, episode.closing]).sort((a, b) => (a[1]! < b[1]! ? -1 : 1))).toEqual(
        expected.sort((a, b) => (a[1] < b[1] ? -1 : 1)),
      )
      // Every commit has arrived: no range may still be waiting for history.
      expect((await episodesOf(repositoryId)).filter((row) => row.rangeIncomplete)).toEqual([])
      for (const episode of incremental) {
        const red = shas.indexOf(episode.firstRed)
        const green = episode.lastGreen === null ? null : shas.indexOf(episode.lastGreen)
        const fromGreen = green === null ? new Set<number>() : ancestors(shape.parents, green)
        const defined = [...ancestors(shape.parents, red)].filter((index) => !fromGreen.has(index)).map((index) => shas[index])
        expect(episode.range).toEqual(defined.sort())
        if (!shape.skewed) expect(episode.range).toEqual(revList(dir, episode.lastGreen, episode.firstRed).sort())
      }

      await getLinker().recomputeRepository(repositoryId)
      expect(await snapshot(repositoryId)).toEqual(incremental)
    }),
    { numRuns: Number(process.env.LINKER_PROPERTY_RUNS ?? 30) },
  )
})
