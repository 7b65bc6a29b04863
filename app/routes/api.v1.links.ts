import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { DECISION_STATUSES } from '../../db/schema/linker'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { presentLink } from '../linker/api.server'
import { shaSchema } from '../linker/decision-schema'
import { listLinks } from '../linker/links.server'
import { apiError } from '../utils/api-error.server'

// GET: links (a CI run -> its commit, a push -> its commits), newest first, with the rule that made
// each, its confidence and any decision.
export const access = { loader: 'workspace:read' } as const

const query = z.object({
  repositoryId: z.string().max(200).optional(),
  runId: z.coerce.number().int().positive().optional(),
  sha: shaSchema.optional(),
  status: z.enum(DECISION_STATUSES).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const parsed = query.safeParse(Object.fromEntries(new URL(request.url).searchParams))
    if (!parsed.success) return apiError(400, 'validation_failed', 'The query is not valid.', {}, parsed.error.flatten().fieldErrors as Record<string, string[]>)
    const links = await listLinks(parsed.data)
    return { links: links.map(presentLink), nextBefore: links.length === parsed.data.limit ? links[links.length - 1].id : null }
  })
}
