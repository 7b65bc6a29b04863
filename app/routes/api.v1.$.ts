import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { apiError } from '../utils/api-error.server'

// Unknown API paths answer JSON, after authentication, so that they reveal nothing to strangers.
export const access = { loader: 'workspace:read', action: 'workspace:read' } as const

function notFound(request: Request) {
  return apiError(404, 'not_found', `No endpoint ${request.method} ${new URL(request.url).pathname}. See /api/v1/openapi.json.`)
}

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    return notFound(request)
  })
}

export function action({ request }: ActionFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.action)
    return notFound(request)
  })
}
