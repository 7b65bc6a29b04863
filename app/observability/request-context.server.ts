import { AsyncLocalStorage } from 'node:async_hooks'
import { singleton } from '../utils/singleton.server'

/** What the express layer knows about the request being served, readable from any loader or action. */
export interface RequestContext {
  requestId: string
  ip: string | undefined
  userAgent: string | undefined
  /** Set once the request is authenticated; the request log line carries it. */
  userId?: string
  /** The request's authentication, resolved once and shared by every loader of the request. */
  auth?: Promise<unknown>
  /** Cookies to add to the response (a renewed session cookie) unless the route sets its own. */
  pendingCookies: Array<{ name: string; serialized: string }>
}

const storage = singleton('request-context', () => new AsyncLocalStorage<RequestContext>())

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn)
}

export function getRequestContext(): RequestContext | undefined {
  return storage.getStore()
}
