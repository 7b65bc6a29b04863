import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiHandler } from '../api/handler.server'
import { requirePermission } from '../auth/require.server'
import { getRepository, presentRepository } from '../connectors/repositories.server'
import { deliveryHealth } from '../connectors/webhooks/deliveries.server'
import { apiError } from '../utils/api-error.server'

// One repository with its connection health: last delivery, deliveries and failures per day.
export const access = { loader: 'workspace:read' } as const

export function loader({ request, params }: LoaderFunctionArgs) {
  return apiHandler(async () => {
    await requirePermission(request, access.loader)
    const repository = await getRepository(params.id ?? '')
    if (!repository) return apiError(404, 'not_found', 'No repository has that id.')
    const health = await deliveryHealth(repository.id)
    const delivery = (row: NonNullable<typeof health.last>) => ({
      id: row.id,
      deliveryId: row.deliveryId,
      event: row.event,
      status: row.status,
      attempts: row.attempts,
      error: row.lastError,
      receivedAt: new Date(row.receivedAt).toISOString(),
    })
    return {
      ...presentRepository(repository),
      health: {
        lastDelivery: health.last ? delivery(health.last) : null,
        deliveriesPerDay: health.days,
        failedInPeriod: health.failedInPeriod,
        retrying: health.retrying,
        recentFailures: health.recentFailures.map(delivery),
      },
    }
  })
}
