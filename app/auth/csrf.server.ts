// Cross-site form posts are refused before they reach a route. SameSite=Lax is defence in depth only.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface CrossSiteInput {
  method: string
  path: string
  origin: string | undefined
  secFetchSite: string | undefined
  authorization: string | undefined
  appOrigin: string
}

/** Paths whose requests carry their own proof (a signature, a token) instead of a cookie. */
function isExempt(path: string, authorization: string | undefined) {
  if (path.startsWith('/webhooks/')) return true
  if (path.startsWith('/unsubscribe/')) return true
  if (path.startsWith('/api/v1/') && authorization && /^Bearer\s/i.test(authorization)) return true
  return false
}

/** Why a request must be refused as cross-site, or null when it may pass. */
export function crossSiteRefusal(input: CrossSiteInput): string | null {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return null
  if (isExempt(input.path, input.authorization)) return null
  if (input.secFetchSite === 'cross-site') return 'cross-site request (Sec-Fetch-Site)'
  if (input.origin !== undefined && input.origin !== input.appOrigin) return `origin ${input.origin} is not ${input.appOrigin}`
  return null
}
