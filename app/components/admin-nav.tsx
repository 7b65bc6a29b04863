// The admin pages' shared frame (sub-navigation, title) and the small pieces their tables and notices are made of.
import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { Form, NavLink, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import type { ZodTypeAny } from 'zod'
import { userHasPermission, type Permission } from '../auth/permissions'
import type { RootLoaderData } from '../root'
import { formatDateTime } from '../utils/format'

const LINKS: Array<{ to: string; label: string; permission: Permission }> = [
  { to: '/admin/users', label: 'Users', permission: 'user:manage' },
  { to: '/admin/sessions', label: 'Sessions', permission: 'access:manage' },
  { to: '/admin/tokens', label: 'Tokens', permission: 'access:manage' },
  { to: '/admin/audit', label: 'Audit log', permission: 'audit:read' },
  { to: '/admin/outbox', label: 'Outbox', permission: 'outbox:manage' },
  { to: '/admin/emails', label: 'Email templates', permission: 'outbox:manage' },
]

/** The admin pages' sub-navigation; shows only the pages the viewer's role may open. */
export function AdminNav() {
  const role = useRouteLoaderData<RootLoaderData>('root')?.user?.role
  return (
    <nav aria-label="Admin" className="mb-6 flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800">
      {LINKS.filter((link) => userHasPermission(role, link.permission)).map((link) => (
        <NavLink
          key={link.to}
          to={link.to}
          prefetch="intent"
          className={({ isActive }) =>
            `-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm ${
              isActive
                ? 'border-indigo-600 font-medium text-zinc-900 dark:border-indigo-400 dark:text-white'
                : 'border-transparent text-zinc-500 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white'
            }`
          }
        >
          {link.label}
        </NavLink>
      ))}
    </nav>
  )
}

/** An admin page: the sub-navigation, a title, a line saying what the page is for, then the page. */
export function AdminPage({
  title,
  description,
  actions,
  children,
}: {
  title: string
  description: ReactNode
  actions?: ReactNode
  children: ReactNode
}) {
  return (
    <main>
      <AdminNav />
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="page-title">{title}</h1>
          <p className="mt-1 text-zinc-500 dark:text-zinc-400">{description}</p>
        </div>
        {actions}
      </div>
      {children}
    </main>
  )
}

const BADGE_STYLES = {
  green: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200',
  amber: 'bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200',
  blue: 'bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-200',
  grey: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
} as const

export function Badge({ tone, children }: { tone: keyof typeof BADGE_STYLES; children: ReactNode }) {
  return <span className={`whitespace-nowrap rounded px-1.5 py-0.5 text-xs ${BADGE_STYLES[tone]}`}>{children}</span>
}

/** A one-line message after an action: role=status so screen readers announce it. */
export function Notice({ tone = 'info', children }: { tone?: 'info' | 'error'; children: ReactNode }) {
  const style =
    tone === 'error'
      ? 'border-red-200 bg-red-50 text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300'
      : 'border-zinc-200 bg-white text-zinc-700 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-300'
  return (
    <p role={tone === 'error' ? 'alert' : 'status'} className={`mt-4 rounded-md border px-3 py-2 text-sm ${style}`}>
      {children}
    </p>
  )
}

/** Errors of a small form inside a table row, announced when they appear. */
export function RowErrors({ id, errors }: { id: string; errors?: string[] }) {
  return (
    <div id={id} role={errors?.length ? 'alert' : undefined} className="field-error text-xs">
      {errors?.map((error) => (
        <p key={error}>{error}</p>
      ))}
    </div>
  )
}

/** A table header row; `actions` adds a last column, labelled for screen readers only, for row buttons. */
export function TableHead({ columns, actions = false }: { columns: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {column}
          </th>
        ))}
        {actions ? (
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        ) : null}
      </tr>
    </thead>
  )
}

/** Active, invited (with the link's expiry) or disabled. */
export function UserStatusBadge({
  user,
}: {
  user: { status: 'active' | 'invited' | 'disabled'; inviteExpired: boolean; inviteExpiresAt: Date | null }
}) {
  if (user.status !== 'invited') return <Badge tone={user.status === 'active' ? 'green' : 'grey'}>{user.status}</Badge>
  return (
    <span title={user.inviteExpiresAt ? `Link expires ${formatDateTime(user.inviteExpiresAt)}` : undefined}>
      <Badge tone={user.inviteExpired ? 'amber' : 'blue'}>
        {user.inviteExpired ? 'invited · link expired' : 'invited'}
      </Badge>
    </span>
  )
}

/** A secret (an invite link) that the server will not show again: a message and a read-only field to copy from. */
export function ShownOnce({ label, value, children }: { label: string; value: string; children: ReactNode }) {
  return (
    <div
      role="status"
      className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950"
    >
      <p className="font-medium">{children}</p>
      <label htmlFor="shown-once" className="sr-only">
        {label}
      </label>
      <input
        id="shown-once"
        data-testid="shown-once"
        readOnly
        value={value}
        className="input mt-2 font-mono"
        onFocus={(event) => event.currentTarget.select()}
      />
    </div>
  )
}

/**
 * A one-button form in a table row (end, revoke, disable): hidden fields, validated by Conform with the
 * route's schema in the browser as in the action, and its errors (any field's) beneath the button.
 */
export function RowActionForm({
  id,
  schema,
  values,
  lastResult,
  danger = false,
  children,
}: {
  id: string
  schema: ZodTypeAny
  values: Record<string, string>
  lastResult?: SubmissionResult<string[]> | null
  danger?: boolean
  children: ReactNode
}) {
  const [form] = useForm({ id, lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema }) })
  return (
    <Form method="post" className="inline-flex flex-col items-end" {...getFormProps(form)}>
      {Object.entries(values).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className={danger ? 'btn btn-danger py-1' : 'btn py-1'} aria-describedby={form.errorId}>
        {children}
      </button>
      <RowErrors id={form.errorId} errors={Object.values(form.allErrors).flat()} />
    </Form>
  )
}
