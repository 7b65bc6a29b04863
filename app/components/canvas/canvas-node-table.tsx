// The canvas as a table: every node (clustered ones too), lane by lane in time order, each a link to
// its page. The text alternative for screen readers, and a list for anyone who prefers one.
import { CANVAS_LANES, LANE_LABELS, LANE_OF_KIND, type CanvasLayout, type CanvasNode } from '../../investigations/canvas-layout'
import { longTime } from './canvas-node'

const LANE_ORDER = Object.fromEntries(CANVAS_LANES.map((lane, index) => [lane, index])) as Record<string, number>

export function allNodesOf(layout: CanvasLayout): CanvasNode[] {
  const decorated: Array<{ node: CanvasNode; lane: number }> = []
  for (const node of layout.nodes) decorated.push({ node, lane: LANE_ORDER[LANE_OF_KIND[node.kind]] })
  for (const cluster of layout.clusters) for (const node of cluster.members) decorated.push({ node, lane: LANE_ORDER[LANE_OF_KIND[node.kind]] })
  decorated.sort((a, b) => a.lane - b.lane || a.node.time - b.node.time || (a.node.key < b.node.key ? -1 : 1))
  return decorated.map((item) => item.node)
}

export function CanvasNodeTable({ layout, open }: { layout: CanvasLayout; open: boolean }) {
  const nodes = allNodesOf(layout)
  return (
    <details className="card mt-4" open={open} id="canvas-nodes">
      <summary className="cursor-pointer px-4 py-2 text-sm font-semibold">All {nodes.length} nodes as a table</summary>
      <table className="table-dense" aria-label="Canvas nodes">
        <thead>
          <tr>
            <th scope="col">Lane</th>
            <th scope="col">When</th>
            <th scope="col">Node</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <tr key={node.key} data-node-row={node.key}>
              <td className="whitespace-nowrap text-zinc-500">{LANE_LABELS[LANE_OF_KIND[node.kind]]}</td>
              <td className="whitespace-nowrap text-zinc-500">{longTime(node.time)}</td>
              <td>
                <a href={node.href} rel={node.external ? 'noreferrer' : undefined} className="text-indigo-600 hover:underline dark:text-indigo-400">
                  {node.title}
                </a>
              </td>
              <td className="text-zinc-600 dark:text-zinc-400">{node.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  )
}
