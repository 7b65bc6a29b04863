import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { listAuditActions } from '../auth/audit.server'
import { requirePermission } from '../auth/require.server'
import { formatAuditDetail, listAuditPage, parseAuditQuery, type AuditQueryValues } from '../auth/user-admin.server'
import { AdminPage, TableHead } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Field } from '../components/forms/field'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'audit:read' } as const

export const meta: MetaFunction = () => [{ title: 'Audit log · Admin · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  const { filter, values, errors } = parseAuditQuery(new URL(request.url).searchParams)
  const [page, actions] = await Promise.all([listAuditPage(filter), listAuditActions()])
  return {
    entries: page.entries.map((entry) => ({ ...entry, detail: formatAuditDetail(entry.detail) })),
    olderBefore: page.olderBefore,
    paged: Boolean(filter.before),
    actions,
    values,
    errors,
  }
}

/** The filters as a query string, without the page cursor. */
function filterQuery(values: AuditQueryValues) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value)
  return params
}

export default function AdminAuditPage() {
  const { entries, olderBefore, paged, actions, values, errors } = useLoaderData<typeof loader>()
  const query = filterQuery(values).toString()
  const older = new URLSearchParams(query)
  if (olderBefore) older.set('before', String(olderBefore))
  const suffix = query ? `?${query}` : ''
  const actionOptions = values.action && !actions.includes(values.action) ? [...actions, values.action] : actions
  return (
    <AdminPage
      title="Audit log"
      description="Who did what, when and from where. Dates are whole days in UTC."
      actions={
        <a className="btn" href={`/admin/audit.csv${suffix}`} download>
          Export CSV
        </a>
      }
    >
      <Form
        method="get"
        className="card mt-4 grid gap-4 p-4 sm:grid-cols-[2fr_2fr_1fr_1fr_auto] sm:items-start"
        aria-label="Filter the audit log"
      >
        <Field
          label="Actor email"
          htmlFor="audit-actor"
          errorId="audit-actor-error"
          errors={errors.actor ? [errors.actor] : undefined}
        >
          <input
            id="audit-actor"
            name="actor"
            type="email"
            className="input"
            defaultValue={values.actor}
            aria-describedby="audit-actor-error"
          />
        </Field>
        <Field
          label="Action"
          htmlFor="audit-action"
          errorId="audit-action-error"
          errors={errors.action ? [errors.action] : undefined}
        >
          <select
            id="audit-action"
            name="action"
            className="input"
            defaultValue={values.action}
            aria-describedby="audit-action-error"
          >
            <option value="">Any action</option>
            {actionOptions.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="From"
          htmlFor="audit-from"
          errorId="audit-from-error"
          errors={errors.from ? [errors.from] : undefined}
        >
          <input
            id="audit-from"
            name="from"
            type="date"
            className="input"
            defaultValue={values.from}
            aria-describedby="audit-from-error"
          />
        </Field>
        <Field label="To" htmlFor="audit-to" errorId="audit-to-error" errors={errors.to ? [errors.to] : undefined}>
          <input
            id="audit-to"
            name="to"
            type="date"
            className="input"
            defaultValue={values.to}
            aria-describedby="audit-to-error"
          />
        </Field>
        <div className="flex gap-2 sm:mt-6">
          <button type="submit" className="btn btn-primary">
            Filter
          </button>
          {query ? (
            <Link to="/admin/audit" className="btn">
              Clear
            </Link>
          ) : null}
        </div>
      </Form>
      <div className="card mt-4 overflow-x-auto">
        <table className="table-dense">
          <TableHead columns={['When', 'Who', 'IP', 'Action', 'Target', 'Detail']} />
          <tbody>
            {entries.length === 0 ? (
              <tr>
                <td colSpan={6} className="text-zinc-500">
                  No entries{query ? ' match these filters' : ''}.
                </td>
              </tr>
            ) : null}
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td className="whitespace-nowrap">{formatDateTime(entry.at)}</td>
                <td>
                  {entry.who}
                  {entry.via ? <span className="block text-xs text-zinc-500">via {entry.via}</span> : null}
                </td>
                <td className="font-mono text-xs">{entry.ip ?? '—'}</td>
                <td className="font-mono text-xs">{entry.action}</td>
                <td className="text-xs">
                  {entry.target ? (
                    <>
                      <span className="text-zinc-500">{entry.targetType}</span> {entry.target}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="max-w-md break-words text-xs text-zinc-600 dark:text-zinc-400">{entry.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pages" className="mt-4 flex gap-2">
        {paged ? (
          <Link to={`/admin/audit${suffix}`} className="btn">
            Newest
          </Link>
        ) : null}
        {olderBefore ? (
          <Link to={`/admin/audit?${older}`} className="btn">
            Older
          </Link>
        ) : null}
      </nav>
    </AdminPage>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
