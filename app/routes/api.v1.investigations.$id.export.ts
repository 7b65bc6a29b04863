import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { EXPORT_FORMATS, exportHeaders, exportInvestigation, parseExportFormat } from '../investigations/export.server'
import { idParam } from '../linker/api.server'
import { apiError } from '../utils/api-error.server'

// The case file of an investigation: JSON (the default; see CaseFile in the OpenAPI document) or Markdown.
export const access = { loader: 'workspace:read' } as const

export function loader({ request, params }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const format = parseExportFormat(new URL(request.url).searchParams.get('format'), 'json')
    if (!format) {
      return apiError(400, 'validation_failed', `Unknown format; use one of ${EXPORT_FORMATS.join(', ')}.`, {}, { format: [`One of ${EXPORT_FORMATS.join(', ')}`] })
    }
    const id = idParam(params.id)
    const file = id === null ? null : await exportInvestigation(id, format)
    if (!file) return apiError(404, 'not_found', 'No investigation has that id.')
    return new Response(file.body, { headers: exportHeaders(file) })
  })
}
