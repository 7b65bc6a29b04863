import type { LoaderFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../auth/require.server'
import { auditCsv, parseAuditQuery } from '../auth/user-admin.server'

export const access = { loader: 'audit:read' } as const

// A resource route: the audit page's filters (not its page cursor) as a CSV download.
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  const { filter, errors } = parseAuditQuery(new URL(request.url).searchParams)
  const problems = Object.entries(errors).filter(([key]) => key !== 'before')
  if (problems.length) {
    const text = problems.map(([key, message]) => `${key}: ${message}`).join('\n')
    return new Response(`${text}\n`, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  }
  const { before: _before, ...exportFilter } = filter
  const { csv, rows, truncated } = await auditCsv(exportFilter)
  const day = new Date().toISOString().slice(0, 10)
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="inquest-audit-${day}.csv"`,
      'Cache-Control': 'no-store',
      'X-Audit-Rows': String(rows),
      'X-Audit-Truncated': String(truncated),
    },
  })
}
