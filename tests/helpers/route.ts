import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'

export interface Settled<Body> {
  status: number
  body: Body
  response?: Response
  location?: string | null
}

/** Runs a loader or action as Remix would and says what the browser would get, thrown Responses included. */
export async function settle<Body = Record<string, unknown>>(run: () => unknown): Promise<Settled<Body>> {
  const fromResponse = (response: Response): Settled<Body> => ({
    status: response.status,
    body: {} as Body,
    response,
    location: response.headers.get('location'),
  })
  try {
    const value = await run()
    if (value instanceof Response) return fromResponse(value)
    if (value && typeof value === 'object' && 'type' in value && value.type === 'DataWithResponseInit') {
      const wrapped = value as unknown as { data: Body; init: ResponseInit | null }
      return { status: wrapped.init?.status ?? 200, body: wrapped.data }
    }
    return { status: 200, body: value as Body }
  } catch (thrown) {
    if (thrown instanceof Response) return fromResponse(thrown)
    throw thrown
  }
}

/** Loader/action arguments for a request, with route params. */
export function routeArgs(request: Request, params: Record<string, string> = {}) {
  return { request, params, context: { requestId: 'test', cspNonce: '' } } as unknown as ActionFunctionArgs & LoaderFunctionArgs
}
