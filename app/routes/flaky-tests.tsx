import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { requirePermission } from '../auth/require.server'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { RepositorySelect } from '../components/forms/repository-select'
import { Sha } from '../components/linker'
import { listRepositoryNames } from '../linker/branches.server'
import { FLAKE_WINDOW_MS, FLAKY_SORTS, flakeEvidence, listFlakyTests, type FlakySort } from '../linker/flaky.server'
import { formatDateTime } from '../utils/format'

// Tests that passed and failed on the same commit, by flake rate over the window or by when they
// last flaked, with the commits and runs behind each.
export const access = { loader: 'workspace:read' } as const

export const meta: MetaFunction = () => [{ title: 'Flaky tests · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  const url = new URL(request.url)
  const repositoryId = url.searchParams.get('repository') || null
  const sortParam = url.searchParams.get('sort')
  const sort: FlakySort = FLAKY_SORTS.includes(sortParam as FlakySort) ? (sortParam as FlakySort) : 'rate'
  const includeStale = url.searchParams.get('stale') === '1'
  const [tests, repositories] = await Promise.all([listFlakyTests({ repositoryId, sort, includeStale, limit: 200 }), listRepositoryNames()])
  const evidence = await flakeEvidence(tests, 3)
  return {
    tests: tests.map((test) => ({ ...test, flakes: evidence.get(test.id) ?? [] })),
    repositories,
    repositoryId,
    sort,
    includeStale,
    windowDays: Math.round(FLAKE_WINDOW_MS / 86_400_000),
  }
}

export default function FlakyTestsPage() {
  const { tests, repositories, repositoryId, sort, includeStale, windowDays } = useLoaderData<typeof loader>()
  return (
    <main>
      <h1 className="page-title">Flaky tests</h1>
      <p className="mt-1 text-zinc-500 dark:text-zinc-400">
        A test is flaky when it both passed and failed on one commit (across attempts, jobs or workflows). The rate is the share of the commits it ran on in the
        last {windowDays} days where it flaked. A red run that failed only known-flaky tests is marked likely flaky and does not make its branch red.
      </p>
      <Form method="get" className="mt-4 flex flex-wrap items-end gap-3">
        <div>
          <label className="label" htmlFor="repository">
            Repository
          </label>
          <RepositorySelect repositories={repositories} selected={repositoryId} anyLabel="All" />
        </div>
        <div>
          <label className="label" htmlFor="sort">
            Order by
          </label>
          <select id="sort" name="sort" defaultValue={sort} className="input mt-1 w-auto">
            <option value="rate">flake rate</option>
            <option value="last-seen">last flaked</option>
          </select>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="stale" value="1" defaultChecked={includeStale} /> include tests that have not flaked in {windowDays} days
        </label>
        <button type="submit" className="btn">
          Show
        </button>
      </Form>
      <div className="card mt-4 overflow-x-auto">
        <table className="table-dense">
          <thead>
            <tr>
              <th scope="col">Test</th>
              <th scope="col">Rate</th>
              <th scope="col">Flaked on</th>
              <th scope="col">Last flaked</th>
              <th scope="col">Runs behind it</th>
            </tr>
          </thead>
          <tbody>
            {tests.length === 0 ? (
              <tr>
                <td colSpan={5} className="text-zinc-500">
                  No flaky tests{includeStale ? '' : ` in the last ${windowDays} days`}.
                </td>
              </tr>
            ) : null}
            {tests.map((test) => (
              <tr key={test.id} data-testid="flaky-test">
                <td>
                  <p className="font-medium">
                    {test.scope} › {test.name}
                  </p>
                  <p className="text-xs text-zinc-500">
                    {test.repository}
                    {test.file ? <span className="ml-2 font-mono">{test.file}</span> : null}
                  </p>
                </td>
                <td className="whitespace-nowrap tabular-nums">{(test.rate * 100).toFixed(1)}%</td>
                <td className="whitespace-nowrap">
                  {test.flakyCommits} of {test.commits} commit{test.commits === 1 ? '' : 's'}
                </td>
                <td className="whitespace-nowrap">{formatDateTime(test.lastFlakyAt)}</td>
                <td>
                  <details>
                    <summary className="cursor-pointer text-sm">{test.flakes.length} recent flake{test.flakes.length === 1 ? '' : 's'}</summary>
                    <ul className="mt-2 space-y-2">
                      {test.flakes.map((flake) => (
                        <li key={flake.sha} className="text-xs">
                          <Sha sha={flake.sha} /> · {formatDateTime(flake.at)}
                          <ul className="ml-4 mt-1 list-disc">
                            {flake.runs.map((run) => (
                              <li key={`${run.id}-${run.status}`}>
                                <span className={run.status === 'passed' ? 'text-emerald-700 dark:text-emerald-300' : 'text-red-700 dark:text-red-300'}>{run.status}</span> in{' '}
                                {run.url ? (
                                  <a href={run.url} rel="noreferrer" className="text-indigo-600 hover:underline dark:text-indigo-400">
                                    {run.name} #{run.externalId}
                                  </a>
                                ) : (
                                  `${run.name} #${run.externalId}`
                                )}
                                {run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}
                                {run.branch ? ` on ${run.branch}` : ''}
                              </li>
                            ))}
                          </ul>
                        </li>
                      ))}
                    </ul>
                  </details>
                </td>
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
