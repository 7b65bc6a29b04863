import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { actorCan, requirePermission } from '../auth/require.server'
import { PERMISSIONS } from '../auth/permissions'

export const access = { loader: 'workspace:read' } as const

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.loader)
    return {
      id: actor.user.id,
      email: actor.user.email,
      name: actor.user.name,
      role: actor.user.role,
      authenticatedBy: actor.via,
      ...(actor.via === 'token' ? { token: { id: actor.tokenId, scope: actor.tokenScope } } : {}),
      permissions: PERMISSIONS.filter((permission) => actorCan(actor, permission)),
    }
  })
}
