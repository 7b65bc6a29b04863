import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { openApiDocument } from '../api/openapi'
import { requirePermission } from '../auth/require.server'
import { getEnv } from '../env.server'

export const access = { loader: 'workspace:read' } as const

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    return openApiDocument(getEnv().APP_URL)
  })
}
