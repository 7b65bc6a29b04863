/** A redirect target after login: only a path on this site, never another origin. */
export function safeRedirectPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return fallback
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f]/.test(value)) return fallback
  try {
    const parsed = new URL(value, 'http://inquest.invalid')
    if (parsed.origin !== 'http://inquest.invalid') return fallback
    if (parsed.pathname === '/login' || parsed.pathname === '/logout') return fallback
    return parsed.pathname + parsed.search + parsed.hash
  } catch {
    return fallback
  }
}
