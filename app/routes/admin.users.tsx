import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { inviteUser } from '../auth/invites.server'
import { ROLE_PERMISSIONS, type Role } from '../auth/permissions'
import { requirePermission } from '../auth/require.server'
import { auditActorOf, changeUserRole, disableUser, enableUser, listUsersForAdmin } from '../auth/user-admin.server'
import {
  AdminPage,
  Notice,
  RowActionForm,
  RowErrors,
  ShownOnce,
  TableHead,
  UserStatusBadge,
} from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Field, FormErrors } from '../components/forms/field'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'user:manage', action: 'user:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Users · Admin · Inquest' }]

const ROLES = Object.keys(ROLE_PERMISSIONS) as [Role, ...Role[]]
// An option without a value attribute submits its text.
const ROLE_OPTIONS = ROLES.map((value) => <option key={value}>{value}</option>)
const role = z.enum(ROLES, { errorMap: () => ({ message: 'Choose a role' }) })
const userId = z.string({ required_error: 'No user given' }).max(64)

// The same schemas validate in the browser (Conform) and in the action.
export const inviteSchema = z.object({
  intent: z.literal('invite'),
  email: z
    .string({ required_error: 'Enter an email address' })
    .trim()
    .toLowerCase()
    .email('Enter a valid email address')
    .max(254),
  name: z
    .string({ required_error: 'Enter their name' })
    .trim()
    .min(1, 'Enter their name')
    .max(100, 'Use at most 100 characters'),
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

const DONE = { role: 'Role changed.', disable: 'Disabled: sessions ended, tokens revoked.', enable: 'Re-enabled.' }

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
    const invite = await inviteUser(submission.value, auditActorOf(actor))
    if (!invite.ok) {
      return reply({ intent, result: submission.reply({ fieldErrors: { email: [invite.message] } }) }, 400)
    }
    const { email, url, expiresAt, reinvited } = invite
    return reply({
      intent,
      result: submission.reply({ resetForm: true }),
      invite: { email, url, expiresAt, reinvited },
    })
  }
  if (intent === 'role' || intent === 'disable' || intent === 'enable') {
    const targetId = String(formData.get('userId') ?? '')
    const submission = parseWithZod(formData, { schema: intent === 'role' ? roleSchema : statusSchema })
    if (submission.status !== 'success') return reply({ intent, userId: targetId, result: submission.reply() }, 400)
    const value = submission.value
    const outcome =
      value.intent === 'role'
        ? await changeUserRole(value.userId, value.role, auditActorOf(actor))
        : value.intent === 'disable'
          ? await disableUser(value.userId, auditActorOf(actor))
          : await enableUser(value.userId, auditActorOf(actor))
    if (!outcome.ok) {
      const refusal = REFUSALS[outcome.reason]
      // A missing user has no row to show the error beside.
      if (outcome.reason === 'not_found') return reply({ intent, notice: refusal.message }, refusal.status)
      return reply(
        { intent, userId: targetId, result: submission.reply({ formErrors: [refusal.message] }) },
        refusal.status,
      )
    }
    // Someone who just gave up their own admin role may no longer see this page.
    if (value.intent === 'role' && value.userId === actor.user.id && value.role !== 'admin') throw redirect('/')
    const notice = outcome.changed ? DONE[value.intent] : 'Nothing to change.'
    return reply({ intent, userId: targetId, result: submission.reply(), notice })
  }
  return reply({ notice: 'Unknown action.' }, 400)
}

export default function AdminUsersPage() {
  const { users, selfId } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <AdminPage title="Users" description="Invite people, change what they may do, and disable accounts.">
      {actionData?.invite ? (
        <ShownOnce label={`Invite link for ${actionData.invite.email}`} value={actionData.invite.url}>
          {actionData.invite.reinvited ? 'New invite' : 'Invite'} for {actionData.invite.email} created. Send them this
          link: it is shown only now, works once, and expires {formatDateTime(actionData.invite.expiresAt)}.
          {actionData.invite.reinvited ? ' Their earlier link no longer works.' : ''}
        </ShownOnce>
      ) : null}
      {actionData?.notice ? <Notice tone={actionData.result ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      <InviteForm lastResult={actionData?.intent === 'invite' ? actionData.result : undefined} />
      <div className="card mt-6 overflow-x-auto">
        <table className="table-dense">
          <TableHead columns={['Email', 'Name', 'Role', 'Status', 'Created']} actions />
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
                    <UserStatusBadge user={user} />
                  </td>
                  <td className="whitespace-nowrap">{formatDateTime(user.createdAt)}</td>
                  <td className="text-right">
                    {user.id === selfId ? null : (
                      <RowActionForm
                        id={`status-${user.id}`}
                        schema={statusSchema}
                        values={{ intent: user.disabledAt ? 'enable' : 'disable', userId: user.id }}
                        lastResult={mine?.intent === 'disable' || mine?.intent === 'enable' ? mine.result : undefined}
                        danger={!user.disabledAt}
                      >
                        {user.disabledAt ? 'Re-enable' : 'Disable'}
                        <span className="sr-only"> {user.email}</span>
                      </RowActionForm>
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
    <Form
      method="post"
      className="card mt-4 grid max-w-4xl gap-4 p-5 sm:grid-cols-[2fr_2fr_1fr_auto] sm:items-start"
      {...getFormProps(form)}
    >
      <input type="hidden" name="intent" value="invite" />
      <h2 className="text-sm font-semibold sm:col-span-4">Invite someone</h2>
      <div className="empty:hidden sm:col-span-4">
        <FormErrors id={form.errorId} errors={form.errors} />
      </div>
      <Field label="Email" htmlFor={fields.email.id} errorId={fields.email.errorId} errors={fields.email.errors}>
        <input className="input" autoComplete="off" {...getInputProps(fields.email, { type: 'email' })} />
      </Field>
      <Field label="Name" htmlFor={fields.name.id} errorId={fields.name.errorId} errors={fields.name.errors}>
        <input className="input" autoComplete="off" {...getInputProps(fields.name, { type: 'text' })} />
      </Field>
      <Field label="Role" htmlFor={fields.role.id} errorId={fields.role.errorId} errors={fields.role.errors}>
        <select className="input" {...getSelectProps(fields.role)}>
          {ROLE_OPTIONS}
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
  return (
    <Form method="post" className="flex flex-wrap items-center gap-2" {...getFormProps(form)}>
      <input type="hidden" name="intent" value="role" />
      <input type="hidden" name="userId" value={user.id} />
      <label htmlFor={fields.role.id} className="sr-only">
        Role of {user.email}
      </label>
      <select className="input w-auto py-1" {...getSelectProps(fields.role)} aria-describedby={form.errorId}>
        {ROLE_OPTIONS}
      </select>
      <button type="submit" className="btn py-1">
        Save<span className="sr-only"> role of {user.email}</span>
      </button>
      <RowErrors id={form.errorId} errors={Object.values(form.allErrors).flat()} />
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
