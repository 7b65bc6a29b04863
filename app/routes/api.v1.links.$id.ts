import type { ActionFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { idParam, presentLink, readJsonBody } from '../linker/api.server'
import { apiLinkDecisionSchema } from '../linker/decision-schema'
import { decideLink, listLinks } from '../linker/links.server'
import { apiError } from '../utils/api-error.server'

// POST {"status": "accepted" | "rejected"}: an engineer's decision about a link. A rejected CI run
// link takes the run out of its branch's sequence.
export const access = { action: 'investigation:write' } as const

export function action({ request, params }: ActionFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.action)
    if (request.method !== 'POST') return apiError(405, 'bad_request', 'Use POST to decide about a link.', { Allow: 'POST' })
    const id = idParam(params.id)
    if (id === null) return apiError(404, 'not_found', 'No link has that id.')
    const body = await readJsonBody(request, apiLinkDecisionSchema)
    if (!body.ok) return body.response
    const outcome = await decideLink(id, body.data.status, auditActorOf(actor))
    if (!outcome.ok) return apiError(404, 'not_found', 'No link has that id.')
    const [link] = await listLinks({ before: id + 1, limit: 1 })
    return { changed: outcome.changed, link: link ? presentLink(link) : null }
  })
}
