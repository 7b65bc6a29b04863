// The investigation canvas: an SVG drawn on the server from the layout (lanes, time axis, the last
// green and first red markers, the shaded suspect range, edges, and one link per node), complete
// without JavaScript. Once hydrated it adds pan and zoom (wheel, dragging the background, buttons)
// and, for those who may, dragging a node (or Shift + arrow keys on a focused node) to move it for
// everyone: `onMove` saves the spot.
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react'
import { edgePath, type Box, type CanvasLayout, type CanvasPoint, type PlacedEdge } from '../../investigations/canvas-layout'
import { CanvasClusterView, CanvasNodeView, shortTime, longTime } from './canvas-node'

interface Props {
  layout: CanvasLayout
  /** Names the canvas for assistive technology. */
  title: string
  /** May drag nodes (engineers). */
  canMove: boolean
  onMove?: (nodeKey: string, point: CanvasPoint) => void
  /** Where a cluster leads: the canvas narrowed to its stretch of time. */
  clusterHref: (from: number, to: number) => string
}

interface View {
  x: number
  y: number
  scale: number
}

type Gesture =
  | { kind: 'pan'; pointerId: number; startX: number; startY: number; view: View; moved: boolean }
  | { kind: 'node'; pointerId: number; startX: number; startY: number; key: string; origin: CanvasPoint; moved: boolean }

const MIN_SCALE = 0.1
const MAX_SCALE = 3
const DRAG_THRESHOLD = 4
const KEY_STEP = 16
const clampScale = (scale: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale))

const EDGE_TONES: Record<PlacedEdge['kind'], string> = {
  link: 'stroke-zinc-400 dark:stroke-zinc-500',
  suspect: 'stroke-amber-500 dark:stroke-amber-400',
  failure: 'stroke-red-500 dark:stroke-red-400',
}

export function InvestigationCanvas({ layout, title, canMove, onMove, clusterHref }: Props) {
  const svgRef = useRef<SVGSVGElement>(null)
  const frameRef = useRef<HTMLDivElement>(null)
  const gesture = useRef<Gesture | null>(null)
  const suppressClick = useRef(false)
  const keySave = useRef<ReturnType<typeof setTimeout> | null>(null)
  const [interactive, setInteractive] = useState(false)
  const [size, setSize] = useState({ w: 0, h: 0 })
  const [view, setView] = useState<View>({ x: 0, y: 0, scale: 1 })
  const [moved, setMoved] = useState<Record<string, CanvasPoint>>({})
  const draggable = interactive && canMove

  // A new layout from the server (a reset, another window) replaces local moves.
  useEffect(() => setMoved({}), [layout])

  // JavaScript is here: switch from the scrollable full-size drawing to a pan-and-zoom viewport.
  useEffect(() => {
    const frame = frameRef.current
    if (!frame) return
    setInteractive(true)
    const measure = () => {
      const rect = frame.getBoundingClientRect()
      setSize({ w: rect.width, h: rect.height })
    }
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(frame)
    return () => observer.disconnect()
  }, [])

  // Start with the whole width in view when it fits at a readable size, else at 100% from the left.
  const fitted = useRef(false)
  useEffect(() => {
    if (!interactive || fitted.current || size.w === 0) return
    fitted.current = true
    const scale = clampScale(Math.min(1, size.w / layout.width))
    setView({ x: 0, y: 0, scale: scale < 0.6 ? 1 : scale })
  }, [interactive, size.w, layout.width])

  const zoomAt = useCallback((factor: number, clientX?: number, clientY?: number) => {
    const svg = svgRef.current
    if (!svg) return
    const rect = svg.getBoundingClientRect()
    const px = clientX === undefined ? rect.width / 2 : clientX - rect.left
    const py = clientY === undefined ? rect.height / 2 : clientY - rect.top
    setView((current) => {
      const scale = clampScale(current.scale * factor)
      const worldX = current.x + px / current.scale
      const worldY = current.y + py / current.scale
      return { scale, x: worldX - px / scale, y: worldY - py / scale }
    })
  }, [])

  // Wheel zooms around the pointer; React's wheel listener is passive, so this one is added by hand.
  useEffect(() => {
    const svg = svgRef.current
    if (!svg || !interactive) return
    const onWheel = (event: WheelEvent) => {
      event.preventDefault()
      const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY
      zoomAt(Math.exp(-delta * 0.0015), event.clientX, event.clientY)
    }
    svg.addEventListener('wheel', onWheel, { passive: false })
    return () => svg.removeEventListener('wheel', onWheel)
  }, [interactive, zoomAt])

  useEffect(() => () => {
    if (keySave.current) clearTimeout(keySave.current)
  }, [])

  const placedByKey = useMemo(() => new Map(layout.nodes.map((node) => [node.key, node])), [layout])
  const positionOf = useCallback((key: string): CanvasPoint | undefined => moved[key] ?? placedByKey.get(key), [moved, placedByKey])

  const onPointerDown = (event: PointerEvent<SVGSVGElement>) => {
    if (!interactive || event.button !== 0) return
    const target = (event.target as Element).closest('[data-node-key], [data-cluster]')
    if (target) {
      const key = target.getAttribute('data-node-key')
      if (!draggable || !key) return
      const origin = positionOf(key)
      if (!origin) return
      event.preventDefault()
      gesture.current = { kind: 'node', pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, key, origin: { x: origin.x, y: origin.y }, moved: false }
      return
    }
    event.preventDefault()
    gesture.current = { kind: 'pan', pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, view, moved: false }
  }

  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    const current = gesture.current
    if (!current || current.pointerId !== event.pointerId) return
    const dx = event.clientX - current.startX
    const dy = event.clientY - current.startY
    if (!current.moved) {
      if (Math.hypot(dx, dy) < DRAG_THRESHOLD) return
      current.moved = true
      // Captured only once it is a drag: a plain click must still reach the link.
      svgRef.current?.setPointerCapture(event.pointerId)
    }
    if (current.kind === 'pan') {
      setView({ ...current.view, x: current.view.x - dx / current.view.scale, y: current.view.y - dy / current.view.scale })
    } else {
      const point = { x: Math.max(0, current.origin.x + dx / view.scale), y: Math.max(0, current.origin.y + dy / view.scale) }
      setMoved((all) => ({ ...all, [current.key]: point }))
    }
  }

  const endGesture = (event: PointerEvent<SVGSVGElement>, cancelled: boolean) => {
    const current = gesture.current
    if (!current || current.pointerId !== event.pointerId) return
    gesture.current = null
    if (!current.moved) return
    suppressClick.current = true
    setTimeout(() => (suppressClick.current = false), 0)
    if (current.kind !== 'node') return
    if (cancelled) {
      setMoved((all) => ({ ...all, [current.key]: current.origin }))
      return
    }
    const point = {
      x: Math.round(Math.max(0, current.origin.x + (event.clientX - current.startX) / view.scale)),
      y: Math.round(Math.max(0, current.origin.y + (event.clientY - current.startY) / view.scale)),
    }
    setMoved((all) => ({ ...all, [current.key]: point }))
    onMove?.(current.key, point)
  }

  // Shift + arrow keys move the focused node (Alt + arrow is the browser's back and forward), saved once the keys rest.
  const onKeyDown = (event: KeyboardEvent<SVGSVGElement>) => {
    if (!draggable || !event.shiftKey) return
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key]
    const key = (event.target as Element).closest('[data-node-key]')?.getAttribute('data-node-key')
    if (!step || !key) return
    const origin = positionOf(key)
    if (!origin) return
    event.preventDefault()
    const point = { x: Math.max(0, origin.x + step[0] * KEY_STEP), y: Math.max(0, origin.y + step[1] * KEY_STEP) }
    setMoved((all) => ({ ...all, [key]: point }))
    if (keySave.current) clearTimeout(keySave.current)
    keySave.current = setTimeout(() => onMove?.(key, point), 400)
  }

  // Every box where it is now (moved ones included): edges end on them and route around them.
  const boxes = new Map<string, Box>()
  for (const node of layout.nodes) {
    const point = moved[node.key]
    boxes.set(node.key, point ? { x: point.x, y: point.y, w: node.w, h: node.h } : node)
  }
  for (const cluster of layout.clusters) boxes.set(cluster.key, cluster)
  const obstacles = [...boxes.values()]

  const extentW = Math.max(layout.width, ...Object.values(moved).map((point) => point.x + 200))
  const extentH = Math.max(layout.height, ...Object.values(moved).map((point) => point.y + 60))
  const viewBox = interactive && size.w > 0 ? `${view.x} ${view.y} ${size.w / view.scale} ${size.h / view.scale}` : `0 0 ${extentW} ${extentH}`
  const plotBottom = layout.plot.y + layout.plot.height
  const nodeCount = layout.nodes.length + layout.clusters.reduce((sum, cluster) => sum + cluster.count, 0)
  const markerWords = layout.markers.map((marker) => `${marker.kind === 'last_green' ? 'last green' : 'first red'} at ${longTime(marker.time)}`)
  const summary =
    `${nodeCount} nodes in lanes for commits, CI runs, tests, deploys and notes` +
    (layout.firstTime !== null && layout.lastTime !== null ? `, from ${longTime(layout.firstTime)} to ${longTime(layout.lastTime)}` : '') +
    (markerWords.length ? `; ${markerWords.join(', ')}` : '') +
    (layout.range ? '; the suspect range is shaded' : '') +
    (layout.clusters.length ? `; ${layout.clusters.length} crowded groups are collapsed into clusters` : '') +
    '. Every node is a link; the table below lists them all.'

  return (
    <div>
      {interactive ? (
        <div className="mb-2 flex flex-wrap items-center gap-2" role="toolbar" aria-label="Canvas view">
          <button type="button" className="btn" onClick={() => zoomAt(1.25)} aria-label="Zoom in">
            +
          </button>
          <button type="button" className="btn" onClick={() => zoomAt(0.8)} aria-label="Zoom out">
            −
          </button>
          <button type="button" className="btn" onClick={() => setView({ x: 0, y: 0, scale: clampScale(Math.min(size.w / extentW, size.h / extentH)) })}>
            Fit
          </button>
          <button type="button" className="btn" onClick={() => setView({ x: 0, y: 0, scale: 1 })}>
            100%
          </button>
          <span className="text-xs text-zinc-500" aria-live="polite">
            {Math.round(view.scale * 100)}% · wheel to zoom, drag the background to pan
            {canMove ? ', drag a node (or Shift + arrow keys) to move it for everyone' : ''}
          </span>
        </div>
      ) : null}
      <div
        ref={frameRef}
        className={`card relative ${interactive ? 'overflow-hidden' : 'overflow-auto'}`}
        style={interactive ? { height: `min(${Math.max(320, Math.ceil(layout.height) + 2)}px, 75vh)` } : { maxHeight: '75vh' }}
        data-canvas-frame=""
        data-interactive={interactive ? '' : undefined}
      >
        <svg
          ref={svgRef}
          role="group"
          aria-labelledby="canvas-title"
          aria-describedby="canvas-desc"
          xmlns="http://www.w3.org/2000/svg"
          width={interactive ? '100%' : extentW}
          height={interactive ? '100%' : extentH}
          viewBox={viewBox}
          preserveAspectRatio="xMinYMin meet"
          className={`block select-none font-sans ${interactive ? 'touch-none cursor-move' : ''}`}
          data-canvas=""
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={(event) => endGesture(event, false)}
          onPointerCancel={(event) => endGesture(event, true)}
          onClickCapture={(event) => {
            if (!suppressClick.current) return
            event.preventDefault()
            event.stopPropagation()
          }}
          onDragStart={(event) => event.preventDefault()}
          onKeyDown={onKeyDown}
        >
          <title id="canvas-title">{title}</title>
          <desc id="canvas-desc">{summary}</desc>
          <defs>
            <marker id="canvas-arrow" viewBox="0 0 8 8" refX={7} refY={4} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
              <path d="M0 0L8 4L0 8z" className="fill-zinc-400 dark:fill-zinc-500" />
            </marker>
          </defs>

          <g aria-hidden="true">
            {layout.lanes.map((lane, index) => (
              <g key={lane.lane} data-lane-band={lane.lane}>
                <rect x={0} y={lane.y} width={extentW} height={lane.height} className={index % 2 ? 'fill-zinc-50 dark:fill-zinc-900/60' : 'fill-white dark:fill-zinc-900'} />
                <line x1={0} x2={extentW} y1={lane.y} y2={lane.y} className="stroke-zinc-200 dark:stroke-zinc-800" />
                <text x={16} y={lane.y + 24} className="fill-zinc-600 text-[12px] font-semibold dark:fill-zinc-300">
                  {lane.label}
                </text>
              </g>
            ))}
            {layout.range ? (
              <g data-range="">
                <rect x={layout.range.x} y={layout.plot.y} width={layout.range.width} height={layout.plot.height} className="fill-amber-200/40 dark:fill-amber-500/15" />
                <text x={layout.range.x + 6} y={layout.plot.y - 6} className="fill-amber-700 text-[11px] font-semibold dark:fill-amber-300">
                  suspect range
                </text>
              </g>
            ) : null}
            {layout.ticks.map((tick) => (
              <g key={tick.x}>
                <line x1={tick.x} x2={tick.x} y1={layout.plot.y - 4} y2={layout.plot.y} className="stroke-zinc-400" />
                <text x={tick.x} y={layout.plot.y - 24} className="fill-zinc-500 text-[10.5px] dark:fill-zinc-400">
                  {shortTime(tick.time)}
                </text>
              </g>
            ))}
          </g>

          {layout.markers.map((marker) => (
            <g key={marker.kind} data-marker={marker.kind}>
              <title>{`${marker.kind === 'last_green' ? 'Last green' : 'First red'}: ${longTime(marker.time)}`}</title>
              <line
                x1={marker.x}
                x2={marker.x}
                y1={layout.plot.y - 12}
                y2={plotBottom}
                strokeWidth={2}
                strokeDasharray="6 4"
                className={marker.kind === 'first_red' ? 'stroke-red-600 dark:stroke-red-400' : 'stroke-green-600 dark:stroke-green-400'}
              />
              <text
                x={marker.x}
                y={layout.plot.y - 14}
                textAnchor="middle"
                className={`text-[11px] font-semibold ${marker.kind === 'first_red' ? 'fill-red-700 dark:fill-red-300' : 'fill-green-700 dark:fill-green-300'}`}
              >
                {marker.kind === 'first_red' ? 'First red' : 'Last green'}
              </text>
            </g>
          ))}

          <g aria-hidden="true" fill="none">
            {layout.edges.map((edge) => {
              const from = boxes.get(edge.from)
              const to = boxes.get(edge.to)
              if (!from || !to) return null
              return (
                <path
                  key={edge.key}
                  d={edgePath(from, to, obstacles)}
                  data-edge={edge.kind}
                  className={EDGE_TONES[edge.kind]}
                  strokeWidth={edge.kind === 'link' ? 1 : 1.5}
                  strokeDasharray={edge.dim ? '3 3' : edge.kind === 'suspect' ? '6 3' : undefined}
                  opacity={edge.dim ? 0.35 : 0.9}
                  markerEnd="url(#canvas-arrow)"
                />
              )
            })}
          </g>

          {layout.clusters.map((cluster) => (
            <CanvasClusterView key={cluster.key} cluster={cluster} href={clusterHref(cluster.from, cluster.to)} />
          ))}
          {layout.nodes.map((node) => {
            const point = moved[node.key] ?? node
            return <CanvasNodeView key={node.key} node={node} x={point.x} y={point.y} draggable={draggable} />
          })}
        </svg>
      </div>
    </div>
  )
}
