// Where each node of an investigation's canvas goes. Pure and safe for the browser: the loader runs it
// on the server and the page draws its result, with or without JavaScript.
//
// Time runs left to right, one lane per kind of thing (commits, CI runs, tests, deploys, notes).
// Nodes are packed into columns in time order: a column holds a stretch of time, and a lane's cell in
// a column stacks its nodes in rows, so boxes never overlap (columns are disjoint in x, rows and lanes
// in y). The last green and first red times split the columns into segments, so a marker always
// sits in a gutter between columns. When the nodes would need more than MAX_COLUMNS columns, cells
// hold more, and a cell with more than MAX_STACK nodes shows the most important ones and one
// cluster node with the count of the rest (the page links a cluster to its stretch of time).
// A saved position (someone dragged the node) overrides where the layout put that node; the node
// keeps its column, so dragging one never moves the others.

export const CANVAS_LANES = ['commits', 'runs', 'tests', 'deploys', 'notes'] as const
export type CanvasLane = (typeof CANVAS_LANES)[number]

export const LANE_LABELS: Record<CanvasLane, string> = {
  commits: 'Commits',
  runs: 'CI runs',
  tests: 'Tests',
  deploys: 'Deploys',
  notes: 'Notes and links',
}

export type CanvasNodeKind = 'commit' | 'run' | 'test' | 'deploy' | 'note' | 'link'

export const LANE_OF_KIND: Record<CanvasNodeKind, CanvasLane> = {
  commit: 'commits',
  run: 'runs',
  test: 'tests',
  deploy: 'deploys',
  note: 'notes',
  link: 'notes',
}

/** `kind:id` with an id of letters, digits, `_` and `-` (a sha, a row id, a hash of a test key). */
export const NODE_KEY_PATTERN = /^(commit|run|test|deploy|note|link):[0-9A-Za-z_-]{1,64}$/

export type CanvasTone = 'neutral' | 'green' | 'red' | 'amber' | 'blue'
/** Accepted suspects stand out, rejected ones fade. */
export type CanvasEmphasis = 'normal' | 'strong' | 'dim'
export type CanvasMarkerKind = 'last_green' | 'first_red'

export interface CanvasNode {
  key: string
  kind: CanvasNodeKind
  /** ms since the epoch: where on the time axis the node belongs. */
  time: number
  /** First line in the box. */
  label: string
  /** Second, smaller line in the box. */
  sublabel: string
  /** The accessible name (SVG <title>) and the text alternative's link text. */
  title: string
  /** The longer text (SVG <desc>). */
  description: string
  href: string
  /** The href leaves the app (a CI provider, a deploy). */
  external: boolean
  tone: CanvasTone
  emphasis: CanvasEmphasis
  /** This node is the last green or first red run or commit. */
  marker: CanvasMarkerKind | null
  /** A commit in the suspect range (shaded). */
  inRange: boolean
  /** Attached to the investigation as evidence. */
  evidence: boolean
  /** Higher stays visible when a crowded cell collapses into a cluster. */
  priority: number
}

export type CanvasEdgeKind = 'link' | 'suspect' | 'failure'

export interface CanvasEdge {
  from: string
  to: string
  kind: CanvasEdgeKind
  dim: boolean
}

export interface CanvasPoint {
  x: number
  y: number
}

export interface CanvasLayoutInput {
  nodes: CanvasNode[]
  edges: CanvasEdge[]
  /** Saved positions by node key (top-left corner of the box). */
  positions: Record<string, CanvasPoint>
  lastGreenAt: number | null
  firstRedAt: number | null
}

export interface PlacedNode extends CanvasNode {
  lane: CanvasLane
  x: number
  y: number
  w: number
  h: number
  /** Someone dragged it here. */
  pinned: boolean
}

export interface PlacedCluster {
  key: string
  lane: CanvasLane
  x: number
  y: number
  w: number
  h: number
  count: number
  /** The time span of the hidden nodes. */
  from: number
  to: number
  /** The nodes it stands for (the text alternative lists them). */
  members: CanvasNode[]
  inRange: boolean
}

export interface LaneBand {
  lane: CanvasLane
  label: string
  y: number
  height: number
}

export interface AxisTick {
  x: number
  time: number
}

export interface PlacedMarker {
  kind: CanvasMarkerKind
  x: number
  time: number
}

export interface PlacedEdge extends CanvasEdge {
  key: string
}

export interface CanvasLayout {
  width: number
  height: number
  nodes: PlacedNode[]
  clusters: PlacedCluster[]
  lanes: LaneBand[]
  ticks: AxisTick[]
  markers: PlacedMarker[]
  /** The suspect range, shaded across the lanes. */
  range: { x: number; width: number } | null
  /** Edges between visible boxes (a hidden node's edges end at its cluster), without duplicates. */
  edges: PlacedEdge[]
  /** The plot area below the axis, right of the lane labels. */
  plot: { x: number; y: number; width: number; height: number }
  firstTime: number | null
  lastTime: number | null
}

export const NODE_W = 176
export const NODE_H = 40
export const LANE_LABEL_W = 120
export const AXIS_H = 44
const PAD = 16
const COL_GAP = 16
const COL_W = NODE_W + COL_GAP
const ROW_GAP = 8
const LANE_PAD = 10
const MARKER_GUTTER = 40
/** Rows a lane's cell shows before the rest collapse into a cluster (which takes the last row). */
export const MAX_STACK = 4
/** Columns before cells start to crowd. */
export const MAX_COLUMNS = 48

const LANE_INDEX: Record<CanvasLane, number> = Object.fromEntries(CANVAS_LANES.map((lane, index) => [lane, index])) as Record<
  CanvasLane,
  number
>

interface Break {
  kind: CanvasMarkerKind
  time: number
  /** A node at exactly this time is past the break (first red: the first red run is on its right). */
  inclusive: boolean
}

function breaksOf(input: CanvasLayoutInput): Break[] {
  const breaks: Break[] = []
  if (input.lastGreenAt !== null && Number.isFinite(input.lastGreenAt)) breaks.push({ kind: 'last_green', time: input.lastGreenAt, inclusive: false })
  if (input.firstRedAt !== null && Number.isFinite(input.firstRedAt)) breaks.push({ kind: 'first_red', time: input.firstRedAt, inclusive: true })
  // In the order a node crosses them as its time grows: at equal times the inclusive one first.
  return breaks.sort((a, b) => a.time - b.time || Number(b.inclusive) - Number(a.inclusive))
}

const passes = (time: number, b: Break) => (b.inclusive ? time >= b.time : time > b.time)

/** Greedy packing: a new column when the node's lane already holds `allowance` nodes in this one. */
function packColumns(lanes: Uint8Array, allowance: number): Uint32Array {
  const column = new Uint32Array(lanes.length)
  const counts = new Uint32Array(CANVAS_LANES.length)
  let current = 0
  for (let i = 0; i < lanes.length; i++) {
    if (i > 0 && counts[lanes[i]] >= allowance) {
      current++
      counts.fill(0)
    }
    counts[lanes[i]]++
    column[i] = current
  }
  return column
}

function columnsNeeded(segments: Uint8Array[], allowance: number) {
  let total = 0
  for (const lanes of segments) if (lanes.length) total += packColumns(lanes, allowance)[lanes.length - 1] + 1
  return total
}

function busiestLane(lanes: Uint8Array) {
  const counts = new Uint32Array(CANVAS_LANES.length)
  let max = 0
  for (const lane of lanes) max = Math.max(max, ++counts[lane])
  return max
}

// Every field spelled out: one object shape for all placed nodes (a spread here cost more than the rest of the layout).
function place(node: CanvasNode, lane: CanvasLane, x: number, y: number, pinned: boolean): PlacedNode {
  return {
    key: node.key,
    kind: node.kind,
    time: node.time,
    label: node.label,
    sublabel: node.sublabel,
    title: node.title,
    description: node.description,
    href: node.href,
    external: node.external,
    tone: node.tone,
    emphasis: node.emphasis,
    marker: node.marker,
    inRange: node.inRange,
    evidence: node.evidence,
    priority: node.priority,
    lane,
    x,
    y,
    w: NODE_W,
    h: NODE_H,
    pinned,
  }
}

const byPriority = (a: CanvasNode, b: CanvasNode) => b.priority - a.priority || a.time - b.time || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

export function layoutCanvas(input: CanvasLayoutInput): CanvasLayout {
  // Decorated once, so that sorting compares plain numbers and strings.
  const unique = new Map<string, { node: CanvasNode; lane: number }>()
  for (const node of input.nodes) if (Number.isFinite(node.time)) unique.set(node.key, { node, lane: LANE_INDEX[LANE_OF_KIND[node.kind]] })
  const decorated = [...unique.values()].sort(
    (a, b) => a.node.time - b.node.time || a.lane - b.lane || (a.node.key < b.node.key ? -1 : a.node.key > b.node.key ? 1 : 0),
  )
  const nodes = decorated.map((item) => item.node)
  const breaks = breaksOf(input)

  // Segments between the markers, each in time order.
  const segmentNodes: CanvasNode[][] = Array.from({ length: breaks.length + 1 }, () => [])
  for (const node of nodes) {
    let segment = 0
    while (segment < breaks.length && passes(node.time, breaks[segment])) segment++
    segmentNodes[segment].push(node)
  }
  const segmentLanes = segmentNodes.map((list) => Uint8Array.from(list, (node) => unique.get(node.key)!.lane))

  // The least crowded packing that fits in MAX_COLUMNS (column counts only fall as the allowance grows).
  let low = 1
  let high = Math.max(1, ...segmentLanes.map(busiestLane))
  while (low < high) {
    const mid = (low + high) >> 1
    if (columnsNeeded(segmentLanes, mid) <= MAX_COLUMNS) high = mid
    else low = mid + 1
  }
  const allowance = low

  // Columns, left to right, with the segments' gutters between them.
  interface Column {
    x: number
    cells: CanvasNode[][]
    from: number
    to: number
  }
  const columns: Column[] = []
  const markers: PlacedMarker[] = []
  const plotX = LANE_LABEL_W + PAD
  let x = plotX
  segmentNodes.forEach((list, segment) => {
    if (segment > 0) {
      const b = breaks[segment - 1]
      markers.push({ kind: b.kind, x: x - COL_GAP / 2 + MARKER_GUTTER / 2, time: b.time })
      x += MARKER_GUTTER
    }
    if (list.length === 0) return
    const assigned = packColumns(segmentLanes[segment], allowance)
    let column: Column | undefined
    let last = -1
    list.forEach((node, index) => {
      if (assigned[index] !== last) {
        last = assigned[index]
        column = { x, cells: CANVAS_LANES.map(() => []), from: node.time, to: node.time }
        columns.push(column)
        x += COL_W
      }
      column!.cells[LANE_INDEX[LANE_OF_KIND[node.kind]]].push(node)
      column!.to = node.time
    })
  })
  const plotRight = x - COL_GAP + PAD

  // What each cell shows: its unpinned nodes, or the most important ones and a cluster.
  const positions = input.positions
  const isPinned = (node: CanvasNode) => {
    const point = positions[node.key]
    return point !== undefined && Number.isFinite(point.x) && Number.isFinite(point.y)
  }
  type Slot = { node: CanvasNode } | { cluster: CanvasNode[] }
  const cellSlots: Slot[][][] = columns.map((column) =>
    column.cells.map((cell) => {
      const free = cell.filter((node) => !isPinned(node))
      if (free.length <= MAX_STACK) return free.map((node) => ({ node }))
      const ranked = [...free].sort(byPriority)
      const shown = ranked.slice(0, MAX_STACK - 1).sort((a, b) => a.time - b.time || (a.key < b.key ? -1 : 1))
      const hidden = ranked.slice(MAX_STACK - 1).sort((a, b) => a.time - b.time || (a.key < b.key ? -1 : 1))
      return [...shown.map((node) => ({ node })), { cluster: hidden }]
    }),
  )

  // Lanes as tall as their fullest cell.
  const lanes: LaneBand[] = []
  let y = AXIS_H
  CANVAS_LANES.forEach((lane, laneIndex) => {
    const rows = Math.max(1, ...cellSlots.map((cells) => cells[laneIndex].length))
    const height = LANE_PAD * 2 + rows * NODE_H + (rows - 1) * ROW_GAP
    lanes.push({ lane, label: LANE_LABELS[lane], y, height })
    y += height
  })
  const plotBottom = y

  const placed: PlacedNode[] = []
  const clusters: PlacedCluster[] = []
  const visibleKey = new Map<string, string>()
  let rangeLeft = Infinity
  let rangeRight = -Infinity
  columns.forEach((column, columnIndex) => {
    CANVAS_LANES.forEach((lane, laneIndex) => {
      cellSlots[columnIndex][laneIndex].forEach((slot, row) => {
        const top = lanes[laneIndex].y + LANE_PAD + row * (NODE_H + ROW_GAP)
        if ('node' in slot) {
          placed.push(place(slot.node, lane, column.x, top, false))
          visibleKey.set(slot.node.key, slot.node.key)
          if (slot.node.inRange) {
            rangeLeft = Math.min(rangeLeft, column.x)
            rangeRight = Math.max(rangeRight, column.x + NODE_W)
          }
          return
        }
        const members = slot.cluster
        const key = `cluster:${lane}:${columnIndex}`
        const inRange = members.some((node) => node.inRange)
        clusters.push({
          key,
          lane,
          x: column.x,
          y: top,
          w: NODE_W,
          h: NODE_H,
          count: members.length,
          from: members[0].time,
          to: members[members.length - 1].time,
          members,
          inRange,
        })
        for (const node of members) visibleKey.set(node.key, key)
        if (inRange) {
          rangeLeft = Math.min(rangeLeft, column.x)
          rangeRight = Math.max(rangeRight, column.x + NODE_W)
        }
      })
      // Pinned nodes of this cell, where they were dropped.
      for (const node of column.cells[laneIndex]) {
        if (!isPinned(node)) continue
        const point = positions[node.key]
        placed.push(place(node, lane, point.x, point.y, true))
        visibleKey.set(node.key, node.key)
      }
    })
  })

  const edges: PlacedEdge[] = []
  const seen = new Set<string>()
  for (const edge of input.edges) {
    const from = visibleKey.get(edge.from)
    const to = visibleKey.get(edge.to)
    if (!from || !to || from === to) continue
    const key = `${edge.kind}|${from}|${to}`
    if (seen.has(key)) continue
    seen.add(key)
    edges.push({ ...edge, from, to, key })
  }

  let width = Math.max(plotRight, plotX + NODE_W + PAD)
  let height = plotBottom + PAD
  for (const node of placed) {
    if (!node.pinned) continue
    width = Math.max(width, node.x + node.w + PAD)
    height = Math.max(height, node.y + node.h + PAD)
  }

  return {
    width,
    height,
    nodes: placed,
    clusters,
    lanes,
    ticks: columns.map((column) => ({ x: column.x, time: column.from })),
    markers,
    range: rangeLeft <= rangeRight ? { x: rangeLeft - COL_GAP / 2, width: rangeRight - rangeLeft + COL_GAP } : null,
    edges,
    plot: { x: plotX, y: AXIS_H, width: width - plotX, height: plotBottom - AXIS_H },
    firstTime: nodes.length ? nodes[0].time : null,
    lastTime: nodes.length ? nodes[nodes.length - 1].time : null,
  }
}

export interface Box {
  x: number
  y: number
  w: number
  h: number
}

/** A box's centre, for drawing edges. */
export function centreOf(box: Box): CanvasPoint {
  return { x: box.x + box.w / 2, y: box.y + box.h / 2 }
}

/** How many boxes a horizontal (or vertical) segment passes through, but the edge's own (`skip`, by identity). */
function crossings(obstacles: readonly Box[], skip: readonly Box[], horizontal: boolean, at: number, from: number, to: number) {
  const low = Math.min(from, to)
  const high = Math.max(from, to)
  let count = 0
  for (const box of obstacles) {
    const across = horizontal ? box.y < at && at < box.y + box.h : box.x < at && at < box.x + box.w
    if (!across) continue
    const along = horizontal ? box.x < high && low < box.x + box.w : box.y < high && low < box.y + box.h
    if (along && box !== skip[0] && box !== skip[1]) count++
  }
  return count
}

/**
 * The SVG path of an edge between two boxes: side to side within a row, top to bottom within a
 * column, else an elbow whose legs pass through as few other boxes as it can (a line that runs
 * behind a box reads as that box's edge).
 */
export function edgePath(from: Box, to: Box, obstacles: readonly Box[] = []): string {
  // \`from\` and \`to\` are expected among the obstacles as the same objects.
  const a = centreOf(from)
  const b = centreOf(to)
  const down = b.y > a.y
  const right = b.x > a.x
  if (Math.abs(b.y - a.y) < from.h / 2) {
    const x1 = right ? from.x + from.w : from.x
    const x2 = right ? to.x : to.x + to.w
    const mid = (x1 + x2) / 2
    return `M${x1} ${a.y}C${mid} ${a.y} ${mid} ${b.y} ${x2} ${b.y}`
  }
  if (Math.abs(b.x - a.x) <= from.w / 2) {
    const y1 = down ? from.y + from.h : from.y
    const y2 = down ? to.y : to.y + to.h
    const mid = (y1 + y2) / 2
    return `M${a.x} ${y1}C${a.x} ${mid} ${b.x} ${mid} ${b.x} ${y2}`
  }
  const [upper, lower] = down ? [from, to] : [to, from]
  const u = centreOf(upper)
  const l = centreOf(lower)
  const ends = [from, to]
  // Only boxes within the rectangle the two boxes span can be in the way.
  const left = Math.min(from.x, to.x)
  const spanRight = Math.max(from.x + from.w, to.x + to.w)
  const near = obstacles.filter((box) => box.x < spanRight && left < box.x + box.w && box.y < lower.y + lower.h && upper.y < box.y + box.h)
  // A: out of the upper box's bottom, along the lower row into the lower box's near side.
  const aSide = u.x < lower.x ? lower.x : lower.x + lower.w
  const costA = crossings(near, ends, false, u.x, upper.y + upper.h, l.y) + crossings(near, ends, true, l.y, u.x, aSide)
  // B: out of the lower box's top, along the upper row into the upper box's near side.
  const bSide = l.x < upper.x ? upper.x : upper.x + upper.w
  const costB = crossings(near, ends, false, l.x, lower.y, u.y) + crossings(near, ends, true, u.y, l.x, bSide)
  const [p, q, r] =
    costB < costA
      ? [
          [l.x, lower.y],
          [l.x, u.y],
          [bSide, u.y],
        ]
      : [
          [u.x, upper.y + upper.h],
          [u.x, l.y],
          [aSide, l.y],
        ]
  // Both elbows are drawn from their vertical end; an edge that starts at the other end is reversed.
  const startsVertical = costB < costA ? !down : down
  return startsVertical ? `M${p[0]} ${p[1]}C${q[0]} ${q[1]} ${q[0]} ${q[1]} ${r[0]} ${r[1]}` : `M${r[0]} ${r[1]}C${q[0]} ${q[1]} ${q[0]} ${q[1]} ${p[0]} ${p[1]}`
}

/** Saved coordinates stay inside this square; the layout grows to show them. */
export const MAX_COORDINATE = 100_000
