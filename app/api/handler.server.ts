import { getLogger } from '../observability/logger.server'
import { getRequestContext } from '../observability/request-context.server'
import { apiError } from '../utils/api-error.server'

/** Runs an API loader or action: thrown Responses pass through, anything else becomes a JSON 500. */
export async function apiHandler(run: () => Promise<Response | object>): Promise<Response> {
  try {
    const result = await run()
    return result instanceof Response ? result : Response.json(result, { headers: { 'Cache-Control': 'no-store' } })
  } catch (error) {
    if (error instanceof Response) return error
    const requestId = getRequestContext()?.requestId
    getLogger().error({ err: error, reqId: requestId }, 'API request failed')
    return apiError(500, 'internal', `Something went wrong${requestId ? ` (request id ${requestId})` : ''}.`)
  }
}
