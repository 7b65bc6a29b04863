import { describe, expect, it } from 'vitest'
import {
  PERMISSIONS,
  READ_PERMISSIONS,
  ROLE_PERMISSIONS,
  tokenAllows,
  userHasPermission,
  type Permission,
  type Role,
} from './permissions'

// The whole grid, written out: changing what a role may do means changing this table on purpose.
const GRID: Record<Permission, Record<Role, boolean>> = {
  'workspace:read': { viewer: true, engineer: true, admin: true },
  'self:manage': { viewer: true, engineer: true, admin: true },
  'investigation:write': { viewer: false, engineer: true, admin: true },
  'investigation:delete': { viewer: false, engineer: false, admin: true },
  'ci:write': { viewer: false, engineer: true, admin: true },
  'repository:manage': { viewer: false, engineer: false, admin: true },
  'user:manage': { viewer: false, engineer: false, admin: true },
  'access:manage': { viewer: false, engineer: false, admin: true },
  'audit:read': { viewer: false, engineer: false, admin: true },
  'outbox:manage': { viewer: false, engineer: false, admin: true },
}

describe('role x permission grid', () => {
  it('covers every permission', () => {
    expect(Object.keys(GRID).sort()).toEqual([...PERMISSIONS].sort())
  })

  for (const permission of PERMISSIONS) {
    for (const role of Object.keys(ROLE_PERMISSIONS) as Role[]) {
      it(`${role} ${GRID[permission][role] ? 'may' : 'may not'} ${permission}`, () => {
        expect(userHasPermission(role, permission)).toBe(GRID[permission][role])
      })
    }
  }

  it('grants nothing to no role', () => {
    expect(userHasPermission(null, 'workspace:read')).toBe(false)
  })
})

describe('API token scopes', () => {
  it('a read token reads but never writes, whatever the role', () => {
    for (const permission of PERMISSIONS) {
      expect(tokenAllows('read', 'admin', permission)).toBe(READ_PERMISSIONS.has(permission))
    }
  })

  it('a read+write token never exceeds its owner role', () => {
    for (const permission of PERMISSIONS) {
      for (const role of ['viewer', 'engineer', 'admin'] as const) {
        expect(tokenAllows('read+write', role, permission)).toBe(GRID[permission][role])
      }
    }
  })
})
