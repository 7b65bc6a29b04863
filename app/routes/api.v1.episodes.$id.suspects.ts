import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { idParam, presentEpisode, presentSuspect, readJsonBody } from '../linker/api.server'
import { apiSuspectDecisionSchema } from '../linker/decision-schema'
import { decideSuspect, getEpisode, listSuspects } from '../linker/episodes.server'
import { apiError } from '../utils/api-error.server'

// GET: an episode's suspects, most suspect first, each with its reasons and any decision.
// POST {"sha", "status": "accepted" | "rejected"}: an engineer's decision about one suspect.
export const access = { loader: 'workspace:read', action: 'investigation:write' } as const

export function loader({ request, params }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const id = idParam(params.id)
    const episode = id === null ? null : await getEpisode(id)
    if (!episode) return apiError(404, 'not_found', 'No episode has that id.')
    return { episode: presentEpisode(episode), suspects: (await listSuspects(episode.id)).map(presentSuspect) }
  })
}

export function action({ request, params }: ActionFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.action)
    if (request.method !== 'POST') return apiError(405, 'bad_request', 'Use POST to decide about a suspect.', { Allow: 'GET, POST' })
    const id = idParam(params.id)
    if (id === null) return apiError(404, 'not_found', 'No episode has that id.')
    const body = await readJsonBody(request, apiSuspectDecisionSchema)
    if (!body.ok) return body.response
    const outcome = await decideSuspect(id, body.data.sha, body.data.status, auditActorOf(actor))
    if (!outcome.ok) {
      return outcome.reason === 'not_found'
        ? apiError(404, 'not_found', 'No episode has that id.')
        : apiError(422, 'validation_failed', 'That commit is not a suspect of this episode.', {}, { sha: ['Not a suspect of this episode'] })
    }
    const suspects = (await listSuspects(id)).map(presentSuspect)
    return { changed: outcome.changed, suspect: suspects.find((suspect) => suspect.sha.startsWith(body.data.sha)) ?? null }
  })
}
