import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { logout } from '../auth/logout.server'
import { requirePermission } from '../auth/require.server'

export const access = { loader: 'self:manage', action: 'self:manage' } as const

// Logging out changes data, so it is a POST; a GET only goes home.
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  return redirect('/')
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  return redirect('/login?loggedOut=1', { headers: { 'Set-Cookie': await logout(actor) } })
}
