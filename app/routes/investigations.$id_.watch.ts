import { data, redirect, type ActionFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../auth/require.server'
import { setWatching } from '../investigations/changes.server'
import { watchSchema } from '../investigations/page-schema'
import { idParam } from '../linker/api.server'

// POST /investigations/:id/watch — watch or unwatch an investigation. Watching decides which mail
// reaches you and changes nothing about the investigation, so viewers may do it too (self:manage).
export const access = { action: 'self:manage' } as const

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const id = idParam(params.id)
  if (id === null) throw new Response('No such investigation', { status: 404 })
  const parsed = watchSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ error: 'Send intent=watch or intent=unwatch.' }, { status: 400 })
  const outcome = await setWatching(id, actor.user.id, parsed.data.intent === 'watch')
  if (!outcome.ok) throw new Response('No such investigation', { status: 404 })
  return redirect(`/investigations/${id}`)
}
