import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { acceptInvite, findInvite } from '../auth/invites.server'
import { logout } from '../auth/logout.server'
import { getOptionalActor } from '../auth/require.server'
import { MIN_PASSWORD_LENGTH, newPasswordSchema } from '../auth/schemas'
import { ErrorPanel, GeneralErrorBoundary } from '../components/error-boundary'
import { Field, FormErrors } from '../components/forms/field'
import { formatDateTime } from '../utils/format'

// Reachable without login: the token in the path is the credential.
export const access = { loader: 'public', action: 'public' } as const

export const meta: MetaFunction = () => [{ title: 'Accept your invite · Inquest' }]

// The token is in the URL: keep the page out of shared caches. (helmet's Referrer-Policy already keeps the path
// out of Referer headers sent to other sites.)
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' })

export const setPasswordSchema = z
  .object({
    password: newPasswordSchema,
    confirmPassword: z.string({ required_error: 'Repeat the password' }),
    // A honeypot: people leave it empty, form-filling bots do not.
    website: z.string().max(0, 'Leave this field empty').optional(),
  })
  .refine((value) => value.password === value.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The two passwords differ',
  })

/** The page that says the link does not work: the same whoever it was for. */
function inviteUnusable(status: 'unknown' | 'spent') {
  return status === 'unknown'
    ? new Response('This invite link is not valid.', { status: 404, statusText: 'Not Found' })
    : new Response('This invite link has been used or has expired.', { status: 410, statusText: 'Gone' })
}

async function requireValidInvite(token: string | undefined) {
  const invite = await findInvite(token ?? '')
  if (invite.status !== 'valid') throw inviteUnusable(invite.status)
  return invite
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await getOptionalActor(request)
  const invite = await requireValidInvite(params.token)
  return { email: invite.email, name: invite.name, expiresAt: invite.expiresAt, loggedInAs: actor?.user.email ?? null }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await getOptionalActor(request)
  await requireValidInvite(params.token)
  const submission = parseWithZod(await request.formData(), { schema: setPasswordSchema })
  if (submission.status !== 'success')
    return data(submission.reply({ hideFields: ['password', 'confirmPassword'] }), { status: 400 })
  const accepted = await acceptInvite(params.token ?? '', submission.value.password)
  // Another submission of the same link got there first.
  if (!accepted.ok) throw inviteUnusable(accepted.reason)
  // Whoever was logged in in this browser before is logged out, not left with a session nobody holds a cookie for.
  if (actor) await logout(actor)
  return redirect('/', { headers: { 'Set-Cookie': accepted.cookie } })
}

export default function AcceptInvitePage() {
  const { email, name, expiresAt, loggedInAs } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const navigation = useNavigation()
  const [form, fields] = useForm({
    id: 'accept-invite',
    lastResult,
    constraint: { password: { required: true, minLength: MIN_PASSWORD_LENGTH }, confirmPassword: { required: true } },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: setPasswordSchema }),
  })
  return (
    <main className="mx-auto mt-12 max-w-sm">
      <h1 className="page-title">Welcome to Inquest, {name}</h1>
      <p className="mt-1 text-zinc-500 dark:text-zinc-400">
        Choose a password for <span className="font-medium text-zinc-700 dark:text-zinc-200">{email}</span>. This link
        works once, until {formatDateTime(expiresAt)}.
      </p>
      {loggedInAs ? (
        <p role="note" className="mt-3 text-sm text-amber-700 dark:text-amber-300">
          You are logged in as {loggedInAs}. Setting this password logs you out and in as {email}.
        </p>
      ) : null}
      <Form method="post" className="card mt-6 space-y-4 p-5" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        {/* Lets password managers store the new password under the right account. */}
        <input type="email" autoComplete="username" value={email} readOnly hidden />
        <Field
          label="Password"
          htmlFor={fields.password.id}
          errorId={fields.password.errorId}
          errors={fields.password.errors}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        >
          <input
            className="input"
            autoComplete="new-password"
            autoFocus
            {...getInputProps(fields.password, { type: 'password' })}
          />
        </Field>
        <Field
          label="Repeat the password"
          htmlFor={fields.confirmPassword.id}
          errorId={fields.confirmPassword.errorId}
          errors={fields.confirmPassword.errors}
        >
          <input
            className="input"
            autoComplete="new-password"
            {...getInputProps(fields.confirmPassword, { type: 'password' })}
          />
        </Field>
        <div className="hidden" aria-hidden="true">
          <label htmlFor="invite-website">Leave this empty</label>
          <input id="invite-website" name="website" type="text" tabIndex={-1} autoComplete="off" />
        </div>
        <button
          type="submit"
          className="btn btn-primary w-full justify-center"
          disabled={navigation.state === 'submitting'}
        >
          {navigation.state === 'submitting' ? 'Setting your password…' : 'Set password and log in'}
        </button>
      </Form>
    </main>
  )
}

export function ErrorBoundary() {
  return (
    <GeneralErrorBoundary
      statusHandlers={{
        404: () => (
          <ErrorPanel title="This invite link is not valid" code={404}>
            Check that you copied the whole link. If it still does not work, ask an admin for a new invite.
          </ErrorPanel>
        ),
        410: () => (
          <ErrorPanel title="This invite link no longer works" code={410}>
            It has been used already or it has expired (links last 72 hours). If you have set your password, log in;
            otherwise ask an admin for a new invite.
          </ErrorPanel>
        ),
      }}
    />
  )
}
