// The Remix server build bundles app modules, and server.ts / the CLI import the same modules
// through tsx: two module instances in one process. Anything that must exist once per process
// (the database client, the logger, the parsed environment) lives on globalThis under one name.
export function singleton<T>(name: string, create: () => T): T {
  const store = globalThis as unknown as { __inquest?: Map<string, unknown> }
  store.__inquest ??= new Map()
  if (!store.__inquest.has(name)) store.__inquest.set(name, create())
  return store.__inquest.get(name) as T
}

export function forgetSingleton(name: string) {
  const store = globalThis as unknown as { __inquest?: Map<string, unknown> }
  store.__inquest?.delete(name)
}
