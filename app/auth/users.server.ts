import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm'
import { users, type Role } from '../../db/schema'
import { getDb } from '../db.server'
import { newId } from '../utils/crypto.server'
import { isUniqueViolation } from '../utils/db-errors.server'
import { hashPassword } from './password.server'

export function normalizeEmail(email: string) {
  return email.trim().toLowerCase()
}

export async function findUserByEmail(email: string) {
  return getDb().query.users.findFirst({ where: eq(users.email, normalizeEmail(email)) })
}

export async function findUserById(id: string) {
  return getDb().query.users.findFirst({ where: eq(users.id, id) })
}

export class DuplicateEmailError extends Error {
  name = 'DuplicateEmailError'
}

export async function createUser(input: { email: string; name?: string; role: Role; password?: string }) {
  const email = normalizeEmail(input.email)
  const passwordHash = input.password ? await hashPassword(input.password) : null
  try {
    const [row] = await getDb()
      .insert(users)
      .values({ id: newId(), email, name: input.name?.trim() || email.split('@')[0], role: input.role, passwordHash })
      .returning()
    return row
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateEmailError(`${email} already has an account`)
    throw error
  }
}

export async function hasAnyUser() {
  const rows = await getDb().select({ id: users.id }).from(users).limit(1)
  return rows.length > 0
}

export async function listUsers() {
  return getDb()
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      disabledAt: users.disabledAt,
      createdAt: users.createdAt,
      activated: isNotNull(users.passwordHash),
    })
    .from(users)
    .orderBy(asc(users.email))
}

export async function countAdmins() {
  const rows = await getDb()
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
  return rows.length
}
