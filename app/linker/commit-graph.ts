// A repository's commit graph in memory: parents, children and generation numbers, so that runs are
// ordered by the graph (never by arrival) and suspect ranges are computed like `git rev-list G..R`.
//
// Commits may arrive in any order: a parent seen before its commit is a placeholder (generation 0,
// not `known`) until the commit itself arrives. Generation = 1 + the largest generation among the
// parents (a root's is 1), so an ancestor always has a smaller generation than its descendants.
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
  private readonly index = new Map<string, number>()
  readonly shas: string[] = []
  readonly parents: number[][] = []
  readonly children: number[][] = []
  readonly generation: number[] = []
  readonly committedAt: number[] = []
  readonly known: boolean[] = []
  /** Some ancestor (or the commit itself) was never seen: walks below it cannot be trusted. */
  readonly partial: boolean[] = []
  private pending = new Set<number>()
  private holesFilled = 0
  private marks = new Uint8Array(1024)
  private queued = new Uint8Array(1024)

  get size() {
    return this.shas.length
  }

  idOf(sha: string): number | undefined {
    return this.index.get(sha)
  }

  /** A commit the graph has seen itself (not only named as someone's parent). */
  has(sha: string): boolean {
    const id = this.index.get(sha)
    return id !== undefined && this.known[id]
  }

  private intern(sha: string): number {
    let id = this.index.get(sha)
    if (id === undefined) {
      id = this.shas.length
      this.index.set(sha, id)
      this.shas.push(sha)
      this.parents.push([])
      this.children.push([])
      this.generation.push(0)
      this.committedAt.push(0)
      this.known.push(false)
      this.partial.push(true)
    }
    return id
  }

  /**
   * Builds a whole graph at once (a full load): much faster than `addCommit` one by one. Each
   * commit is [sha, commit time, parent shas].
   */
  static build(commits: ReadonlyArray<readonly [string, number, readonly string[]]>): CommitGraph {
    const graph = new CommitGraph()
    for (const [sha, committedAt] of commits) {
      const id = graph.intern(sha)
      graph.known[id] = true
      graph.committedAt[id] = committedAt
    }
    for (const [sha, , parentShas] of commits) {
      const id = graph.index.get(sha)!
      for (const parentSha of parentShas) graph.link(id, parentSha)
    }
    return CommitGraph.settleAll(graph)
  }

  /**
   * Builds a whole graph from text, as the database hands it over in one piece: `commits` has a line
   * "sha time" per commit, `edges` a line "sha parent" per parent, a commit's parents in order.
   */
  static fromText(commits: string, edges: string): CommitGraph {
    const graph = new CommitGraph()
    for (let at = 0; at < commits.length; ) {
      let end = commits.indexOf('\n', at)
      if (end < 0) end = commits.length
      const space = commits.indexOf(' ', at)
      const id = graph.intern(commits.slice(at, space))
      graph.known[id] = true
      graph.committedAt[id] = Number(commits.slice(space + 1, end))
      at = end + 1
    }
    for (let at = 0; at < edges.length; ) {
      let end = edges.indexOf('\n', at)
      if (end < 0) end = edges.length
      const space = edges.indexOf(' ', at)
      // Only the parents of commits the text listed: the edges of others are none of this graph's.
      const id = graph.index.get(edges.slice(at, space))
      if (id !== undefined && graph.known[id]) graph.link(id, edges.slice(space + 1, end))
      at = end + 1
    }
    return CommitGraph.settleAll(graph)
  }

  /** Adds a parent to a commit during a whole-graph build (no generations yet). */
  private link(id: number, parentSha: string) {
    const parent = this.intern(parentSha)
    const list = this.parents[id]
    if (parent === id || list.includes(parent)) return
    list.push(parent)
    this.children[parent].push(id)
  }

  /** Generations and partial marks for a whole graph just built. */
  private static settleAll(graph: CommitGraph): CommitGraph {
    // Kahn's algorithm over everything: parents before children.
    const size = graph.shas.length
    const remaining = new Int32Array(size)
    const queue = new Int32Array(size)
    let head = 0
    let tail = 0
    for (let id = 0; id < size; id++) {
      remaining[id] = graph.parents[id].length
      if (remaining[id] === 0) queue[tail++] = id
    }
    const settled = new Uint8Array(size)
    const settle = (id: number) => {
      let generation = 0
      let partial = !graph.known[id]
      for (const parent of graph.parents[id]) {
        if (graph.generation[parent] > generation) generation = graph.generation[parent]
        if (graph.partial[parent]) partial = true
      }
      graph.generation[id] = graph.known[id] ? generation + 1 : 0
      graph.partial[id] = partial
      settled[id] = 1
    }
    while (head < tail) {
      const id = queue[head++]
      settle(id)
      for (const child of graph.children[id]) if (--remaining[child] === 0) queue[tail++] = child
    }
    for (let id = 0; id < size; id++) if (!settled[id]) settle(id)
    return graph
  }

  /**
   * Adds a commit, or completes one seen before (a parent a push did not list, a corrected time).
   * Generations catch up in `ensureGenerations`.
   */
  addCommit(sha: string, parentShas: readonly string[], committedAt: number) {
    const id = this.intern(sha)
    let changed = !this.known[id]
    // A commit others already named as parent fills a hole in the history.
    if (!this.known[id] && this.children[id].length > 0) this.holesFilled++
    this.known[id] = true
    if (this.committedAt[id] !== committedAt) {
      this.committedAt[id] = committedAt
      changed = true
    }
    const current = this.parents[id]
    for (const parentSha of parentShas) {
      const parent = this.intern(parentSha)
      if (parent === id || current.includes(parent)) continue
      if (current.length > 0 && this.known[id] && !changed) this.holesFilled++
      current.push(parent)
      this.children[parent].push(id)
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
    // Everything below a changed commit may move: its descendants.
    const affected = new Set<number>(dirty)
    const stack = [...dirty]
    while (stack.length > 0) {
      const id = stack.pop()!
      for (const child of this.children[id]) {
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
      for (const parent of this.parents[id]) if (affected.has(parent)) count++
      if (count === 0) ready.push(id)
      else waiting.set(id, count)
    }
    const changed: number[] = []
    const dirtySet = new Set(dirty)
    const settle = (id: number) => {
      let generation = 0
      let partial = !this.known[id]
      for (const parent of this.parents[id]) {
        generation = Math.max(generation, this.generation[parent])
        if (this.partial[parent]) partial = true
      }
      this.partial[id] = partial
      generation = this.known[id] ? generation + 1 : 0
      if (generation !== this.generation[id] || dirtySet.has(id)) changed.push(id)
      this.generation[id] = generation
    }
    while (ready.length > 0) {
      const id = ready.pop()!
      settle(id)
      for (const child of this.children[id]) {
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
    return (
      this.generation[a] - this.generation[b] ||
      this.committedAt[a] - this.committedAt[b] ||
      (this.shas[a] < this.shas[b] ? -1 : this.shas[a] > this.shas[b] ? 1 : 0)
    )
  }

  private scratch() {
    if (this.marks.length < this.shas.length) {
      const size = Math.max(this.shas.length, this.marks.length * 2)
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
    let incomplete = this.partial[red] || (green !== null && this.partial[green])
    while (redOnly > 0) {
      const id = queue.pop()!
      queued[id] = 0
      const flags = marks[id]
      if (!this.known[id]) incomplete = true
      if (flags === FROM_RED) {
        redOnly--
        if (!this.known[id]) continue
        if (ids.length >= limit) {
          truncated = true
          break
        }
        ids.push(id)
      }
      for (const parent of this.parents[id]) mark(parent, flags)
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
    const touched: number[] = [from]
    const queue = this.newestFirst()
    queue.push(from)
    queued[from] = 1
    let seen = 0
    let found: number | null = null
    while (queue.size > 0 && seen < limit) {
      const id = queue.pop()!
      seen++
      if (this.known[id] && isBase(id)) {
        found = id
        break
      }
      for (const parent of this.parents[id]) {
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
