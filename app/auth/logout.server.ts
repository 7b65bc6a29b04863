import { recordAudit } from './audit.server'
import type { Actor } from './require.server'
import { blankSessionCookie, endSession } from './session.server'

/** Ends the session on the server (a kept cookie is worthless after this) and returns a blank cookie. */
export async function logout(actor: Actor): Promise<string> {
  if (actor.sessionId) {
    await endSession(actor.sessionId)
    await recordAudit({ action: 'logout', actor: { userId: actor.user.id }, targetType: 'user', targetId: actor.user.id })
  }
  return blankSessionCookie()
}
