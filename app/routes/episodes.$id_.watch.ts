import { data, redirect, type ActionFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { requirePermission } from '../auth/require.server'
import { idParam } from '../linker/api.server'
import { setBranchWatchForEpisode } from '../notifications/linker-events.server'

// POST /episodes/:id/watch — watch or unwatch the episode's branch ("a branch I watch went red").
// It decides only the person's own mail, so viewers may do it too (self:manage).
export const access = { action: 'self:manage' } as const

export const branchWatchSchema = z.object({ intent: z.enum(['watch-branch', 'unwatch-branch']) })

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const id = idParam(params.id)
  if (id === null) throw new Response('No such episode', { status: 404 })
  const parsed = branchWatchSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ error: 'Send intent=watch-branch or intent=unwatch-branch.' }, { status: 400 })
  const outcome = await setBranchWatchForEpisode(actor.user.id, id, parsed.data.intent === 'watch-branch')
  if (!outcome) throw new Response('No such episode', { status: 404 })
  return redirect(`/episodes/${id}`)
}
