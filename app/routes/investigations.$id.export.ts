import type { LoaderFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../auth/require.server'
import { EXPORT_FORMATS, exportHeaders, exportInvestigation, parseExportFormat } from '../investigations/export.server'
import { idParam } from '../linker/api.server'

// A resource route: the case file of an investigation as a download, Markdown (the default) or JSON.
export const access = { loader: 'workspace:read' } as const

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  const format = parseExportFormat(new URL(request.url).searchParams.get('format'), 'md')
  if (!format) {
    return new Response(`Unknown format: use ${EXPORT_FORMATS.map((name) => `format=${name}`).join(' or ')}.\n`, {
      status: 400,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    })
  }
  const id = idParam(params.id)
  const file = id === null ? null : await exportInvestigation(id, format)
  if (!file) throw new Response('Not found', { status: 404 })
  return new Response(file.body, { headers: exportHeaders(file) })
}
