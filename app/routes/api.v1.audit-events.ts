import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { parseAuditQuery } from '../api/audit-query'
import { listAudit } from '../auth/audit.server'
import { requirePermission } from '../auth/require.server'
import { apiError } from '../utils/api-error.server'

export const access = { loader: 'audit:read' } as const

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const query = parseAuditQuery(new URL(request.url).searchParams)
    if (!query.success) return apiError(400, 'validation_failed', 'The query is not valid.', {}, query.error.flatten().fieldErrors as Record<string, string[]>)
    const { limit, ...filter } = query.data
    const events = await listAudit({ ...filter, limit })
    const next = events.length === limit ? events[events.length - 1].id : null
    return { events, nextBefore: next }
  })
}
