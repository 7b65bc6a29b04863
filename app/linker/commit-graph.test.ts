import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CommitGraph } from './commit-graph'
import { storeFromText } from './commit-graph-store'

const label = (index: number) => `c${String(index).padStart(3, '0')}`

/** Random DAGs: parents always have a smaller index; some commits are new roots. */
const dag = fc.integer({ min: 1, max: 40 }).chain((size) =>
  fc.tuple(
    fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.option(fc.integer({ min: 1, max: 15 }), { freq: 3 }), fc.integer({ min: 0, max: 19 })), {
      minLength: size,
      maxLength: size,
    }),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: size, maxLength: size }),
  ).map(([shapes, order]) => {
    const parents = shapes.map(([back, merge, root], index) => {
      if (index === 0 || root === 0) return []
      const list = [Math.max(0, index - back)]
      if (merge !== null && Math.max(0, index - merge) !== list[0]) list.push(Math.max(0, index - merge))
      return list
    })
    // Arrival order: any permutation, children before parents included.
    const arrival = parents.map((_, index) => index).sort((a, b) => order[a] - order[b])
    return { parents, arrival }
  }),
)

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

function build(parents: number[][], indices: number[]) {
  const graph = new CommitGraph()
  for (const index of indices) graph.addCommit(label(index), parents[index].map(label), 1000 + index)
  graph.ensureGenerations()
  return graph
}

describe('CommitGraph', () => {
  it('numbers generations like git (root 1, else 1 + max of parents), whatever order commits arrive in', () => {
    fc.assert(
      fc.property(dag, ({ parents, arrival }) => {
        const graph = new CommitGraph()
        // In two steps, so that the second step must repair numbers computed before.
        const half = Math.ceil(arrival.length / 2)
        for (const index of arrival.slice(0, half)) graph.addCommit(label(index), parents[index].map(label), 1000)
        graph.ensureGenerations()
        for (const index of arrival.slice(half)) graph.addCommit(label(index), parents[index].map(label), 1000)
        graph.ensureGenerations()
        const expected: number[] = []
        parents.forEach((list, index) => (expected[index] = 1 + Math.max(0, ...list.map((parent) => expected[parent]))))
        for (let index = 0; index < parents.length; index++) {
          const id = graph.idOf(label(index))!
          expect(graph.generation[id]).toBe(expected[index])
          expect(graph.partial[id]).toBe(0)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('computes GREEN..RED as the set difference of ancestors (and no green: all ancestors)', () => {
    fc.assert(
      fc.property(dag, fc.integer({ min: 0, max: 39 }), fc.integer({ min: -1, max: 39 }), ({ parents }, redPick, greenPick) => {
        const graph = build(
          parents,
          parents.map((_, index) => index),
        )
        const red = redPick % parents.length
        const green = greenPick < 0 ? null : greenPick % parents.length
        const expected = [...ancestors(parents, red)].filter((index) => green === null || !ancestors(parents, green).has(index))
        const range = graph.range(green === null ? null : graph.idOf(label(green))!, graph.idOf(label(red))!)
        expect(range.ids.map((id) => graph.shas[id]).sort()).toEqual(expected.map(label).sort())
        expect(range.incomplete).toBe(false)
        // Newest first, in commit order.
        for (let i = 1; i < range.ids.length; i++) expect(graph.compare(range.ids[i - 1], range.ids[i])).toBeGreaterThan(0)
      }),
      { numRuns: 500 },
    )
  })

  it('marks a range incomplete while either end has a commit below it that was never seen', () => {
    fc.assert(
      fc.property(dag, fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 39 }), ({ parents }, missingPick, redPick, greenPick) => {
        const missing = missingPick % parents.length
        const graph = build(
          parents,
          parents.map((_, index) => index).filter((index) => index !== missing),
        )
        const red = redPick % parents.length
        const green = greenPick % parents.length
        if (red === missing || green === missing) return
        const range = graph.range(graph.idOf(label(green))!, graph.idOf(label(red))!)
        const below = ancestors(parents, red).has(missing) || ancestors(parents, green).has(missing)
        expect(range.incomplete).toBe(below)
        if (!below) {
          const expected = [...ancestors(parents, red)].filter((index) => !ancestors(parents, green).has(index))
          expect(range.ids.map((id) => graph.shas[id]).sort()).toEqual(expected.map(label).sort())
        }
        // Once the missing commit arrives, the range is exact again.
        graph.addCommit(label(missing), parents[missing].map(label), 1000 + missing)
        expect(graph.takeHolesFilled()).toBe(graph.childrenOf(graph.idOf(label(missing))!).length > 0 ? 1 : 0)
        graph.ensureGenerations()
        const exact = graph.range(graph.idOf(label(green))!, graph.idOf(label(red))!)
        const expected = [...ancestors(parents, red)].filter((index) => !ancestors(parents, green).has(index))
        expect(exact.incomplete).toBe(false)
        expect(exact.ids.map((id) => graph.shas[id]).sort()).toEqual(expected.map(label).sort())
      }),
      { numRuns: 500 },
    )
  })

  it('keeps the newest commits of a long range and says it truncated', () => {
    const parents = Array.from({ length: 30 }, (_, index) => (index === 0 ? [] : [index - 1]))
    const graph = build(
      parents,
      parents.map((_, index) => index),
    )
    const range = graph.range(graph.idOf(label(4))!, graph.idOf(label(29))!, 10)
    expect(range.truncated).toBe(true)
    expect(range.ids.map((id) => graph.shas[id])).toEqual(Array.from({ length: 10 }, (_, i) => label(29 - i)))
  })

  it('finds the newest ancestor a predicate accepts, within a limit', () => {
    const parents = [[], [0], [1], [2], [1], [4], [5, 3]]
    const graph = build(
      parents,
      parents.map((_, index) => index),
    )
    const greens = new Set([0, 2].map((index) => graph.idOf(label(index))!))
    expect(graph.shas[graph.newestAncestorWhere(graph.idOf(label(6))!, (id) => greens.has(id), 100)!]).toBe(label(2))
    expect(graph.newestAncestorWhere(graph.idOf(label(5))!, (id) => id === graph.idOf(label(2)), 100)).toBeNull()
    expect(graph.newestAncestorWhere(graph.idOf(label(6))!, (id) => greens.has(id), 2)).toBeNull()
  })

  it('builds the same graph from the database\'s text as from rows, ignoring edges of commits it was not given', () => {
    fc.assert(
      fc.property(dag, ({ parents, arrival }) => {
        const rows = arrival.map((index) => [label(index), 1000 + index, parents[index].map(label)] as const)
        const commits = rows.map(([sha, at]) => `${sha} ${at}`).join('\n')
        const edges = [...rows.flatMap(([sha, , list]) => list.map((parent) => `${sha} ${parent}`)), 'zzz-not-a-commit c000'].join('\n')
        const fromText = CommitGraph.fromText(commits, edges)
        const built = CommitGraph.build(rows)
        expect(fromText.size).toBe(built.size)
        for (const [sha] of rows) {
          const a = fromText.idOf(sha)!
          const b = built.idOf(sha)!
          expect(fromText.parentsOf(a).map((id) => fromText.shas[id])).toEqual(built.parentsOf(b).map((id) => built.shas[id]))
          expect(fromText.generation[a]).toBe(built.generation[b])
          expect(fromText.committedAt[a]).toBe(built.committedAt[b])
          expect(fromText.partial[a]).toBe(built.partial[b])
        }
        expect(fromText.has('zzz-not-a-commit')).toBe(false)
      }),
    )
  })

  it('finds the commits of a graph built elsewhere by sha, and takes new ones on top', () => {
    const { store, shas } = storeFromText('a 1\nb 2\nc 3', 'b a\nc b')
    const graph = CommitGraph.fromStore(store, shas.join('\n'))
    expect(graph.shas[graph.idOf('c')!]).toBe('c')
    graph.addCommit('d', ['c', 'a'], 4)
    graph.ensureGenerations()
    expect(graph.parentsOf(graph.idOf('d')!).map((id) => graph.shas[id])).toEqual(['c', 'a'])
    expect(graph.generation[graph.idOf('d')!]).toBe(4)
    expect(graph.has('a') && graph.has('d') && !graph.has('e')).toBe(true)
  })
})
