import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useFetcher, useLoaderData, type ShouldRevalidateFunction } from '@remix-run/react'
import { useCallback } from 'react'
import { z } from 'zod'
import { actorCan, requirePermission } from '../auth/require.server'
import { InvestigationCanvas } from '../components/canvas/investigation-canvas'
import { CanvasNodeTable } from '../components/canvas/canvas-node-table'
import { longTime } from '../components/canvas/canvas-node'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { layoutCanvas, MAX_COORDINATE, NODE_KEY_PATTERN, type CanvasPoint } from '../investigations/canvas-layout'
import { loadCanvas, resetCanvasPositions, saveCanvasPosition } from '../investigations/canvas.server'
import { idParam } from '../linker/api.server'

// The investigation laid out on a time axis (not nested in the investigation page: `$id_`).
export const access = { loader: 'workspace:read', action: 'investigation:write' } as const

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Canvas · ${data.investigation.title} · Inquest` : 'Canvas · Inquest' },
]

const coordinate = (axis: string) =>
  z
    .number({ required_error: `Give ${axis}`, invalid_type_error: `${axis} must be a number` })
    .finite()
    .min(0, `${axis} must be 0 or more`)
    .max(MAX_COORDINATE, `${axis} must be at most ${MAX_COORDINATE}`)

export const moveSchema = z.object({
  intent: z.literal('move'),
  nodeKey: z.string({ required_error: 'Which node?' }).max(80).regex(NODE_KEY_PATTERN, 'Not a canvas node'),
  x: coordinate('x'),
  y: coordinate('y'),
})

const timeParam = (value: string | null) => (value && /^\d{1,15}$/.test(value) ? Number(value) : null)

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const id = idParam(params.id)
  const url = new URL(request.url)
  const window = { from: timeParam(url.searchParams.get('from')), to: timeParam(url.searchParams.get('to')) }
  const canvas = id === null ? null : await loadCanvas(id, window)
  if (!canvas) throw new Response('Not found', { status: 404, statusText: 'Not Found' })
  const layout = layoutCanvas(canvas)
  return {
    investigation: canvas.investigation,
    layout,
    omitted: canvas.omitted,
    window,
    pinned: Object.keys(canvas.positions).length,
    canMove: actorCan(actor, 'investigation:write'),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const id = idParam(params.id)
  if (id === null) throw new Response('Not found', { status: 404, statusText: 'Not Found' })
  const formData = await request.formData()
  const intent = formData.get('intent')
  if (intent === 'move') {
    const submission = parseWithZod(formData, { schema: moveSchema })
    if (submission.status !== 'success') return data({ ok: false, result: submission.reply() }, { status: 400 })
    const { nodeKey, x, y } = submission.value
    const outcome = await saveCanvasPosition(id, nodeKey, { x, y }, actor.user.id)
    if (!outcome.ok) throw new Response('Not found', { status: 404, statusText: 'Not Found' })
    return { ok: true, result: submission.reply() }
  }
  if (intent === 'reset') {
    const outcome = await resetCanvasPositions(id)
    if (!outcome.ok) throw new Response('Not found', { status: 404, statusText: 'Not Found' })
    return { ok: true, result: null }
  }
  return data({ ok: false, result: null }, { status: 400 })
}

// A drag saves one position that this page already shows: nothing to load again.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get('intent') === 'move' ? false : defaultShouldRevalidate

export default function InvestigationCanvasPage() {
  const { investigation, layout, omitted, window, pinned, canMove } = useLoaderData<typeof loader>()
  const mover = useFetcher<typeof action>()
  const submit = mover.submit
  const onMove = useCallback(
    (nodeKey: string, point: CanvasPoint) => submit({ intent: 'move', nodeKey, x: String(point.x), y: String(point.y) }, { method: 'post' }),
    [submit],
  )
  const base = `/investigations/${investigation.id}/canvas`
  const clusterHref = useCallback((from: number, to: number) => `${base}?from=${from}&to=${to}`, [base])
  const nodeCount = layout.nodes.length + layout.clusters.reduce((sum, cluster) => sum + cluster.count, 0)
  const windowed = window.from !== null || window.to !== null
  return (
    <main>
      <p className="text-sm text-zinc-500">
        <Link to="/investigations" className="hover:underline">
          Investigations
        </Link>{' '}
        ›{' '}
        <Link to={`/investigations/${investigation.id}`} className="hover:underline">
          #{investigation.id} {investigation.title}
        </Link>{' '}
        › Canvas
      </p>
      <div className="mt-1 flex flex-wrap items-baseline gap-3">
        <h1 className="page-title">Canvas: {investigation.title}</h1>
        <span className="text-sm text-zinc-500">
          {investigation.repository ?? 'no repository'}
          {investigation.branch ? ` · ${investigation.branch}` : ''}
          {investigation.workflow ? ` · ${investigation.workflow}` : ''} · {nodeCount} node{nodeCount === 1 ? '' : 's'}
        </span>
      </div>
      <Legend />
      {windowed ? (
        <p className="mt-2 text-sm">
          Showing {window.from !== null ? longTime(window.from) : 'the start'} to {window.to !== null ? longTime(window.to) : 'now'}
          {omitted.outsideWindow ? ` (${omitted.outsideWindow} nodes outside)` : ''}.{' '}
          <Link to={base} className="text-indigo-600 hover:underline dark:text-indigo-400">
            Show everything
          </Link>
        </p>
      ) : null}
      {omitted.rangeCommits ? (
        <p className="mt-2 text-xs text-amber-700 dark:text-amber-300">The suspect range is long: its {omitted.rangeCommits} oldest commits are not drawn.</p>
      ) : null}
      {mover.data && !mover.data.ok ? (
        <p role="alert" className="mt-2 text-sm text-red-600 dark:text-red-400">
          That position could not be saved.
        </p>
      ) : null}
      <div className="mt-3">
        <InvestigationCanvas
          layout={layout}
          title={`Canvas of investigation #${investigation.id}: ${investigation.title}`}
          canMove={canMove}
          onMove={onMove}
          clusterHref={clusterHref}
        />
      </div>
      {canMove && pinned > 0 ? (
        <Form method="post" className="mt-2 flex items-center gap-2 text-xs text-zinc-500">
          <input type="hidden" name="intent" value="reset" />
          {pinned} node{pinned === 1 ? ' was' : 's were'} moved by hand.
          <button type="submit" className="btn">
            Put every node back
          </button>
        </Form>
      ) : null}
      <CanvasNodeTable layout={layout} open={nodeCount <= 40} />
    </main>
  )
}

function Legend() {
  const item = (swatch: string, words: string) => (
    <li className="flex items-center gap-1.5">
      <span aria-hidden="true" className={`inline-block h-3 w-4 rounded-sm border ${swatch}`} />
      {words}
    </li>
  )
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400" aria-label="Legend">
      {item('border-green-600 bg-green-50 dark:bg-green-950', 'green run / last green')}
      {item('border-red-600 bg-red-50 dark:bg-red-950', 'red run, failing test, accepted suspect (thick border)')}
      {item('border-amber-500 bg-amber-50 dark:bg-amber-950', 'suspect, flaky test')}
      {item('border-dashed border-zinc-400 opacity-50', 'rejected suspect (dimmed)')}
      {item('border-transparent bg-amber-200/60 dark:bg-amber-500/20', 'suspect range')}
      {item('border-sky-600 bg-sky-50 dark:bg-sky-950', 'deploy')}
      <li className="flex items-center gap-1.5">
        <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full bg-indigo-500" />
        attached as evidence
      </li>
    </ul>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
