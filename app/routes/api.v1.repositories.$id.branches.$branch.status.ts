import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { presentBranchStatus } from '../linker/api.server'
import { branchFromParam } from '../linker/branch-name'
import { getBranchStatus } from '../linker/branches.server'
import { apiError } from '../utils/api-error.server'

// GET: where a branch stands, per workflow: state, last green, first red and the suspect range.
// The branch is one path segment: encode its `/` as %2F (feature%2Flogin).
export const access = { loader: 'workspace:read' } as const

export function loader({ request, params }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const branch = branchFromParam(params.branch)
    if (!branch) return apiError(400, 'bad_request', 'Not a branch name. Encode "/" in the branch as %2F: branches/feature%2Flogin/status.')
    const limit = Number(new URL(request.url).searchParams.get('rangeLimit') ?? 100)
    const status = await getBranchStatus(params.id ?? '', branch, { rangeLimit: Number.isInteger(limit) && limit >= 0 && limit <= 2000 ? limit : 100 })
    if (!status) return apiError(404, 'not_found', 'No repository has that id.')
    return presentBranchStatus(status)
  })
}
