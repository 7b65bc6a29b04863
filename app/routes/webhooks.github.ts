import type { ActionFunctionArgs } from '@remix-run/node'
import { requireAccess } from '../auth/require.server'
import { receiveGithubWebhook } from '../connectors/webhooks/github.server'
import { runIntake } from '../connectors/webhooks/intake.server'
import { getLogger } from '../observability/logger.server'
import { apiError } from '../utils/api-error.server'

// Public: GitHub has no session or API token. Each delivery proves itself instead: X-Hub-Signature-256
// is an HMAC of the raw body with the repository's webhook secret, checked before anything is stored
// (401 otherwise). The CSRF check exempts /webhooks/* for the same reason.
export const access = { action: 'public' } as const

export async function action({ request }: ActionFunctionArgs) {
  await requireAccess(request, access.action)
  if (request.method !== 'POST') return apiError(405, 'bad_request', 'Webhooks are delivered with POST.', { Allow: 'POST' })
  return runIntake(
    () => receiveGithubWebhook(request),
    (error) => getLogger().error({ err: error }, 'GitHub webhook intake failed'),
  )
}
