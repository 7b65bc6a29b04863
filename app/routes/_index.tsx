import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { actorCan, requirePermission } from '../auth/require.server'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { StatusPill } from '../components/investigation-status'
import { Sha, Since } from '../components/linker'
import { getDashboard } from '../workspace/dashboard.server'

// Home: what I am working on, what is red now, what flaked lately, and what changed on what I follow.
export const access = { loader: 'workspace:read' } as const

export const meta: MetaFunction = () => [{ title: 'Dashboard · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const dashboard = await getDashboard(actor.user.id)
  return { name: actor.user.name, ...dashboard, canWrite: actorCan(actor, 'investigation:write'), now: Date.now() }
}

const link = 'text-indigo-600 hover:underline dark:text-indigo-400'

export default function Dashboard() {
  const { name, myOpen, redBranches, redCount, flakyTests, activity, canWrite, now } = useLoaderData<typeof loader>()
  return (
    <main>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="page-title">Dashboard</h1>
          <p className="mt-1 text-zinc-500 dark:text-zinc-400">Welcome back, {name}.</p>
        </div>
        {canWrite ? (
          <Link to="/investigations/new" className="btn btn-primary">
            New investigation
          </Link>
        ) : null}
      </div>

      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <Section id="mine" title="My open investigations" more={{ to: '/investigations?owner=me', label: 'All mine' }}>
          {myOpen.length === 0 ? (
            <Empty>Nothing open that you own or watch.</Empty>
          ) : (
            <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {myOpen.map((item) => (
                <li key={item.id} className="flex flex-wrap items-baseline gap-x-2 gap-y-1 px-4 py-2 text-sm">
                  <Link
                    to={`/investigations/${item.id}`}
                    className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                  >
                    {item.title}
                  </Link>
                  <StatusPill status={item.status} />
                  <span
                    className={
                      item.severity === 'sev1'
                        ? 'text-xs font-semibold text-red-700 dark:text-red-300'
                        : 'text-xs text-zinc-500'
                    }
                  >
                    {item.severity}
                  </span>
                  <span className="ml-auto text-xs text-zinc-500">
                    {item.mine ? 'yours' : `watching · ${item.ownerName ?? 'no owner'}`} ·{' '}
                    <Since at={item.updatedAt} now={now} /> ago
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Section>

        <Section id="activity" title="Recent activity on what you watch">
          {activity.length === 0 ? (
            <Empty>No activity yet on investigations you own or watch.</Empty>
          ) : (
            <ol className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {activity.map((line) => (
                <li key={line.id} className="px-4 py-2 text-sm">
                  {line.before}{' '}
                  <Link to={`/investigations/${line.investigationId}`} className={link}>
                    {line.title}
                  </Link>
                  {line.after}
                  <span className="ml-2 whitespace-nowrap text-xs text-zinc-500">
                    <Since at={line.at} now={now} /> ago
                  </span>
                </li>
              ))}
            </ol>
          )}
        </Section>
      </div>

      <Section
        id="red"
        title={`Red now (${redCount})`}
        more={{ to: '/branches', label: 'All red branches' }}
        className="mt-6"
      >
        <div className="overflow-x-auto">
          <table className="table-dense">
            <thead>
              <tr>
                <th scope="col">Branch</th>
                <th scope="col">Workflow</th>
                <th scope="col">Red since</th>
                <th scope="col">First red commit</th>
                <th scope="col">Suspects</th>
                <th scope="col">
                  <span className="sr-only">Investigation</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {redBranches.length === 0 ? (
                <tr>
                  <td colSpan={6} className="text-zinc-500">
                    Nothing is red. 🎉
                  </td>
                </tr>
              ) : null}
              {redBranches.map((branch) => (
                <tr key={branch.episodeId}>
                  <td>
                    <span className="text-xs text-zinc-500">{branch.repository} / </span>
                    <span className="font-mono text-xs">{branch.branch}</span>
                  </td>
                  <td>
                    <Link to={`/episodes/${branch.episodeId}`} className={link}>
                      {branch.workflow}
                    </Link>
                  </td>
                  <td className="whitespace-nowrap">
                    <Since at={branch.redSince} now={now} />
                  </td>
                  <td className="max-w-xs truncate">
                    <Sha sha={branch.firstRedSha} /> {branch.firstRedSubject}
                  </td>
                  <td className="tabular-nums">{branch.suspects}</td>
                  <td className="whitespace-nowrap text-right">
                    {branch.investigationId ? (
                      <Link to={`/investigations/${branch.investigationId}`} className={link}>
                        Investigation #{branch.investigationId}
                      </Link>
                    ) : canWrite ? (
                      <Link to={`/investigations/new?episode=${branch.episodeId}`} className="btn">
                        Investigate
                        <span className="sr-only"> {`${branch.repository} ${branch.branch} ${branch.workflow}`}</span>
                      </Link>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <Section
        id="flaky"
        title="Newest flaky tests"
        more={{ to: '/flaky-tests?sort=last-seen', label: 'All flaky tests' }}
        className="mt-6"
      >
        {flakyTests.length === 0 ? (
          <Empty>No test has flaked.</Empty>
        ) : (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {flakyTests.map((test) => (
              <li key={test.id} className="flex flex-wrap items-baseline gap-x-2 px-4 py-2 text-sm">
                <Link
                  to={`/flaky-tests?repository=${encodeURIComponent(test.repositoryId)}&sort=last-seen`}
                  className={link}
                >
                  <span className="text-zinc-500">{test.scope} › </span>
                  {test.name}
                </Link>
                <span className="text-xs text-zinc-500">{test.repository}</span>
                <span className="ml-auto text-xs text-zinc-500">
                  flaked <Since at={test.lastFlakyAt} now={now} /> ago
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <p className="mt-8 text-sm text-zinc-500">
        Manage your{' '}
        <Link className={link} to="/settings/sessions">
          sessions
        </Link>{' '}
        and{' '}
        <Link className={link} to="/settings/tokens">
          API tokens
        </Link>
        .
      </p>
    </main>
  )
}

function Section({
  id,
  title,
  more,
  className = '',
  children,
}: {
  id: string
  title: string
  more?: { to: string; label: string }
  className?: string
  children: ReactNode
}) {
  return (
    <section aria-labelledby={`${id}-heading`} className={`card ${className}`}>
      <div className="flex items-baseline justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <h2 id={`${id}-heading`} className="text-sm font-semibold">
          {title}
        </h2>
        {more ? (
          <Link to={more.to} className={`text-xs ${link}`}>
            {more.label}
          </Link>
        ) : null}
      </div>
      {children}
    </section>
  )
}

function Empty({ children }: { children: ReactNode }) {
  return <p className="px-4 py-3 text-sm text-zinc-500">{children}</p>
}


export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
