// A repository's commit graph in memory: parents, children and generation numbers, so that runs are
// ordered by the graph (never by arrival) and suspect ranges are computed like `git rev-list G..R`.
//
// Commits may arrive in any order: a parent seen before its commit is a placeholder (generation 0,
// not `known`) until the commit itself arrives. Generation = 1 + the largest generation among the
// parents (a root's is 1), so an ancestor always has a smaller generation than its descendants.
// The numbers live in flat typed arrays (commit-graph-store.ts); this class adds the sha index.
import { addNode, createStore, linkParent, settleAll, storeFromText, type GraphStore } from './commit-graph-store'
import { Heap } from './heap'

const FROM_RED = 1
const FROM_GREEN = 2

export interface RangeResult {
  /** Known commits reachable from the red commit and not from the green one, newest first. */
  ids: number[]
  /** More than `limit` commits: the newest `limit` are in `ids`. */
  truncated: boolean
  /** The walk reached a parent the graph has never seen as a commit: history is missing, the range may be off. */
  incomplete: boolean
}

export class CommitGraph {
  private pending = new Set<number>()
  private holesFilled = 0
  private marks = new Uint8Array(1024)
  private queued = new Uint8Array(1024)

  /** `built`: the sha index (sha -> id), or null to have it built from `shas` when first needed. */
  constructor(
    private readonly store: GraphStore = createStore(),
    readonly shas: string[] = [],
    private built: Map<string, number> | null = new Map(),
  ) {}

  /** The sha index, built on first use for a graph made elsewhere (a full recompute places its runs without it). */
  private get index(): Map<string, number> {
    if (this.built === null) {
      this.built = new Map()
      for (let id = 0; id < this.shas.length; id++) this.built.set(this.shas[id], id)
    }
    return this.built
  }

  get size() {
    return this.store.size
  }

  // Per commit id; each is an array of the store, which adding commits may replace: read them afresh.
  /** 1 for a commit the graph has seen itself, 0 for one only named as a parent. */
  get known() {
    return this.store.known
  }
  get committedAt() {
    return this.store.committedAt
  }
  /** 1 + the largest generation among the parents (a root's is 1); 0 for a commit never seen. */
  get generation() {
    return this.store.generation
  }
  /** 1 when some ancestor (or the commit itself) was never seen: walks below it cannot be trusted. */
  get partial() {
    return this.store.partial
  }
  /** Parent links in all: as many as the database's commit_parents rows that made the graph. */
  get parentLinks() {
    return this.store.parentLinks
  }

  parentsOf(id: number): number[] {
    return this.list(this.store.parentHead, id)
  }

  childrenOf(id: number): number[] {
    return this.list(this.store.childHead, id)
  }

  private list(head: Int32Array, id: number): number[] {
    const { edgeTarget, edgeNext } = this.store
    const ids: number[] = []
    for (let edge = head[id]; edge !== 0; edge = edgeNext[edge]) ids.push(edgeTarget[edge])
    return ids
  }

  idOf(sha: string): number | undefined {
    return this.index.get(sha)
  }

  /** A commit the graph has seen itself (not only named as someone's parent). */
  has(sha: string): boolean {
    const id = this.index.get(sha)
    return id !== undefined && this.store.known[id] === 1
  }

  private intern(sha: string): number {
    let id = this.index.get(sha)
    if (id === undefined) {
      id = addNode(this.store)
      this.index.set(sha, id)
      this.shas.push(sha)
    }
    return id
  }

  /**
   * Builds a whole graph at once (a full load): much faster than `addCommit` one by one. Each
   * commit is [sha, commit time, parent shas].
   */
  static build(commits: ReadonlyArray<readonly [string, number, readonly string[]]>): CommitGraph {
    const graph = new CommitGraph(createStore(commits.length))
    const store = graph.store
    for (const [sha, committedAt] of commits) {
      const id = graph.intern(sha)
      store.known[id] = 1
      store.committedAt[id] = committedAt
    }
    for (const [sha, , parentShas] of commits) {
      const id = graph.index.get(sha)!
      for (const parentSha of parentShas) linkParent(store, id, graph.intern(parentSha))
    }
    settleAll(store)
    return graph
  }

  /** Builds a whole graph from the database's text (see `storeFromText`). */
  static fromText(commits: string, edges: string): CommitGraph {
    const { store, shas, index } = storeFromText(commits, edges)
    return new CommitGraph(store, shas, index)
  }

  /** A whole graph built elsewhere (see runs-and-graph.ts): its store, and its shas a line each in id order; the sha index is built when first needed. */
  static fromStore(store: GraphStore, shas: string): CommitGraph {
    return new CommitGraph(store, store.size === 0 ? [] : shas.split('\n'), null)
  }

  /**
   * Adds a commit, or completes one seen before (a parent a push did not list, a corrected time).
   * Generations catch up in `ensureGenerations`.
   */
  addCommit(sha: string, parentShas: readonly string[], committedAt: number) {
    const id = this.intern(sha)
    const store = this.store
    let changed = store.known[id] === 0
    // A commit others already named as parent fills a hole in the history.
    if (store.known[id] === 0 && store.childHead[id] !== 0) this.holesFilled++
    store.known[id] = 1
    if (store.committedAt[id] !== committedAt) {
      store.committedAt[id] = committedAt
      changed = true
    }
    for (const parentSha of parentShas) {
      const parent = this.intern(parentSha)
      const hadParents = store.parentHead[id] !== 0
      if (!linkParent(store, id, parent)) continue
      if (hadParents && !changed) this.holesFilled++
      changed = true
    }
    if (changed) this.pending.add(id)
  }

  /**
   * Brings generation numbers up to date after `addCommit` calls, and returns every commit whose
   * place in commit order may have moved: the added or completed ones and each descendant whose
   * generation changed. Linear in the added commits and their descendants.
   */
  ensureGenerations(): number[] {
    if (this.pending.size === 0) return []
    const dirty = [...this.pending]
    this.pending = new Set()
    const { known, generation: generations, partial: partials, parentHead, childHead, edgeTarget, edgeNext } = this.store
    // Everything below a changed commit may move: its descendants.
    const affected = new Set<number>(dirty)
    const stack = [...dirty]
    while (stack.length > 0) {
      const id = stack.pop()!
      for (let edge = childHead[id]; edge !== 0; edge = edgeNext[edge]) {
        const child = edgeTarget[edge]
        if (!affected.has(child)) {
          affected.add(child)
          stack.push(child)
        }
      }
    }
    // Kahn's algorithm inside the affected set: parents before children.
    const waiting = new Map<number, number>()
    const ready: number[] = []
    for (const id of affected) {
      let count = 0
      for (let edge = parentHead[id]; edge !== 0; edge = edgeNext[edge]) if (affected.has(edgeTarget[edge])) count++
      if (count === 0) ready.push(id)
      else waiting.set(id, count)
    }
    const changed: number[] = []
    const dirtySet = new Set(dirty)
    const settle = (id: number) => {
      let generation = 0
      let partial = known[id] === 0
      for (let edge = parentHead[id]; edge !== 0; edge = edgeNext[edge]) {
        const parent = edgeTarget[edge]
        generation = Math.max(generation, generations[parent])
        if (partials[parent] === 1) partial = true
      }
      partials[id] = partial ? 1 : 0
      generation = known[id] === 1 ? generation + 1 : 0
      if (generation !== generations[id] || dirtySet.has(id)) changed.push(id)
      generations[id] = generation
    }
    while (ready.length > 0) {
      const id = ready.pop()!
      settle(id)
      for (let edge = childHead[id]; edge !== 0; edge = edgeNext[edge]) {
        const child = edgeTarget[edge]
        const count = waiting.get(child)
        if (count === undefined) continue
        if (count === 1) {
          waiting.delete(child)
          ready.push(child)
        } else waiting.set(child, count - 1)
      }
    }
    // A cycle cannot come from git; if bad data makes one, its commits still get a number.
    for (const id of waiting.keys()) settle(id)
    return changed
  }

  /**
   * How many times since the last call a commit arrived that others already named as a parent, or a
   * known commit gained a parent: ranges computed before may have been wrong (see `partial`).
   */
  takeHolesFilled(): number {
    const count = this.holesFilled
    this.holesFilled = 0
    return count
  }

  /** Commit order: generation, then commit time, then sha. Negative when a comes first. */
  compare(a: number, b: number): number {
    const { generation, committedAt } = this.store
    return (
      generation[a] - generation[b] ||
      committedAt[a] - committedAt[b] ||
      (this.shas[a] < this.shas[b] ? -1 : this.shas[a] > this.shas[b] ? 1 : 0)
    )
  }

  private scratch() {
    if (this.marks.length < this.store.size) {
      const size = Math.max(this.store.size, this.marks.length * 2)
      this.marks = new Uint8Array(size)
      this.queued = new Uint8Array(size)
    }
    return { marks: this.marks, queued: this.queued }
  }

  private newestFirst() {
    return new Heap((a, b) => this.compare(a, b) > 0)
  }

  /**
   * `git rev-list GREEN..RED` (or `git rev-list RED` without a green): paint down from both ends in
   * generation order, like git's paint_down_to_common, and stop once every commit still queued is
   * reachable from green. At most `limit` commits, the newest.
   *
   * Exact when neither end has an unknown commit below it. Otherwise generation numbers under the
   * hole are guesses and a path through the unknown commit cannot be followed, so the result is
   * marked incomplete and should be computed again once the hole is filled.
   */
  range(green: number | null, red: number, limit = Number.POSITIVE_INFINITY): RangeResult {
    const { marks, queued } = this.scratch()
    const touched: number[] = []
    const queue = this.newestFirst()
    // Queued commits reachable from red only: while there are none, nothing else can be in the range.
    let redOnly = 0
    const mark = (id: number, flags: number) => {
      const before = marks[id]
      const after = before | flags
      if (after === before) return
      if (before === 0) touched.push(id)
      marks[id] = after
      if (queued[id]) {
        if (before === FROM_RED) redOnly--
        if (after === FROM_RED) redOnly++
      } else {
        queued[id] = 1
        queue.push(id)
        if (after === FROM_RED) redOnly++
      }
    }
    mark(red, FROM_RED)
    if (green !== null) mark(green, FROM_GREEN)

    const ids: number[] = []
    let truncated = false
    const { known, partial, parentHead, edgeTarget, edgeNext } = this.store
    let incomplete = partial[red] === 1 || (green !== null && partial[green] === 1)
    while (redOnly > 0) {
      const id = queue.pop()!
      queued[id] = 0
      const flags = marks[id]
      if (known[id] === 0) incomplete = true
      if (flags === FROM_RED) {
        redOnly--
        if (known[id] === 0) continue
        if (ids.length >= limit) {
          truncated = true
          break
        }
        ids.push(id)
      }
      for (let edge = parentHead[id]; edge !== 0; edge = edgeNext[edge]) mark(edgeTarget[edge], flags)
    }
    for (const id of touched) {
      marks[id] = 0
      queued[id] = 0
    }
    return { ids, truncated, incomplete }
  }

  /**
   * The newest commit reachable from `from` (itself included) that `isBase` accepts, looking at no
   * more than `limit` commits; null when there is none within reach.
   */
  newestAncestorWhere(from: number, isBase: (id: number) => boolean, limit: number): number | null {
    const { queued } = this.scratch()
    const { known, parentHead, edgeTarget, edgeNext } = this.store
    const touched: number[] = [from]
    const queue = this.newestFirst()
    queue.push(from)
    queued[from] = 1
    let seen = 0
    let found: number | null = null
    while (queue.size > 0 && seen < limit) {
      const id = queue.pop()!
      seen++
      if (known[id] === 1 && isBase(id)) {
        found = id
        break
      }
      for (let edge = parentHead[id]; edge !== 0; edge = edgeNext[edge]) {
        const parent = edgeTarget[edge]
        if (queued[parent]) continue
        queued[parent] = 1
        touched.push(parent)
        queue.push(parent)
      }
    }
    for (const id of touched) queued[id] = 0
    return found
  }
}
