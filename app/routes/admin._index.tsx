import { redirect, type LoaderFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../auth/require.server'
import { GeneralErrorBoundary } from '../components/error-boundary'

export const access = { loader: 'user:manage' } as const

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  throw redirect('/admin/users')
}

// Never rendered (the loader always redirects or throws); present so that a 403 gets the app's error page.
export default function AdminIndex() {
  return null
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
