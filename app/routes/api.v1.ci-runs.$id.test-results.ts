import type { ActionFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { discardBody, findCiRun, storeTestResults, UPLOAD_MODES, type UploadMode } from '../connectors/ci-api.server'
import { JUnitFormatError, JUnitSyntaxError, MAX_REPORT_BYTES, ReportTooLargeError } from '../connectors/junit.server'
import { apiError } from '../utils/api-error.server'

// POST uploads a JUnit XML report of a run, streamed: ?mode=replace (default) or ?mode=append.
export const access = { action: 'ci:write' } as const

const tooLarge = () => apiError(413, 'payload_too_large', `The report is over the limit of ${MAX_REPORT_BYTES} bytes (50 MB).`)

export async function action({ request, params }: ActionFunctionArgs) {
  const response = await apiHandler(async () => {
    await requirePermission(request, access.action)
    if (request.method !== 'POST') return apiError(405, 'bad_request', 'Use POST to upload a JUnit report.', { Allow: 'POST' })
    const id = Number(params.id)
    const run = Number.isSafeInteger(id) && id > 0 ? await findCiRun(id) : null
    if (!run) return apiError(404, 'not_found', `No CI run has the id "${params.id}".`)
    if (!/^(application|text)\/xml\s*(;|$)/i.test(request.headers.get('content-type') ?? '')) {
      return apiError(415, 'unsupported_media_type', 'Send the JUnit report as XML with Content-Type: application/xml (or text/xml).')
    }
    const mode = new URL(request.url).searchParams.get('mode') ?? 'replace'
    if (!UPLOAD_MODES.includes(mode as UploadMode)) {
      return apiError(400, 'bad_request', 'mode is replace (the default) or append.', {}, { mode: ['Use replace or append'] })
    }
    if (Number(request.headers.get('content-length') ?? 0) > MAX_REPORT_BYTES) return tooLarge()
    if (!request.body) return apiError(400, 'bad_request', 'The body is empty: send the JUnit XML report.')
    try {
      const summary = await storeTestResults(run, request.body, { mode: mode as UploadMode })
      return Response.json(summary, { status: 201, headers: { 'Cache-Control': 'no-store' } })
    } catch (error) {
      if (error instanceof ReportTooLargeError) return tooLarge()
      if (error instanceof JUnitSyntaxError) {
        return apiError(400, 'bad_request', error.message, {}, { body: [`line ${error.line}, column ${error.column}: ${error.reason}`] })
      }
      if (error instanceof JUnitFormatError) return apiError(422, 'validation_failed', error.message)
      throw error
    }
  })
  // A refusal may come before the body is read to its end (a wrong type, bad XML, 50 MB in).
  if (!response.ok) discardBody(request.body)
  return response
}
