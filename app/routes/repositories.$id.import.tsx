import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { actorCan, requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { gitImportOverview, startGitImport, type ImportProgress } from '../connectors/git-import.server'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Section } from '../components/repositories'
import { formatDateTime } from '../utils/format'

// The git import of one repository: start (or retry) it, and watch its progress. The page polls
// while an import is queued or running: with JS by revalidating, without by a meta refresh.
export const access = { loader: 'workspace:read', action: 'repository:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Git import · Inquest' }]

const POLL_MS = 1000

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const overview = await gitImportOverview(params.id ?? '')
  if (!overview) throw new Response('Not found', { status: 404 })
  return { ...overview, canManage: actorCan(actor, 'repository:manage') }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const form = await request.formData()
  if (form.get('intent') !== 'start') return data({ message: `Unknown intent: ${String(form.get('intent'))}` }, { status: 400 })
  const started = await startGitImport(params.id ?? '', auditActorOf(actor))
  if (!started.ok) {
    if (started.status === 404) throw new Response('Not found', { status: 404 })
    return data({ message: started.message }, { status: started.status })
  }
  return redirect(`/repositories/${params.id}/import`)
}

const number = new Intl.NumberFormat('en-GB')

function duration(seconds: number) {
  if (seconds < 1) return 'under a second'
  if (seconds < 90) return `${Math.round(seconds)} s`
  const minutes = Math.round(seconds / 60)
  return minutes < 90 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`
}

const isActive = (progress: ImportProgress | null) => progress?.status === 'queued' || progress?.status === 'running'

export default function ImportPage() {
  const { repository, latest, commits, branches, canManage } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const navigation = useNavigation()
  const revalidator = useRevalidator()
  const revalidatorState = useRef(revalidator.state)
  revalidatorState.current = revalidator.state
  const { revalidate } = revalidator
  const active = isActive(latest)

  useEffect(() => {
    if (!active) return
    // One request at a time, and none while the tab is hidden.
    const timer = setInterval(() => {
      if (revalidatorState.current === 'idle' && document.visibilityState === 'visible') revalidate()
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [active, revalidate])

  const starting = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'start'
  const startLabel = latest?.status === 'failed' ? 'Retry import' : latest?.status === 'succeeded' ? 'Import new commits' : 'Start import'

  return (
    <Section
      title="Git import"
      id="import-heading"
      aside={
        active ? (
          <Link to={`/repositories/${repository.id}/import`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
            Refresh
          </Link>
        ) : null
      }
    >
      {/* Without JS the page reloads itself while the import runs; with JS the effect above polls. */}
      {active ? (
        <noscript>
          <meta httpEquiv="refresh" content="2" />
        </noscript>
      ) : null}
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Reads the history of <code className="font-mono text-xs">{repository.gitPath ?? '(no path)'}</code> on the server: every branch and tag.
        A later import adds only commits that are new since the last one.
      </p>
      <p className="mt-2 text-sm" data-testid="stored">
        Stored now: {number.format(commits)} commits, {number.format(branches)} branches.
      </p>

      {latest ? <ImportStatus progress={latest} /> : <p className="mt-4 text-sm text-zinc-500">This repository has not been imported yet.</p>}
      {actionData?.message ? <Notice tone="error">{actionData.message}</Notice> : null}

      {canManage && !active && repository.gitPath ? (
        <Form method="post" className="mt-4">
          <input type="hidden" name="intent" value="start" />
          <button type="submit" className="btn btn-primary" disabled={starting}>
            {starting ? 'Starting…' : startLabel}
          </button>
        </Form>
      ) : null}
      {!canManage ? <p className="mt-4 text-sm text-zinc-500">Starting an import needs the repository:manage permission (admins).</p> : null}
    </Section>
  )
}

function ImportStatus({ progress }: { progress: ImportProgress }) {
  const { status, done, total } = progress
  const percent = total ? Math.min(100, Math.round((done / total) * 1000) / 10) : status === 'succeeded' ? 100 : 0
  const counting = status === 'running' && total === null
  return (
    <div className="mt-4" data-testid="import-status" data-status={status}>
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span className="font-medium">
          {status === 'queued' && 'Waiting for a worker…'}
          {status === 'running' && (counting ? 'Counting commits…' : `Importing: ${number.format(done)} of ${number.format(total ?? 0)} commits`)}
          {status === 'succeeded' && `Imported ${number.format(done)} new ${done === 1 ? 'commit' : 'commits'}`}
          {status === 'failed' && 'The import failed'}
        </span>
        <span className="text-zinc-500">
          {progress.rate ? `${number.format(Math.round(progress.rate))} commits/s` : null}
          {progress.secondsLeft !== null ? ` · about ${duration(progress.secondsLeft)} left` : null}
          {status === 'succeeded' && progress.startedAt && progress.finishedAt ? ` · took ${duration((progress.finishedAt - progress.startedAt) / 1000)}` : null}
        </span>
      </div>
      <div
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={total ? done : undefined}
        aria-valuetext={total ? `${done} of ${total} commits` : status}
        className="mt-2 h-3 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-500 ${status === 'failed' ? 'bg-red-500' : status === 'succeeded' ? 'bg-emerald-500' : 'bg-indigo-500'} ${status === 'queued' || counting ? 'animate-pulse' : ''}`}
          style={{ width: `${status === 'queued' || counting ? 100 : percent}%`, opacity: status === 'queued' || counting ? 0.35 : 1 }}
        />
      </div>
      {status === 'failed' && progress.error ? (
        <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300">
          {progress.error}
        </p>
      ) : null}
      <p className="mt-2 text-xs text-zinc-500">
        Requested {formatDateTime(progress.createdAt)}
        {progress.finishedAt ? ` · finished ${formatDateTime(progress.finishedAt)}` : null}
      </p>
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
