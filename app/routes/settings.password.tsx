import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { changePassword } from '../auth/account.server'
import { requirePermission } from '../auth/require.server'
import { changePasswordSchema } from '../auth/schemas'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Field, FormErrors } from '../components/forms/field'
import { SettingsNav } from '../components/settings-nav'

export const access = { loader: 'self:manage', action: 'self:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Password · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  return null
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const submission = parseWithZod(await request.formData(), { schema: changePasswordSchema })
  const hidden = ['currentPassword', 'newPassword', 'confirmPassword']
  if (submission.status !== 'success') return data({ result: submission.reply({ hideFields: hidden }), changed: false }, { status: 400 })
  if (!actor.sessionId) {
    return data({ result: submission.reply({ formErrors: ['Change your password from a browser session.'], hideFields: hidden }), changed: false }, { status: 400 })
  }
  const outcome = await changePassword(actor.user.id, actor.sessionId, submission.value.currentPassword, submission.value.newPassword)
  if (!outcome.ok) {
    return data({ result: submission.reply({ fieldErrors: { [outcome.field]: [outcome.message] }, hideFields: hidden }), changed: false }, { status: 400 })
  }
  return { result: submission.reply({ resetForm: true }), changed: true }
}

export default function PasswordPage() {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'change-password',
    lastResult: actionData?.result,
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: changePasswordSchema }),
  })
  return (
    <main>
      <SettingsNav />
      <h1 className="page-title">Password</h1>
      <p className="mt-1 text-zinc-500">Changing your password logs you out everywhere else.</p>
      {actionData?.changed ? (
        <p role="status" className="mt-4 text-emerald-700 dark:text-emerald-300">
          Your password has changed and your other sessions have ended.
        </p>
      ) : null}
      <Form method="post" className="card mt-4 max-w-md space-y-4 p-5" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field label="Current password" htmlFor={fields.currentPassword.id} errorId={fields.currentPassword.errorId} errors={fields.currentPassword.errors}>
          <input className="input" autoComplete="current-password" {...getInputProps(fields.currentPassword, { type: 'password' })} />
        </Field>
        <Field label="New password" htmlFor={fields.newPassword.id} errorId={fields.newPassword.errorId} errors={fields.newPassword.errors} hint="At least 12 characters.">
          <input className="input" autoComplete="new-password" {...getInputProps(fields.newPassword, { type: 'password' })} />
        </Field>
        <Field label="Repeat the new password" htmlFor={fields.confirmPassword.id} errorId={fields.confirmPassword.errorId} errors={fields.confirmPassword.errors}>
          <input className="input" autoComplete="new-password" {...getInputProps(fields.confirmPassword, { type: 'password' })} />
        </Field>
        <button type="submit" className="btn btn-primary">
          Change password
        </button>
      </Form>
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
