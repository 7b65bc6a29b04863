import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react'
import type { InvestigationStatus, Severity } from '../../db/schema/investigations'
import { actorCan, requirePermission } from '../auth/require.server'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Checkboxes } from '../components/forms/checkboxes'
import { RepositorySelect } from '../components/forms/repository-select'
import { SEVERITY_TEXT_STYLES, StatusPill } from '../components/investigation-status'
import { filterOf, listFilterChoices, listInvestigations, readListQuery } from '../investigations/list.server'
import { STATUS_LABELS } from '../investigations/status'
import { formatDateTime } from '../utils/format'

// Every investigation, newest updated first: filters, full-text search over titles, descriptions and
// notes, and keyset pages. A plain GET form, so it works without JavaScript and every view is a URL.
export const access = { loader: 'workspace:read' } as const

// Not imported from db/schema: that would pull Drizzle into the browser bundle.
const STATUSES = Object.keys(STATUS_LABELS) as InvestigationStatus[]
const SEVERITY_OPTIONS: readonly Severity[] = ['sev1', 'sev2', 'sev3', 'sev4']

// A page people scan at a glance; the next one is a click away.
const PAGE_SIZE = 25

export const meta: MetaFunction = () => [{ title: 'Investigations · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const url = new URL(request.url)
  const query = readListQuery(url.searchParams)
  // Remix marks a submission to an index route with `?index`; pages need not carry it on.
  url.searchParams.delete('index')
  const [page, { repositories, owners }] = await Promise.all([
    listInvestigations(filterOf(query, actor.user.id, PAGE_SIZE)),
    listFilterChoices(),
  ])
  let nextPage: string | null = null
  if (page.nextCursor) {
    const params = new URLSearchParams(url.searchParams)
    params.set('cursor', page.nextCursor)
    nextPage = `/investigations?${params}`
  }
  let firstPage: string | null = null
  if (query.cursor) {
    const params = new URLSearchParams(url.searchParams)
    params.delete('cursor')
    firstPage = `/investigations${params.size ? `?${params}` : ''}`
  }
  const filtered = Boolean(query.q || query.status.length || query.severity.length || query.repositoryId || query.owner)
  return {
    // Only what the table shows: the page's data is serialized into it too.
    items: page.items.map(({ id, title, status, severity, repository, branch, ownerName, updatedAt }) => ({
      id,
      title,
      status,
      severity,
      repository,
      branch,
      ownerName,
      updatedAt,
    })),
    nextPage,
    firstPage,
    query,
    filtered,
    repositories,
    owners,
    canWrite: actorCan(actor, 'investigation:write'),
  }
}

export default function InvestigationsPage() {
  const { items, nextPage, firstPage, query, filtered, repositories, owners, canWrite } = useLoaderData<typeof loader>()
  const searching = useNavigation().state === 'loading'
  return (
    <main>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="page-title">Investigations</h1>
          <p className="mt-1 text-zinc-500 dark:text-zinc-400">
            Newest updated first. Search finds words in titles, descriptions and notes.
          </p>
        </div>
        {canWrite ? (
          <Link to="/investigations/new" className="btn btn-primary">
            New investigation
          </Link>
        ) : null}
      </div>

      <Form
        method="get"
        action="/investigations"
        className="card mt-4 grid gap-3 p-4 md:grid-cols-[1fr_auto_auto]"
        aria-label="Filter investigations"
      >
        <div className="md:col-span-3">
          <label className="label" htmlFor="q">
            Search
          </label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={query.q}
            maxLength={200}
            className="input mt-1"
            placeholder="Words in titles, descriptions or notes"
          />
        </div>
        <div className="flex flex-wrap gap-3">
          <div>
            <label className="label" htmlFor="repository">
              Repository
            </label>
            <RepositorySelect repositories={repositories} selected={query.repositoryId} anyLabel="Any" />
          </div>
          <div>
            <label className="label" htmlFor="owner">
              Owner
            </label>
            <select id="owner" name="owner" defaultValue={query.owner ?? ''} className="input mt-1 w-auto">
              <option value="">Anyone</option>
              <option value="me">Me (mine)</option>
              {owners.map((owner) => (
                <option key={owner.id} value={owner.id}>
                  {owner.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <Checkboxes
          legend="Status"
          name="status"
          options={STATUSES}
          checked={query.status}
          label={(status) => STATUS_LABELS[status]}
        />
        <Checkboxes
          legend="Severity"
          name="severity"
          options={SEVERITY_OPTIONS}
          checked={query.severity}
          label={(severity) => severity}
        />
        <div className="flex items-center gap-3 md:col-span-3">
          <button type="submit" className="btn">
            {searching ? 'Searching…' : 'Show'}
          </button>
          {filtered ? (
            <Link to="/investigations" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
              Clear filters
            </Link>
          ) : null}
        </div>
      </Form>

      <div className="card mt-4 overflow-x-auto">
        <table className="table-dense">
          <caption className="sr-only">Investigations{filtered ? ' matching the filters' : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Status</th>
              <th scope="col">Severity</th>
              <th scope="col">Repository</th>
              <th scope="col">Owner</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 ? (
              <tr>
                <td colSpan={6} className="py-6 text-center text-zinc-500">
                  {filtered ? (
                    <>
                      No investigation matches these filters.{' '}
                      <Link to="/investigations" className="text-indigo-600 hover:underline dark:text-indigo-400">
                        Show all
                      </Link>
                    </>
                  ) : firstPage ? (
                    'No more investigations.'
                  ) : (
                    <>No investigations yet.{canWrite ? ' Start one when something breaks.' : ''}</>
                  )}
                </td>
              </tr>
            ) : null}
            {items.map((item) => (
              <tr key={item.id}>
                <td className="max-w-md">
                  <Link
                    to={`/investigations/${item.id}`}
                    className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                  >
                    {item.title}
                  </Link>
                </td>
                <td>
                  <StatusPill status={item.status} />
                </td>
                <td className={SEVERITY_TEXT_STYLES[item.severity]}>{item.severity}</td>
                <td className="whitespace-nowrap">
                  {item.repository ? (item.branch ? `${item.repository} · ${item.branch}` : item.repository) : '—'}
                </td>
                <td className="whitespace-nowrap">{item.ownerName ?? 'nobody'}</td>
                <td className="whitespace-nowrap text-zinc-500">{formatDateTime(item.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pages" className="mt-3 flex gap-3 text-sm">
        {firstPage ? (
          <Link to={firstPage} className="btn">
            First page
          </Link>
        ) : null}
        {nextPage ? (
          <Link to={nextPage} className="btn" rel="next">
            Next page
          </Link>
        ) : null}
      </nav>
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
