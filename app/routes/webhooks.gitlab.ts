import type { ActionFunctionArgs } from '@remix-run/node'
import { requireAccess } from '../auth/require.server'
import { receiveGitlabWebhook } from '../connectors/webhooks/gitlab.server'
import { inputFromRequest, runIntake, toResponse } from '../connectors/webhooks/intake.server'
import { getLogger } from '../observability/logger.server'
import { apiError } from '../utils/api-error.server'

// Public: GitLab has no session or API token. Each delivery carries the project's secret token in
// X-Gitlab-Token, compared in constant time before anything is stored (401 otherwise). The CSRF
// check exempts /webhooks/* for the same reason.
// server.ts answers POST /webhooks/gitlab itself, with the same intake, before Remix sees the request
// (a delivery then skips Remix's request machinery); this action serves any other way in.
export const access = { action: 'public' } as const

export async function action({ request }: ActionFunctionArgs) {
  await requireAccess(request, access.action)
  if (request.method !== 'POST') return apiError(405, 'bad_request', 'Webhooks are delivered with POST.', { Allow: 'POST' })
  const answer = await runIntake(
    async () => receiveGitlabWebhook(await inputFromRequest(request)),
    (error) => getLogger().error({ err: error }, 'GitLab webhook intake failed'),
  )
  return toResponse(answer)
}
