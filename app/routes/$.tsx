import type { LoaderFunctionArgs } from '@remix-run/node'
import { ErrorPanel } from '../components/error-boundary'
import { requirePermission } from '../auth/require.server'

// Unknown paths: logged-out people go to the login page first, so a 404 never tells them what exists.
export const access = { loader: 'workspace:read', action: 'workspace:read' } as const

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  throw new Response('Not found', { status: 404, statusText: 'Not Found' })
}

export async function action({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.action)
  throw new Response('Not found', { status: 404, statusText: 'Not Found' })
}

export default function NotFound() {
  return <ErrorPanel title="Nothing here" code={404}>This page does not exist.</ErrorPanel>
}

export function ErrorBoundary() {
  return <ErrorPanel title="Nothing here" code={404}>This page does not exist, or it was moved.</ErrorPanel>
}
