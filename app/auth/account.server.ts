import { eq } from 'drizzle-orm'
import { users } from '../../db/schema'
import { getDb } from '../db.server'
import { recordAudit } from './audit.server'
import { hashPassword, verifyPassword } from './password.server'
import { endOtherSessionsOf } from './session.server'

export type PasswordChange = { ok: true } | { ok: false; field: 'currentPassword'; message: string }

/** Changes a password after checking the current one, and ends the user's other sessions. */
export async function changePassword(
  userId: string,
  currentSessionId: string,
  currentPassword: string,
  newPassword: string,
): Promise<PasswordChange> {
  const user = await getDb().query.users.findFirst({ where: eq(users.id, userId) })
  if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) {
    return { ok: false, field: 'currentPassword', message: 'That is not your current password' }
  }
  const passwordHash = await hashPassword(newPassword)
  await getDb().transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId))
    await recordAudit({ action: 'password.change', actor: { userId }, targetType: 'user', targetId: userId }, tx)
  })
  await endOtherSessionsOf(userId, currentSessionId)
  return { ok: true }
}
