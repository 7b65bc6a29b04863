import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { actorCan, requirePermission } from '../auth/require.server'
import { listRepositories } from '../connectors/repositories.server'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { ProviderBadge } from '../components/repositories'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'workspace:read' } as const

export const meta: MetaFunction = () => [{ title: 'Repositories · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const repositories = await listRepositories()
  return {
    canManage: actorCan(actor, 'repository:manage'),
    repositories: repositories.map((repository) => ({
      id: repository.id,
      name: repository.name,
      provider: repository.provider,
      source: repository.provider === 'git' ? repository.gitPath : repository.externalName,
      defaultBranch: repository.defaultBranch,
      lastDeliveryAt: repository.lastDeliveryAt,
    })),
  }
}

export default function RepositoriesPage() {
  const { repositories, canManage } = useLoaderData<typeof loader>()
  return (
    <main>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="page-title">Repositories</h1>
          <p className="mt-1 text-zinc-500 dark:text-zinc-400">
            Where commits and CI runs come from: GitHub and GitLab webhooks, or a git repository imported from disk.
          </p>
        </div>
        {canManage ? (
          <Link to="/repositories/new" className="btn btn-primary">
            Register a repository
          </Link>
        ) : null}
      </div>
      <div className="card mt-6 overflow-x-auto">
        <table className="table-dense">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Source</th>
              <th scope="col">Default branch</th>
              <th scope="col">Last delivery</th>
            </tr>
          </thead>
          <tbody>
            {repositories.length === 0 ? (
              <tr>
                <td colSpan={5} className="text-zinc-500">
                  No repositories yet.{canManage ? ' Register one to start receiving commits and CI runs.' : ''}
                </td>
              </tr>
            ) : null}
            {repositories.map((repository) => (
              <tr key={repository.id}>
                <td className="font-medium">
                  <Link to={`/repositories/${repository.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                    {repository.name}
                  </Link>
                </td>
                <td>
                  <ProviderBadge provider={repository.provider} />
                </td>
                <td className="font-mono text-xs">{repository.source ?? '—'}</td>
                <td className="font-mono text-xs">{repository.defaultBranch}</td>
                <td className="whitespace-nowrap">{repository.provider === 'git' ? '—' : formatDateTime(repository.lastDeliveryAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
