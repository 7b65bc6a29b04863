import { describe, expect, it } from 'vitest'
import {
  CANVAS_LANES,
  edgePath,
  LANE_OF_KIND,
  layoutCanvas,
  MAX_COLUMNS,
  MAX_STACK,
  type CanvasEdge,
  type CanvasLayout,
  type CanvasLayoutInput,
  type CanvasNode,
  type CanvasNodeKind,
} from './canvas-layout'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 23, 9)

function node(key: string, kind: CanvasNodeKind, time: number, extra: Partial<CanvasNode> = {}): CanvasNode {
  return {
    key,
    kind,
    time,
    label: key,
    sublabel: kind,
    title: key,
    description: key,
    href: `/somewhere/${key}`,
    external: false,
    tone: 'neutral',
    emphasis: 'normal',
    marker: null,
    inRange: false,
    evidence: false,
    priority: 10,
    ...extra,
  }
}

type Box = { key: string; x: number; y: number; w: number; h: number }
const boxesOf = (layout: CanvasLayout): Box[] => [...layout.nodes, ...layout.clusters]
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h

function overlappingPairs(boxes: Box[]) {
  const pairs: string[] = []
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i], boxes[j])) pairs.push(`${boxes[i].key} × ${boxes[j].key}`)
  return pairs
}

function laneOfBox(layout: CanvasLayout, box: Box) {
  return layout.lanes.find((lane) => box.y >= lane.y && box.y + box.h <= lane.y + lane.height)?.lane
}

/** The demo's shape: green commits and runs, the range, the first red run and its failing test, a deploy and a note. */
function demoInput(): CanvasLayoutInput {
  const nodes: CanvasNode[] = []
  for (let i = 0; i < 8; i++) nodes.push(node(`commit:c${i}`, 'commit', T0 + i * 3 * HOUR, { inRange: i >= 4 && i <= 6 }))
  for (const i of [0, 1, 2, 3, 6, 7]) nodes.push(node(`run:${i}`, 'run', T0 + i * 3 * HOUR + 9 * 60_000, { tone: i >= 6 ? 'red' : 'green' }))
  nodes.find((item) => item.key === 'run:3')!.marker = 'last_green'
  nodes.find((item) => item.key === 'run:6')!.marker = 'first_red'
  nodes.find((item) => item.key === 'commit:c4')!.emphasis = 'dim'
  nodes.find((item) => item.key === 'commit:c6')!.emphasis = 'strong'
  nodes.push(node('test:total', 'test', T0 + 18 * HOUR + 9 * 60_000, { tone: 'red' }))
  nodes.push(node('deploy:1', 'deploy', T0 + 19 * HOUR))
  nodes.push(node('note:1', 'note', T0 + 30 * HOUR))
  nodes.push(node('link:2', 'link', T0 + 31 * HOUR))
  const edges: CanvasEdge[] = [
    { from: 'run:6', to: 'commit:c6', kind: 'link', dim: false },
    { from: 'commit:c6', to: 'run:6', kind: 'suspect', dim: false },
    { from: 'run:6', to: 'test:total', kind: 'failure', dim: false },
  ]
  return { nodes, edges, positions: {}, lastGreenAt: T0 + 9 * HOUR + 9 * 60_000, firstRedAt: T0 + 18 * HOUR + 9 * 60_000 }
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** 1,000 nodes: a long suspect range of commits, a red streak of runs, failing tests in bursts, deploys and notes. */
function bigInput(count = 1000): CanvasLayoutInput {
  const rand = random(7)
  const kinds: Array<[CanvasNodeKind, number]> = [
    ['commit', 0.55],
    ['run', 0.25],
    ['test', 0.12],
    ['deploy', 0.03],
    ['note', 0.03],
    ['link', 0.02],
  ]
  const nodes: CanvasNode[] = []
  for (let i = 0; i < count; i++) {
    let pick = rand()
    const kind = kinds.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'commit'
    // Tests fail in bursts: many share one time.
    const time = kind === 'test' ? T0 + Math.floor(rand() * 20) * 5 * HOUR : T0 + Math.floor(rand() * 100 * HOUR)
    nodes.push(
      node(`${kind}:${i}`, kind, time, {
        inRange: kind === 'commit' && time > T0 + 40 * HOUR && time < T0 + 60 * HOUR,
        priority: Math.floor(rand() * 100),
        emphasis: rand() < 0.05 ? 'strong' : rand() < 0.05 ? 'dim' : 'normal',
      }),
    )
  }
  const edges: CanvasEdge[] = []
  for (let i = 0; i < 600; i++) {
    const a = nodes[Math.floor(rand() * nodes.length)]
    const b = nodes[Math.floor(rand() * nodes.length)]
    edges.push({ from: a.key, to: b.key, kind: 'link', dim: false })
  }
  return { nodes, edges, positions: {}, lastGreenAt: T0 + 40 * HOUR, firstRedAt: T0 + 60 * HOUR }
}

describe('layoutCanvas', () => {
  it('puts each node in its own lane, in time order, with no two boxes overlapping', () => {
    const input = demoInput()
    const layout = layoutCanvas(input)
    expect(layout.nodes).toHaveLength(input.nodes.length)
    expect(layout.clusters).toEqual([])
    expect(layout.lanes.map((lane) => lane.lane)).toEqual([...CANVAS_LANES])
    for (const placed of layout.nodes) {
      expect(placed.lane).toBe(LANE_OF_KIND[placed.kind])
      expect(laneOfBox(layout, placed), placed.key).toBe(placed.lane)
    }
    expect(overlappingPairs(boxesOf(layout))).toEqual([])
    const commits = layout.nodes.filter((placed) => placed.kind === 'commit').sort((a, b) => a.time - b.time)
    for (let i = 1; i < commits.length; i++) expect(commits[i].x).toBeGreaterThan(commits[i - 1].x)
    expect(layout.nodes.find((placed) => placed.key === 'link:2')?.lane).toBe('notes')
  })

  it('draws the last green and first red markers between the nodes before and after them', () => {
    const input = demoInput()
    const layout = layoutCanvas(input)
    expect(layout.markers.map((marker) => marker.kind)).toEqual(['last_green', 'first_red'])
    const [lastGreen, firstRed] = layout.markers
    for (const placed of layout.nodes) {
      if (placed.time <= input.lastGreenAt!) expect(placed.x + placed.w, placed.key).toBeLessThan(lastGreen.x)
      else expect(placed.x, placed.key).toBeGreaterThan(lastGreen.x)
      if (placed.time < input.firstRedAt!) expect(placed.x + placed.w, placed.key).toBeLessThan(firstRed.x)
      else expect(placed.x, placed.key).toBeGreaterThan(firstRed.x)
    }
    // The last green run sits left of its marker, the first red run right of its.
    expect(layout.nodes.find((placed) => placed.key === 'run:3')!.x).toBeLessThan(lastGreen.x)
    expect(layout.nodes.find((placed) => placed.key === 'run:6')!.x).toBeGreaterThan(firstRed.x)
  })

  it('shades the suspect range over exactly the columns of the range commits', () => {
    const layout = layoutCanvas(demoInput())
    const range = layout.range!
    expect(range).not.toBeNull()
    for (const placed of layout.nodes.filter((item) => item.kind === 'commit')) {
      const inside = placed.x >= range.x && placed.x + placed.w <= range.x + range.width
      expect(inside, placed.key).toBe(placed.inRange)
    }
  })

  it('keeps emphasis, and resolves edges to the boxes they join', () => {
    const layout = layoutCanvas(demoInput())
    expect(layout.nodes.find((placed) => placed.key === 'commit:c6')?.emphasis).toBe('strong')
    expect(layout.nodes.find((placed) => placed.key === 'commit:c4')?.emphasis).toBe('dim')
    expect(layout.edges.map((edge) => `${edge.kind} ${edge.from}->${edge.to}`).sort()).toEqual(
      ['failure run:6->test:total', 'link run:6->commit:c6', 'suspect commit:c6->run:6'].sort(),
    )
  })

  it('puts a node with a saved position there, and leaves every other node where it was', () => {
    const input = demoInput()
    const before = layoutCanvas(input)
    const after = layoutCanvas({ ...input, positions: { 'commit:c2': { x: 900, y: 600 } } })
    const moved = after.nodes.find((placed) => placed.key === 'commit:c2')!
    expect(moved).toMatchObject({ x: 900, y: 600, pinned: true })
    for (const placed of before.nodes) {
      if (placed.key === 'commit:c2') continue
      const again = after.nodes.find((item) => item.key === placed.key)!
      expect({ x: again.x, y: again.y }, placed.key).toEqual({ x: placed.x, y: placed.y })
    }
    expect(after.height).toBeGreaterThanOrEqual(600 + moved.h)
  })

  it('draws an empty canvas with its lanes and markers', () => {
    const layout = layoutCanvas({ nodes: [], edges: [], positions: {}, lastGreenAt: T0, firstRedAt: T0 + HOUR })
    expect(layout.nodes).toEqual([])
    expect(layout.lanes).toHaveLength(CANVAS_LANES.length)
    expect(layout.markers).toHaveLength(2)
    expect(layout.markers[1].x).toBeGreaterThan(layout.markers[0].x)
    expect(layout.width).toBeGreaterThan(0)
  })

  it('stays readable with 1,000 nodes: lanes kept, columns capped, crowded cells clustered, no overlaps', () => {
    const input = bigInput()
    const layout = layoutCanvas(input)

    // Every node is drawn once: as its own box, or inside exactly one cluster.
    const shown = layout.nodes.map((placed) => placed.key)
    const hidden = layout.clusters.flatMap((cluster) => cluster.members.map((member) => member.key))
    expect(new Set([...shown, ...hidden]).size).toBe(input.nodes.length)
    expect(shown.length + hidden.length).toBe(input.nodes.length)
    expect(layout.clusters.length).toBeGreaterThan(0)
    for (const cluster of layout.clusters) {
      expect(cluster.count).toBe(cluster.members.length)
      expect(cluster.members.every((member) => LANE_OF_KIND[member.kind] === cluster.lane)).toBe(true)
    }

    // Lane membership, for boxes and clusters alike.
    for (const placed of layout.nodes) expect(laneOfBox(layout, placed), placed.key).toBe(LANE_OF_KIND[placed.kind])
    for (const cluster of layout.clusters) expect(laneOfBox(layout, cluster), cluster.key).toBe(cluster.lane)

    expect(overlappingPairs(boxesOf(layout))).toEqual([])

    // Bounded: at most MAX_COLUMNS columns and MAX_STACK rows a lane.
    expect(layout.ticks.length).toBeLessThanOrEqual(MAX_COLUMNS)
    for (const lane of layout.lanes) {
      const rows = new Set([...layout.nodes, ...layout.clusters].filter((box) => laneOfBox(layout, box) === lane.lane).map((box) => box.y))
      expect(rows.size).toBeLessThanOrEqual(MAX_STACK)
    }

    // Time still runs left to right.
    const columnOf = (x: number) => layout.ticks.findIndex((tick) => tick.x === x)
    const sorted = [...layout.nodes].sort((a, b) => a.time - b.time)
    for (let i = 1; i < sorted.length; i++) expect(columnOf(sorted[i].x)).toBeGreaterThanOrEqual(columnOf(sorted[i - 1].x))

    // The most important nodes of a crowded cell stay visible.
    for (const cluster of layout.clusters) {
      const neighbours = layout.nodes.filter((placed) => placed.x === cluster.x && placed.lane === cluster.lane)
      const weakestShown = Math.min(...neighbours.map((placed) => placed.priority))
      expect(Math.max(...cluster.members.map((member) => member.priority))).toBeLessThanOrEqual(weakestShown)
    }

    // Edges join visible boxes only, without loops or duplicates.
    const visible = new Set([...shown, ...layout.clusters.map((cluster) => cluster.key)])
    for (const edge of layout.edges) {
      expect(visible.has(edge.from) && visible.has(edge.to)).toBe(true)
      expect(edge.from).not.toBe(edge.to)
    }
    expect(new Set(layout.edges.map((edge) => edge.key)).size).toBe(layout.edges.length)
  })

  it('packs a small canvas without clusters, one node a lane per column where it can', () => {
    const layout = layoutCanvas(bigInput(40))
    expect(layout.clusters).toEqual([])
    expect(overlappingPairs(boxesOf(layout))).toEqual([])
  })

  it('routes an elbow edge around boxes rather than behind them', () => {
    const box = (x: number, y: number) => ({ x, y, w: 176, h: 40 })
    // A run (lower right) tested a commit (upper left) that has another run right below it:
    // up from the run and into the commit's side, not down the other run's middle.
    const commit = box(192, 0)
    const otherRun = box(192, 60)
    const run = box(384, 60)
    expect(edgePath(run, commit, [commit, otherRun, run])).toBe('M472 60C472 20 472 20 368 20')
    // A suspect (upper left) with another commit beside it points at the failure (lower right):
    // down from the suspect and along the empty runs row, not across the other commit.
    const suspect = box(0, 0)
    const neighbour = box(192, 0)
    const failure = box(384, 60)
    expect(edgePath(suspect, failure, [suspect, neighbour, failure])).toBe('M88 40C88 80 88 80 384 80')
    // Same row: side to side; same column: top to bottom.
    expect(edgePath(box(0, 0), box(192, 0))).toBe('M176 20C184 20 184 20 192 20')
    expect(edgePath(box(0, 0), box(0, 60))).toBe('M88 40C88 50 88 50 88 60')
  })
})
