// A commit graph's numbers in flat typed arrays: per commit its flags, time and generation, and its
// parents and children as linked lists of edges in two shared arrays. No array or object per
// commit, so a 100,000-commit graph is a dozen allocations (not 200,000 small arrays for the
// garbage collector to trace), and a whole store built on the reader thread comes back by
// transfer, without a copy (see runs-and-graph.ts). CommitGraph (commit-graph.ts) keeps one up to
// date as commits arrive.
//
// Edge 0 is never used, so 0 is "no edge" and freshly grown arrays need no filling.

export interface GraphStore {
  /** Commits (and placeholders) so far; ids are 0..size-1. */
  size: number
  /** 1 for a commit the graph has seen itself, 0 for a parent only named. */
  known: Uint8Array
  /** Commit time (ms). */
  committedAt: Float64Array
  /** 1 + the largest generation among the parents; 0 for placeholders. */
  generation: Int32Array
  /** 1 when some ancestor (or the commit itself) was never seen. */
  partial: Uint8Array
  /** First and last edge of each commit's parent list (0: none), and of its child list. */
  parentHead: Int32Array
  parentTail: Int32Array
  childHead: Int32Array
  childTail: Int32Array
  /** Edges used so far, edge 0 included. */
  edges: number
  /** The parent (or child) an edge points to, and the next edge of the same list (0: end). */
  edgeTarget: Int32Array
  edgeNext: Int32Array
  /** Parent links in all: as many as the commit_parents rows that made the graph. */
  parentLinks: number
}

/** An empty store with room for `commits` commits and `links` parent links (it grows past them). */
export function createStore(commits = 1024, links = 1024): GraphStore {
  const nodes = Math.max(16, Math.ceil(commits))
  const edges = Math.max(16, Math.ceil(2 * links + 1))
  return {
    size: 0,
    known: new Uint8Array(nodes),
    committedAt: new Float64Array(nodes),
    generation: new Int32Array(nodes),
    partial: new Uint8Array(nodes),
    parentHead: new Int32Array(nodes),
    parentTail: new Int32Array(nodes),
    childHead: new Int32Array(nodes),
    childTail: new Int32Array(nodes),
    edges: 1,
    edgeTarget: new Int32Array(edges),
    edgeNext: new Int32Array(edges),
    parentLinks: 0,
  }
}

function grown<T extends Uint8Array | Int32Array | Float64Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length)
  bigger.set(array)
  return bigger
}

/** A new commit id: a placeholder (not known, partial) until the commit itself is added. */
export function addNode(store: GraphStore): number {
  const id = store.size
  if (id === store.known.length) {
    const length = id * 2
    store.known = grown(store.known, length)
    store.committedAt = grown(store.committedAt, length)
    store.generation = grown(store.generation, length)
    store.partial = grown(store.partial, length)
    store.parentHead = grown(store.parentHead, length)
    store.parentTail = grown(store.parentTail, length)
    store.childHead = grown(store.childHead, length)
    store.childTail = grown(store.childTail, length)
  }
  store.size = id + 1
  store.partial[id] = 1
  return id
}

function append(store: GraphStore, head: Int32Array, tail: Int32Array, from: number, to: number) {
  const edge = store.edges++
  store.edgeTarget[edge] = to
  store.edgeNext[edge] = 0
  if (head[from] === 0) head[from] = edge
  else store.edgeNext[tail[from]] = edge
  tail[from] = edge
}

/**
 * Makes `parent` the next parent of `child` (and `child` a child of `parent`). False, and nothing
 * changed, for a commit named as its own parent or a parent it already has.
 */
export function linkParent(store: GraphStore, child: number, parent: number): boolean {
  if (parent === child) return false
  for (let edge = store.parentHead[child]; edge !== 0; edge = store.edgeNext[edge])
    if (store.edgeTarget[edge] === parent) return false
  if (store.edges + 2 > store.edgeTarget.length) {
    const length = store.edgeTarget.length * 2
    store.edgeTarget = grown(store.edgeTarget, length)
    store.edgeNext = grown(store.edgeNext, length)
  }
  append(store, store.parentHead, store.parentTail, child, parent)
  append(store, store.childHead, store.childTail, parent, child)
  store.parentLinks++
  return true
}

/**
 * Generations and partial marks for a whole store just built (Kahn's algorithm: parents before
 * children). Commits in a cycle, which git cannot make but bad data could, still get a number.
 */
export function settleAll(store: GraphStore) {
  const { size, known, generation, partial, parentHead, childHead, edgeTarget, edgeNext } = store
  const remaining = new Int32Array(size)
  const queue = new Int32Array(size)
  const settled = new Uint8Array(size)
  let head = 0
  let tail = 0
  for (let id = 0; id < size; id++) {
    let count = 0
    for (let edge = parentHead[id]; edge !== 0; edge = edgeNext[edge]) count++
    remaining[id] = count
    if (count === 0) queue[tail++] = id
  }
  const settle = (id: number) => {
    let highest = 0
    let below = known[id] === 0
    for (let edge = parentHead[id]; edge !== 0; edge = edgeNext[edge]) {
      const parent = edgeTarget[edge]
      if (generation[parent] > highest) highest = generation[parent]
      if (partial[parent] === 1) below = true
    }
    generation[id] = known[id] === 1 ? highest + 1 : 0
    partial[id] = below ? 1 : 0
    settled[id] = 1
  }
  while (head < tail) {
    const id = queue[head++]
    settle(id)
    for (let edge = childHead[id]; edge !== 0; edge = edgeNext[edge]) {
      const child = edgeTarget[edge]
      if (--remaining[child] === 0) queue[tail++] = child
    }
  }
  for (let id = 0; id < size; id++) if (settled[id] === 0) settle(id)
}

/**
 * A whole graph from text, as the database hands it over in one piece: `commits` has a line
 * "sha time" per commit, `edges` a line "sha parent" per parent, a commit's parents together and in
 * order. Edges of commits `commits` does not list are none of this graph's and are skipped.
 */
export function storeFromText(
  commits: string,
  edges: string,
): { store: GraphStore; shas: string[]; index: Map<string, number> } {
  // Real shas make lines of at least 42 characters: a first guess at the sizes, grown if short.
  const store = createStore(commits.length / 40, edges.length / 80)
  const shas: string[] = []
  const index = new Map<string, number>()
  const intern = (sha: string) => {
    let id = index.get(sha)
    if (id === undefined) {
      id = addNode(store)
      index.set(sha, id)
      shas.push(sha)
    }
    return id
  }
  for (let at = 0; at < commits.length;) {
    let end = commits.indexOf('\n', at)
    if (end < 0) end = commits.length
    const space = commits.indexOf(' ', at)
    const id = intern(commits.slice(at, space))
    store.known[id] = 1
    store.committedAt[id] = Number(commits.slice(space + 1, end))
    at = end + 1
  }
  for (let at = 0; at < edges.length;) {
    let end = edges.indexOf('\n', at)
    if (end < 0) end = edges.length
    const space = edges.indexOf(' ', at)
    const id = index.get(edges.slice(at, space))
    if (id !== undefined && store.known[id] === 1) linkParent(store, id, intern(edges.slice(space + 1, end)))
    at = end + 1
  }
  settleAll(store)
  return { store, shas, index }
}
