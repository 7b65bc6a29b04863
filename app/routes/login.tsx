import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { Field, FormErrors } from '../components/forms/field'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { login } from '../auth/login.server'
import { loginSchema } from '../auth/schemas'
import { safeRedirectPath } from '../auth/redirect'
import { getOptionalActor } from '../auth/require.server'
import { getEnv } from '../env.server'
import { DEMO_PASSWORD, DEMO_USERS } from '../../db/seed-accounts'

export const access = { loader: 'public', action: 'public' } as const

export const meta: MetaFunction = () => [{ title: 'Log in · Inquest' }]

// A refused login's Retry-After reaches the document response.
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers()
  const retryAfter = actionHeaders.get('Retry-After')
  if (retryAfter) headers.set('Retry-After', retryAfter)
  return headers
}

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await getOptionalActor(request)
  if (actor) throw redirect(safeRedirectPath(new URL(request.url).searchParams.get('redirectTo')))
  const env = getEnv()
  return { demoLogins: env.NODE_ENV !== 'production' && env.SEED_DEMO ? DEMO_USERS.map((user) => user.email) : [] }
}

export async function action({ request }: ActionFunctionArgs) {
  const outcome = await login(request)
  switch (outcome.kind) {
    case 'ok':
      return redirect(safeRedirectPath(outcome.redirectTo), { headers: { 'Set-Cookie': outcome.cookie } })
    case 'invalid':
      return data(outcome.submission.reply({ hideFields: ['password'] }), { status: 400 })
    case 'failed':
      return data(outcome.submission.reply({ formErrors: [outcome.message], hideFields: ['password'] }), { status: 401 })
    case 'limited':
      return data(
        outcome.submission.reply({
          formErrors: [`Too many failed attempts. Try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minutes.`],
          hideFields: ['password'],
        }),
        { status: 429, headers: { 'Retry-After': String(outcome.retryAfterSeconds) } },
      )
  }
}

export default function LoginPage() {
  const { demoLogins } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const navigation = useNavigation()
  const [form, fields] = useForm({
    id: 'login',
    lastResult,
    constraint: { email: { required: true }, password: { required: true } },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: loginSchema }),
  })
  return (
    <main className="mx-auto mt-12 max-w-sm">
      <h1 className="page-title">Log in to Inquest</h1>
      <p className="mt-1 text-zinc-500">Find out why the build went red.</p>
      {searchParams.get('loggedOut') ? (
        <p role="status" className="mt-4 text-sm text-emerald-700 dark:text-emerald-300">
          You are logged out.
        </p>
      ) : null}
      <Form method="post" className="card mt-6 space-y-4 p-5" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field label="Email" htmlFor={fields.email.id} errorId={fields.email.errorId} errors={fields.email.errors}>
          <input className="input" autoComplete="username" autoFocus {...getInputProps(fields.email, { type: 'email' })} />
        </Field>
        <Field label="Password" htmlFor={fields.password.id} errorId={fields.password.errorId} errors={fields.password.errors}>
          <input className="input" autoComplete="current-password" {...getInputProps(fields.password, { type: 'password' })} />
        </Field>
        <div className="hidden" aria-hidden="true">
          <label htmlFor="login-website">Leave this empty</label>
          <input id="login-website" name="website" type="text" tabIndex={-1} autoComplete="off" />
        </div>
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? ''} />
        <button type="submit" className="btn btn-primary w-full justify-center" disabled={navigation.state === 'submitting'}>
          {navigation.state === 'submitting' ? 'Logging in…' : 'Log in'}
        </button>
      </Form>
      {demoLogins.length ? (
        <div className="mt-4 rounded-md border border-dashed border-zinc-300 p-3 text-xs text-zinc-500 dark:border-zinc-700">
          <p className="font-medium">Demo workspace</p>
          <p className="mt-1">
            {demoLogins.join(', ')} — password <code className="font-mono">{DEMO_PASSWORD}</code>
          </p>
        </div>
      ) : null}
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
