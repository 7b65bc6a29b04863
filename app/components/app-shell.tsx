import { Form, Link, NavLink, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { userHasPermission, type Permission } from '../auth/permissions'
import type { RootLoaderData } from '../root'

interface NavItem {
  to: string
  label: string
  permission: Permission
}

const NAV: NavItem[] = [
  { to: '/', label: 'Dashboard', permission: 'workspace:read' },
  { to: '/investigations', label: 'Investigations', permission: 'workspace:read' },
  { to: '/branches', label: 'Red branches', permission: 'workspace:read' },
  { to: '/flaky-tests', label: 'Flaky tests', permission: 'workspace:read' },
  { to: '/repositories', label: 'Repositories', permission: 'workspace:read' },
  { to: '/admin', label: 'Admin', permission: 'user:manage' },
]

export function AppShell({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<RootLoaderData>('root')
  const user = data?.user ?? null
  return (
    <div className="flex min-h-full flex-col">
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex h-12 max-w-7xl items-center gap-6 px-4">
          <Link to="/" className="flex items-center gap-2 font-semibold tracking-tight">
            <Logo />
            Inquest
          </Link>
          {user ? (
            <nav aria-label="Main" className="flex items-center gap-1">
              {NAV.filter((item) => userHasPermission(user.role, item.permission)).map((item) => (
                <NavLink
                  key={item.to}
                  to={item.to}
                  end={item.to === '/'}
                  className={({ isActive }) =>
                    `rounded px-2.5 py-1 text-sm ${
                      isActive
                        ? 'bg-zinc-100 font-medium text-zinc-900 dark:bg-zinc-800 dark:text-white'
                        : 'text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white'
                    }`
                  }
                >
                  {item.label}
                </NavLink>
              ))}
            </nav>
          ) : null}
          <div className="ml-auto flex items-center gap-3">
            {user ? (
              <>
                <Link to="/settings/sessions" className="text-sm text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white">
                  {user.name} <span className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs dark:bg-zinc-800">{user.role}</span>
                </Link>
                <Form method="post" action="/logout">
                  <button type="submit" className="btn">
                    Log out
                  </button>
                </Form>
              </>
            ) : (
              <Link to="/login" className="btn">
                Log in
              </Link>
            )}
          </div>
        </div>
      </header>
      <div className="mx-auto w-full max-w-7xl flex-1 px-4 py-6">{children}</div>
    </div>
  )
}

function Logo() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" className="text-indigo-600 dark:text-indigo-400">
      <circle cx="10" cy="10" r="6.5" fill="none" stroke="currentColor" strokeWidth="2.5" />
      <path d="M15 15l6 6" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
    </svg>
  )
}
