import { redirect, type LoaderFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../auth/require.server'

export const access = { loader: 'self:manage' } as const

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  return redirect('/settings/sessions')
}
