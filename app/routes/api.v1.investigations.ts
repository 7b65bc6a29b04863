import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { apiCreateInvestigationSchema, apiListQuerySchema, issueFields, listQueryInput } from '../investigations/api-schema'
import {
  apiInvestigationPath,
  createInvestigationFromApi,
  presentInvestigation,
  presentInvestigationItem,
  readApiBody,
  resolveOwnerFilter,
  resolveRepositoryFilter,
} from '../investigations/api.server'
import { getInvestigation } from '../investigations/investigations.server'
import { listInvestigations } from '../investigations/list.server'
import { apiError } from '../utils/api-error.server'

// GET: investigations, newest updated first, filtered and searched, a page at a time.
// POST: open one (engineers; a read+write token).
export const access = { loader: 'workspace:read', action: 'investigation:write' } as const

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.loader)
    const parsed = apiListQuerySchema.safeParse(listQueryInput(new URL(request.url).searchParams))
    if (!parsed.success) return apiError(400, 'validation_failed', 'The query is not valid.', {}, issueFields(parsed.error))
    const { status, severity, repository, owner, q, cursor, limit } = parsed.data
    const empty = { investigations: [], nextCursor: null }
    // A filter that names nobody (or no repository) matches nothing, rather than being ignored.
    const ownerId = owner ? await resolveOwnerFilter(owner, actor.user.id) : null
    if (owner && !ownerId) return empty
    const repositoryId = repository ? await resolveRepositoryFilter(repository) : null
    if (repository && !repositoryId) return empty
    const page = await listInvestigations({ status, severity, repositoryId, ownerId, q, cursor, limit })
    return { investigations: page.items.map(presentInvestigationItem), nextCursor: page.nextCursor }
  })
}

export function action({ request }: ActionFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.action)
    if (request.method !== 'POST') return apiError(405, 'bad_request', 'Use POST to open an investigation.', { Allow: 'GET, POST' })
    const body = await readApiBody(request, apiCreateInvestigationSchema)
    if (!body.ok) return body.response
    const created = await createInvestigationFromApi(body.data, actor.user.id)
    if (!created.ok) return apiError(400, 'validation_failed', 'The investigation is not valid.', {}, created.fields)
    const view = await getInvestigation(created.id)
    return Response.json(presentInvestigation(view!), {
      status: 201,
      headers: { 'Cache-Control': 'no-store', Location: apiInvestigationPath(created.id) },
    })
  })
}
