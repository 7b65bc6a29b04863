// One box of the canvas: a link to the thing's page, focusable, named by its <title> and described by
// its <desc>; and the cluster box that stands for a crowded cell's hidden nodes.
import { memo } from 'react'
import type { CanvasTone, PlacedCluster, PlacedNode } from '../../investigations/canvas-layout'
import { LANE_LABELS } from '../../investigations/canvas-layout'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (value: number) => String(value).padStart(2, '0')

/** "23 Nov 09:05", in UTC, the same on the server and in every browser (no Intl differences). */
export function shortTime(time: number) {
  const date = new Date(time)
  return `${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}`
}

/** "23 Nov 2026 09:05 UTC" */
export function longTime(time: number) {
  const date = new Date(time)
  return `${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`
}

export const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text)

const BOX_TONES: Record<CanvasTone, string> = {
  neutral: 'fill-white stroke-zinc-300 dark:fill-zinc-900 dark:stroke-zinc-600',
  green: 'fill-green-50 stroke-green-600 dark:fill-green-950 dark:stroke-green-500',
  red: 'fill-red-50 stroke-red-600 dark:fill-red-950 dark:stroke-red-400',
  amber: 'fill-amber-50 stroke-amber-500 dark:fill-amber-950 dark:stroke-amber-400',
  blue: 'fill-sky-50 stroke-sky-600 dark:fill-sky-950 dark:stroke-sky-400',
}

const FOCUS = 'group-hover:stroke-indigo-400 group-focus-visible:stroke-indigo-600 group-focus-visible:[stroke-width:4px] dark:group-focus-visible:stroke-indigo-400'

const KIND_WORDS = { commit: 'commit', run: 'CI run', test: 'test', deploy: 'deploy', note: 'note', link: 'link' } as const

interface NodeProps {
  node: PlacedNode
  x: number
  y: number
  draggable: boolean
}

export const CanvasNodeView = memo(function CanvasNodeView({ node, x, y, draggable }: NodeProps) {
  const strong = node.emphasis === 'strong'
  const dim = node.emphasis === 'dim'
  return (
    <a
      href={node.href}
      rel={node.external ? 'noreferrer' : undefined}
      className={`group outline-none [-webkit-user-drag:none] ${draggable ? 'cursor-grab active:cursor-grabbing' : ''}`}
      data-node-key={node.key}
      data-kind={node.kind}
      data-lane={node.lane}
      data-x={Math.round(x)}
      data-y={Math.round(y)}
      data-pinned={node.pinned ? '' : undefined}
      data-emphasis={node.emphasis}
      data-draggable={draggable ? '' : undefined}
    >
      <title>{node.title}</title>
      <desc>{node.description}</desc>
      <g transform={`translate(${x} ${y})`} opacity={dim ? 0.45 : undefined}>
        {/* Focus shows on the box itself: SVG links draw no outline of their own in every browser. */}
        <rect
          data-node-box=""
          width={node.w}
          height={node.h}
          rx={6}
          className={`${BOX_TONES[node.tone]} ${FOCUS}`}
          strokeWidth={strong ? 3 : 1.25}
          strokeDasharray={dim ? '4 3' : undefined}
        />
        {node.evidence ? <circle cx={node.w - 9} cy={9} r={3.5} className="fill-indigo-500"><title>attached as evidence</title></circle> : null}
        <text x={8} y={16} className={`fill-zinc-900 text-[12px] font-medium dark:fill-zinc-100 ${dim ? 'line-through' : ''}`}>
          {clip(node.label, node.evidence ? 23 : 25)}
        </text>
        <text x={8} y={31} className="fill-zinc-500 text-[10.5px] dark:fill-zinc-400">
          {clip(node.sublabel, 31)}
        </text>
        {node.marker ? (
          <g transform={`translate(${node.w - 64} -8)`} aria-hidden="true">
            <rect width={60} height={14} rx={7} className={node.marker === 'first_red' ? 'fill-red-600' : 'fill-green-600'} />
            <text x={30} y={10.5} textAnchor="middle" className="fill-white text-[9px] font-semibold">
              {node.marker === 'first_red' ? 'first red' : 'last green'}
            </text>
          </g>
        ) : null}
      </g>
    </a>
  )
})

export function CanvasClusterView({ cluster, href }: { cluster: PlacedCluster; href: string }) {
  const kinds = new Set(cluster.members.map((node) => node.kind))
  const what = kinds.size === 1 ? `${KIND_WORDS[cluster.members[0].kind]}${cluster.count === 1 ? '' : 's'}` : LANE_LABELS[cluster.lane].toLowerCase()
  const span = cluster.from === cluster.to ? shortTime(cluster.from) : `${shortTime(cluster.from)} – ${shortTime(cluster.to)}`
  return (
    <a href={href} className="group outline-none [-webkit-user-drag:none]" data-cluster={cluster.key} data-lane={cluster.lane} data-count={cluster.count}>
      <title>{`${cluster.count} more ${what}, ${span}: show this stretch of time`}</title>
      <desc>{`${LANE_LABELS[cluster.lane]} lane. The table below lists each of them.`}</desc>
      <g transform={`translate(${cluster.x} ${cluster.y})`}>
        <rect data-node-box="" width={cluster.w} height={cluster.h} rx={6} className={`fill-zinc-100 stroke-zinc-400 dark:fill-zinc-800 dark:stroke-zinc-500 ${FOCUS}`} strokeDasharray="5 3" />
        <text x={8} y={16} className="fill-zinc-800 text-[12px] font-semibold dark:fill-zinc-100">
          {`+${cluster.count} ${what}`}
        </text>
        <text x={8} y={31} className="fill-zinc-500 text-[10.5px] dark:fill-zinc-400">
          {clip(span, 31)}
        </text>
      </g>
    </a>
  )
}
