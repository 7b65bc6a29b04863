import type { ActionFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { revokeApiToken } from '../auth/api-tokens.server'
import { requirePermission } from '../auth/require.server'
import { apiError } from '../utils/api-error.server'

// DELETE revokes one of the caller's own tokens (a script retiring a leaked token, or itself).
export const access = { action: 'self:manage' } as const

export function action({ request, params }: ActionFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.action)
    if (request.method !== 'DELETE') return apiError(405, 'bad_request', 'Use DELETE to revoke a token.', { Allow: 'DELETE' })
    const actorRef = { userId: actor.user.id, tokenId: actor.tokenId ?? null }
    const revoked = await revokeApiToken(params.id ?? '', actorRef, actor.user.id)
    if (!revoked) return apiError(404, 'not_found', 'No live token of yours has that id.')
    return new Response(null, { status: 204 })
  })
}
