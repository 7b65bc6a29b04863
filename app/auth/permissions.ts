// Roles and what they may do. Safe for the browser (used to hide controls); the real check is
// requirePermission on the server.

export type Role = 'admin' | 'engineer' | 'viewer'

export const PERMISSIONS = [
  // read everything in the workspace: dashboard, repositories, runs, suspects, investigations
  'workspace:read',
  // own account: password, sessions, API tokens, notification preferences
  'self:manage',
  // create and edit investigations, evidence and notes; accept or reject suspects and links
  'investigation:write',
  // soft-delete investigations
  'investigation:delete',
  // push CI runs and test results through the API
  'ci:write',
  // register repositories, rotate webhook secrets, import git history, replay deliveries
  'repository:manage',
  // invite users, change roles, disable and re-enable accounts
  'user:manage',
  // see and end any user's sessions and API tokens
  'access:manage',
  // read the audit log
  'audit:read',
  // read the email outbox and retry failed mail
  'outbox:manage',
] as const

export type Permission = (typeof PERMISSIONS)[number]

/** What a route or endpoint needs: a permission, or `public` for the few things anyone may reach. */
export type Access = Permission | 'public'

const VIEWER: readonly Permission[] = ['workspace:read', 'self:manage']
const ENGINEER: readonly Permission[] = [...VIEWER, 'investigation:write', 'ci:write']
const ADMIN: readonly Permission[] = PERMISSIONS

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(VIEWER),
  engineer: new Set(ENGINEER),
  admin: new Set(ADMIN),
}

// A token with the `read` scope may use only these, whatever its owner's role.
export const READ_PERMISSIONS: ReadonlySet<Permission> = new Set(['workspace:read', 'audit:read'])

export function userHasPermission(role: Role | undefined | null, permission: Permission): boolean {
  if (!role) return false
  return ROLE_PERMISSIONS[role]?.has(permission) ?? false
}

export function tokenAllows(scope: 'read' | 'read+write', role: Role, permission: Permission): boolean {
  if (!userHasPermission(role, permission)) return false
  return scope === 'read+write' || READ_PERMISSIONS.has(permission)
}
