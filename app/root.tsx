import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { AppShell } from './components/app-shell'
import { GeneralErrorBoundary } from './components/error-boundary'
import { getOptionalActor } from './auth/require.server'
import { useNonce } from './utils/nonce'
import tailwindHref from './tailwind.css'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: tailwindHref },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export const meta: MetaFunction = () => [{ title: 'Inquest' }]

// The root loader only reads who is logged in; every route below names its own permission.
export const access = { loader: 'public' } as const

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await getOptionalActor(request)
  return {
    requestId: context.requestId,
    user: actor ? { id: actor.user.id, name: actor.user.name, email: actor.user.email, role: actor.user.role } : null,
  }
}

export type RootLoaderData = Awaited<ReturnType<typeof loader>>

export function useOptionalUser() {
  return useRouteLoaderData<typeof loader>('root')?.user ?? null
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce()
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="h-full font-sans text-sm">
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

export default function App() {
  return (
    <AppShell>
      <Outlet />
    </AppShell>
  )
}

export function ErrorBoundary() {
  return (
    <AppShell>
      <GeneralErrorBoundary />
    </AppShell>
  )
}
