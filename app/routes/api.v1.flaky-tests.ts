import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { presentFlakyTest } from '../linker/api.server'
import { FLAKY_SORTS, flakeEvidence, listFlakyTests } from '../linker/flaky.server'
import { apiError } from '../utils/api-error.server'

// GET: tests that flaked (passed and failed on one commit), by flake rate over the window or by the
// last time they flaked, each with the commits it flaked on and the runs behind them.
export const access = { loader: 'workspace:read' } as const

const query = z.object({
  repositoryId: z.string().max(200).optional(),
  sort: z.enum(FLAKY_SORTS).default('rate'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  includeStale: z.enum(['true', 'false']).default('false'),
  flakes: z.coerce.number().int().min(0).max(20).default(5),
})

export function loader({ request }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const parsed = query.safeParse(Object.fromEntries(new URL(request.url).searchParams))
    if (!parsed.success) return apiError(400, 'validation_failed', 'The query is not valid.', {}, parsed.error.flatten().fieldErrors as Record<string, string[]>)
    const { repositoryId, sort, limit, includeStale, flakes } = parsed.data
    const tests = await listFlakyTests({ repositoryId, sort, limit, includeStale: includeStale === 'true' })
    const evidence = flakes > 0 ? await flakeEvidence(tests, flakes) : new Map()
    return { windowDays: 30, tests: tests.map((test) => presentFlakyTest(test, evidence.get(test.id) ?? [])) }
  })
}
