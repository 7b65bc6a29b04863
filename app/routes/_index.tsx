import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { requirePermission } from '../auth/require.server'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { getWorkspaceSummary } from '../workspace/summary.server'

export const access = { loader: 'workspace:read' } as const

export const meta: MetaFunction = () => [{ title: 'Dashboard · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  return { name: actor.user.name, summary: await getWorkspaceSummary() }
}

export default function Dashboard() {
  const { name, summary } = useLoaderData<typeof loader>()
  return (
    <main>
      <h1 className="page-title">Dashboard</h1>
      <p className="mt-1 text-zinc-500">Welcome back, {name}.</p>
      <section aria-labelledby="workspace-heading" className="mt-6 grid gap-4 sm:grid-cols-3">
        <h2 id="workspace-heading" className="sr-only">
          Workspace
        </h2>
        <Stat label="People" value={summary.users} />
        <Stat label="Active sessions" value={summary.activeSessions} />
        <Stat label="Audit events today" value={summary.auditEventsToday} />
      </section>
      <p className="mt-8 text-zinc-500">
        Manage your <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to="/settings/sessions">sessions</Link>{' '}
        and <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to="/settings/tokens">API tokens</Link>.
      </p>
    </main>
  )
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="card p-4">
      <p className="text-xs font-medium uppercase tracking-wide text-zinc-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
