import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { EmailTakenError, inviteUser } from '../auth/invites.server'
import { ROLE_PERMISSIONS, type Role } from '../auth/permissions'
import { requirePermission } from '../auth/require.server'
import { auditActorOf, changeUserRole, disableUser, enableUser, listUsersForAdmin } from '../auth/user-admin.server'
import { AdminPage, Badge, Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Field, FormErrors } from '../components/forms/field'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'user:manage', action: 'user:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Users · Admin · Inquest' }]

const ROLES = Object.keys(ROLE_PERMISSIONS) as [Role, ...Role[]]
const role = z.enum(ROLES, { errorMap: () => ({ message: 'Choose a role' }) })
const userId = z.string({ required_error: 'No user given' }).max(64)

// The same schemas validate in the browser (Conform) and in the action.
export const inviteSchema = z.object({
  intent: z.literal('invite'),
  email: z.string({ required_error: 'Enter an email address' }).trim().toLowerCase().email('Enter a valid email address').max(254),
  name: z.string({ required_error: 'Enter their name' }).trim().min(1, 'Enter their name').max(100, 'Use at most 100 characters'),
  role,
})
export const roleSchema = z.object({ intent: z.literal('role'), userId, role })
export const statusSchema = z.object({ intent: z.enum(['disable', 'enable']), userId })

type Reply = {
  intent: string | null
  userId: string | null
  result: SubmissionResult<string[]> | null
  invite: { email: string; url: string; expiresAt: Date; reinvited: boolean } | null
  notice: string | null
}
const reply = (body: Partial<Reply>, status = 200) =>
  data<Reply>({ intent: null, userId: null, result: null, invite: null, notice: null, ...body }, { status })

const REFUSALS = {
  not_found: { status: 404, message: 'That user does not exist.' },
  self: { status: 400, message: 'You cannot disable your own account. Ask another admin.' },
  last_admin: { status: 409, message: 'This is the last active admin. Make someone else an admin first.' },
} as const

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  return { users: await listUsersForAdmin(), selfId: actor.user.id }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  const intent = formData.get('intent')
  if (intent === 'invite') {
    const submission = parseWithZod(formData, { schema: inviteSchema })
    if (submission.status !== 'success') return reply({ intent, result: submission.reply() }, 400)
    try {
      const invite = await inviteUser(submission.value, auditActorOf(actor))
      const { email } = submission.value
      return reply({ intent, result: submission.reply({ resetForm: true }), invite: { email, url: invite.url, expiresAt: invite.expiresAt, reinvited: invite.reinvited } })
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error
      return reply({ intent, result: submission.reply({ fieldErrors: { email: ['That email already has an account'] } }) }, 400)
    }
  }
  if (intent === 'role' || intent === 'disable' || intent === 'enable') {
    const targetId = String(formData.get('userId') ?? '')
    const submission = parseWithZod(formData, { schema: intent === 'role' ? roleSchema : statusSchema })
    if (submission.status !== 'success') return reply({ intent, userId: targetId, result: submission.reply() }, 400)
    const value = submission.value
    const outcome =
      value.intent === 'role'
        ? await changeUserRole(value.userId, value.role, actor)
        : value.intent === 'disable'
          ? await disableUser(value.userId, actor)
          : await enableUser(value.userId, actor)
    if (!outcome.ok) {
      const refusal = REFUSALS[outcome.reason]
      // A missing user has no row to show the error beside.
      if (outcome.reason === 'not_found') return reply({ intent, notice: refusal.message }, refusal.status)
      return reply({ intent, userId: targetId, result: submission.reply({ formErrors: [refusal.message] }) }, refusal.status)
    }
    // Someone who just gave up their own admin role may no longer see this page.
    if (value.intent === 'role' && value.userId === actor.user.id && value.role !== 'admin') throw redirect('/')
    const done = { role: 'Role changed.', disable: 'Account disabled: its sessions ended and its API tokens were revoked.', enable: 'Account re-enabled.' }
    return reply({ intent, userId: targetId, result: submission.reply(), notice: outcome.changed ? done[value.intent] : 'Nothing to change.' })
  }
  return reply({ notice: 'Unknown action.' }, 400)
}

export default function AdminUsersPage() {
  const { users, selfId } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <AdminPage title="Users" description="Invite people, change what they may do, and disable accounts.">
      {actionData?.invite ? <InviteLink invite={actionData.invite} /> : null}
      {actionData?.notice ? <Notice tone={actionData.result ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      <InviteForm lastResult={actionData?.intent === 'invite' ? actionData.result : undefined} />
      <div className="card mt-6 overflow-x-auto">
        <table className="table-dense">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => {
              const mine = actionData?.userId === user.id ? actionData : undefined
              return (
                <tr key={user.id}>
                  <td className="font-medium">
                    {user.email}
                    {user.id === selfId ? <span className="ml-1 text-xs text-zinc-500">(you)</span> : null}
                  </td>
                  <td>{user.name}</td>
                  <td>
                    <RoleForm user={user} lastResult={mine?.intent === 'role' ? mine.result : undefined} />
                  </td>
                  <td>
                    {user.status === 'active' ? <Badge tone="green">active</Badge> : null}
                    {user.status === 'disabled' ? <Badge tone="grey">disabled</Badge> : null}
                    {user.status === 'invited' ? (
                      <span title={user.inviteExpiresAt ? `Link expires ${formatDateTime(user.inviteExpiresAt)}` : undefined}>
                        <Badge tone={user.inviteExpired ? 'amber' : 'blue'}>{user.inviteExpired ? 'invited · link expired' : 'invited'}</Badge>
                      </span>
                    ) : null}
                  </td>
                  <td className="whitespace-nowrap">{formatDateTime(user.createdAt)}</td>
                  <td className="text-right">
                    {user.id === selfId ? null : (
                      <StatusForm user={user} lastResult={mine?.intent === 'disable' || mine?.intent === 'enable' ? mine.result : undefined} />
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </AdminPage>
  )
}

function InviteLink({ invite }: { invite: NonNullable<Reply['invite']> }) {
  return (
    <div role="status" className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950">
      <p className="font-medium">
        {invite.reinvited ? 'New invite' : 'Invite'} for {invite.email} created. Send them this link; it is shown only now, works once, and
        expires {formatDateTime(invite.expiresAt)}.{invite.reinvited ? ' Their earlier link no longer works.' : ''}
      </p>
      <label htmlFor="invite-link" className="sr-only">
        Invite link for {invite.email}
      </label>
      <input id="invite-link" data-testid="invite-link" readOnly value={invite.url} className="input mt-2 font-mono" onFocus={(event) => event.currentTarget.select()} />
    </div>
  )
}

function InviteForm({ lastResult }: { lastResult?: SubmissionResult<string[]> | null }) {
  const [form, fields] = useForm({
    id: 'invite',
    lastResult,
    defaultValue: { role: 'engineer' },
    constraint: { email: { required: true }, name: { required: true } },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: inviteSchema }),
  })
  return (
    <Form method="post" className="card mt-4 grid max-w-4xl gap-4 p-5 sm:grid-cols-[2fr_2fr_1fr_auto] sm:items-start" {...getFormProps(form)}>
      <input type="hidden" name="intent" value="invite" />
      <h2 className="text-sm font-semibold sm:col-span-4">Invite someone</h2>
      {form.errors?.length ? (
        <div className="sm:col-span-4">
          <FormErrors id={form.errorId} errors={form.errors} />
        </div>
      ) : null}
      <Field label="Email" htmlFor={fields.email.id} errorId={fields.email.errorId} errors={fields.email.errors}>
        <input className="input" autoComplete="off" {...getInputProps(fields.email, { type: 'email' })} />
      </Field>
      <Field label="Name" htmlFor={fields.name.id} errorId={fields.name.errorId} errors={fields.name.errors}>
        <input className="input" autoComplete="off" {...getInputProps(fields.name, { type: 'text' })} />
      </Field>
      <Field label="Role" htmlFor={fields.role.id} errorId={fields.role.errorId} errors={fields.role.errors}>
        <select className="input" {...getSelectProps(fields.role)}>
          {ROLES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" className="btn btn-primary sm:mt-6">
        Invite
      </button>
    </Form>
  )
}

type UserRow = ReturnType<typeof useLoaderData<typeof loader>>['users'][number]

function RoleForm({ user, lastResult }: { user: UserRow; lastResult?: SubmissionResult<string[]> | null }) {
  const [form, fields] = useForm({
    id: `role-${user.id}`,
    lastResult,
    defaultValue: { role: user.role },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: roleSchema }),
  })
  const errors = [...(form.errors ?? []), ...(fields.role.errors ?? []), ...(fields.userId.errors ?? [])]
  return (
    <Form method="post" className="flex items-center gap-2" {...getFormProps(form)}>
      <input type="hidden" name="intent" value="role" />
      <input type="hidden" name="userId" value={user.id} />
      <label htmlFor={fields.role.id} className="sr-only">
        Role of {user.email}
      </label>
      <select className="input w-auto py-1" {...getSelectProps(fields.role)} aria-describedby={form.errorId}>
        {ROLES.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
      <button type="submit" className="btn py-1">
        Save<span className="sr-only"> role of {user.email}</span>
      </button>
      <RowErrors id={form.errorId} errors={errors} />
    </Form>
  )
}

function StatusForm({ user, lastResult }: { user: UserRow; lastResult?: SubmissionResult<string[]> | null }) {
  const intent = user.disabledAt ? 'enable' : 'disable'
  const [form, fields] = useForm({ id: `status-${user.id}`, lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema: statusSchema }) })
  return (
    <Form method="post" className="inline-flex flex-col items-end" {...getFormProps(form)}>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="userId" value={user.id} />
      <button type="submit" className={intent === 'disable' ? 'btn btn-danger py-1' : 'btn py-1'} aria-describedby={form.errorId}>
        {intent === 'disable' ? 'Disable' : 'Re-enable'}
        <span className="sr-only"> {user.email}</span>
      </button>
      <RowErrors id={form.errorId} errors={[...(form.errors ?? []), ...(fields.userId.errors ?? [])]} />
    </Form>
  )
}

function RowErrors({ id, errors }: { id: string; errors: string[] }) {
  return (
    <div id={id} role={errors.length ? 'alert' : undefined} className="field-error text-xs">
      {errors.map((error) => (
        <p key={error}>{error}</p>
      ))}
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
