import { NavLink } from '@remix-run/react'

const LINKS = [
  { to: '/settings/password', label: 'Password' },
  { to: '/settings/sessions', label: 'Sessions' },
  { to: '/settings/tokens', label: 'API tokens' },
  { to: '/settings/notifications', label: 'Notifications' },
]

export function SettingsNav() {
  return (
    <nav aria-label="Settings" className="mb-6 flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
      {LINKS.map((link) => (
        <NavLink
          key={link.to}
          to={link.to}
          className={({ isActive }) =>
            `-mb-px border-b-2 px-3 py-2 text-sm ${
              isActive
                ? 'border-indigo-600 font-medium text-zinc-900 dark:text-white'
                : 'border-transparent text-zinc-500 hover:text-zinc-900 dark:hover:text-white'
            }`
          }
        >
          {link.label}
        </NavLink>
      ))}
    </nav>
  )
}
