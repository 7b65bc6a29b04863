import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { apiUpdateInvestigationSchema } from '../investigations/api-schema'
import { listEvidenceForApi, presentInvestigation, readApiBody } from '../investigations/api.server'
import { updateInvestigation } from '../investigations/changes.server'
import { getInvestigation } from '../investigations/investigations.server'
import { STATUS_LABELS, STATUS_TRANSITIONS } from '../investigations/status'
import { idParam } from '../linker/api.server'
import { apiError } from '../utils/api-error.server'

// GET: one investigation with its watchers and evidence. PATCH: change some of its fields (engineers;
// a read+write token); a status may only move as STATUS_TRANSITIONS allows.
export const access = { loader: 'workspace:read', action: 'investigation:write' } as const

const notFound = () => apiError(404, 'not_found', 'No investigation has that id.')

export function loader({ request, params }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const id = idParam(params.id)
    const view = id === null ? null : await getInvestigation(id)
    if (!view) return notFound()
    return { ...presentInvestigation(view), evidence: await listEvidenceForApi(view.id) }
  })
}

export function action({ request, params }: ActionFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.action)
    if (request.method !== 'PATCH') return apiError(405, 'bad_request', 'Use PATCH to change an investigation.', { Allow: 'GET, PATCH' })
    const id = idParam(params.id)
    const before = id === null ? null : await getInvestigation(id)
    if (!before) return notFound()
    const body = await readApiBody(request, apiUpdateInvestigationSchema)
    if (!body.ok) return body.response
    const outcome = await updateInvestigation(before.id, body.data, actor.user.id)
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') return notFound()
      if (outcome.reason === 'unknown_owner') return apiError(400, 'validation_failed', outcome.message, {}, { ownerId: [outcome.message] })
      const current = (await getInvestigation(before.id)) ?? before
      const allowed = STATUS_TRANSITIONS[current.status]
      return apiError(
        409,
        'conflict',
        `${outcome.message} From ${STATUS_LABELS[current.status].toLowerCase()} it can move to: ${allowed.join(', ')}.`,
        {},
        { status: [`Allowed from ${current.status}: ${allowed.join(', ')}`] },
      )
    }
    const view = await getInvestigation(before.id)
    if (!view) return notFound()
    return { changed: outcome.changed, investigation: presentInvestigation(view) }
  })
}
