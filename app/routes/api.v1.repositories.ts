import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { createRepository, listRepositories, presentRepository } from '../connectors/repositories.server'
import { repositorySchema } from '../connectors/repository-schema'
import { apiError } from '../utils/api-error.server'

// GET lists repositories (never their secrets); POST registers one and returns its webhook secret, once.
export const access = { loader: 'workspace:read', action: 'repository:manage' } as const

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const rows = await listRepositories()
    return {
      repositories: rows.map((row) => ({
        ...presentRepository(row),
        lastDeliveryAt: row.lastDeliveryAt ? new Date(row.lastDeliveryAt).toISOString() : null,
      })),
    }
  })
}

export function action({ request }: ActionFunctionArgs) {
  return apiHandler(async () => {
    const actor = await requirePermission(request, access.action)
    if (request.method !== 'POST') return apiError(405, 'bad_request', 'Use POST to register a repository.', { Allow: 'GET, POST' })
    const contentType = request.headers.get('content-type') ?? ''
    if (!/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
      return apiError(415, 'unsupported_media_type', 'Send the repository as JSON with Content-Type: application/json.')
    }
    let body: unknown
    try {
      body = JSON.parse(await request.text())
    } catch {
      return apiError(400, 'bad_request', 'The body is not valid JSON.')
    }
    const parsed = repositorySchema.safeParse(body)
    if (!parsed.success) {
      return apiError(400, 'validation_failed', 'The repository is not valid.', {}, parsed.error.flatten().fieldErrors as Record<string, string[]>)
    }
    const created = await createRepository(parsed.data, auditActorOf(actor))
    if (!created.ok) return apiError(409, 'conflict', created.message, {}, { [created.field]: [created.message] })
    return Response.json(
      { ...presentRepository(created.repository), secret: created.secret },
      { status: 201, headers: { 'Cache-Control': 'no-store', Location: `/api/v1/repositories/${created.repository.id}` } },
    )
  })
}
