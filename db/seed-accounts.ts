// The demo workspace's logins (a contract: see the README). Demo seed only; never created in production.
export const DEMO_PASSWORD = 'inquest-demo'

export const DEMO_USERS = [
  { email: 'admin@example.com', name: 'Ada Admin', role: 'admin' },
  { email: 'engineer@example.com', name: 'Eli Engineer', role: 'engineer' },
  { email: 'viewer@example.com', name: 'Vera Viewer', role: 'viewer' },
] as const
