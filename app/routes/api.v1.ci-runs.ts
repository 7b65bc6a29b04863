import type { ActionFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { ciRunBodySchema, discardBody, MAX_RUN_BODY_BYTES, presentCiRun, readBodyText, recordCiRun } from '../connectors/ci-api.server'
import { apiError } from '../utils/api-error.server'

// POST creates or updates a CI run of any CI system, keyed by (repository, provider, externalId, attempt).
export const access = { action: 'ci:write' } as const

export function action({ request }: ActionFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.action)
    if (request.method !== 'POST') return apiError(405, 'bad_request', 'Use POST to record a CI run.', { Allow: 'POST' })
    if (!/^application\/(.+\+)?json\s*(;|$)/i.test(request.headers.get('content-type') ?? '')) {
      return apiError(415, 'unsupported_media_type', 'Send the run as JSON with Content-Type: application/json.')
    }
    const text = await readBodyText(request.body)
    if (text === null) {
      discardBody(request.body)
      return apiError(413, 'payload_too_large', `A run is at most ${MAX_RUN_BODY_BYTES} bytes of JSON.`)
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return apiError(400, 'bad_request', 'The body is not valid JSON.')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return apiError(400, 'bad_request', 'Send one run as a JSON object.')
    const parsed = ciRunBodySchema.safeParse(body)
    if (!parsed.success) {
      return apiError(422, 'validation_failed', 'The run is not valid.', {}, parsed.error.flatten().fieldErrors as Record<string, string[]>)
    }
    const result = await recordCiRun(parsed.data)
    if (!result.ok) return apiError(result.status, 'not_found', result.message, {}, { [result.field]: [result.message] })
    return Response.json(
      { ...presentCiRun(result.run), applied: result.applied },
      { status: result.created ? 201 : 200, headers: { 'Cache-Control': 'no-store', Location: `/api/v1/ci-runs/${result.run.id}` } },
    )
  })
}
