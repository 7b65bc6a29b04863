import {
  data,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { getOptionalActor } from '../auth/require.server'
import { ErrorPanel, GeneralErrorBoundary } from '../components/error-boundary'
import { findUnsubscribeToken, undoUnsubscribe, unsubscribeWithToken } from '../notifications/unsubscribe.server'

// One-click unsubscribe (RFC 8058): the token in the path is the credential; no login, no cookie.
// GET only shows what would stop (link scanners follow GETs). POST, from the button or from a mail
// client's `List-Unsubscribe=One-Click`, unsubscribes and answers 200 with the page, never a redirect.
// The CSRF origin check exempts /unsubscribe/ (app/auth/csrf.server.ts).
export const access = { loader: 'public', action: 'public' } as const

export const meta: MetaFunction = () => [{ title: 'Unsubscribe · Inquest' }, { name: 'robots', content: 'noindex' }]

export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' })

const notFound = () => new Response('This unsubscribe link is not valid.', { status: 404, statusText: 'Not Found' })

export async function loader({ request, params }: LoaderFunctionArgs) {
  await getOptionalActor(request)
  const state = await findUnsubscribeToken(params.token ?? '')
  if (!state) throw notFound()
  return { state }
}

/** The body as a form, whatever a mail client sent (urlencoded, multipart, or something else). */
async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData()
  } catch {
    return new FormData()
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  await getOptionalActor(request)
  const form = await readForm(request)
  const intent = form.get('intent')
  // A honeypot for the button's form: people leave it empty, form-filling bots do not.
  if (String(form.get('website') ?? '') !== '')
    return data({ done: null, error: 'Leave the last field empty.' }, { status: 400 })
  if (intent === 'undo') {
    const outcome = await undoUnsubscribe(params.token ?? '')
    if (!outcome.ok) throw notFound()
    return { done: 'undone' as const, error: null }
  }
  if (intent !== null && intent !== 'unsubscribe')
    return data({ done: null, error: 'Unknown action.' }, { status: 400 })
  const outcome = await unsubscribeWithToken(params.token ?? '')
  if (!outcome.ok) throw notFound()
  return { done: 'unsubscribed' as const, error: null }
}

export default function UnsubscribePage() {
  const { state } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const busy = useNavigation().state !== 'idle'
  return (
    <main className="mx-auto max-w-xl px-6 py-16">
      <p className="text-sm font-semibold text-indigo-600 dark:text-indigo-400">Inquest</p>
      {state.subscribed ? (
        <>
          <h1 className="mt-2 text-2xl font-semibold">Unsubscribe from {state.label}?</h1>
          <p className="mt-3 text-zinc-600 dark:text-zinc-400">
            {actionData?.done === 'undone' ? 'Done: you get this mail again. ' : ''}
            Mail to <span className="font-medium">{state.email}</span> about {state.label} stops at once, including any
            not sent yet.
            {state.category === 'all' ? ' Security mail, such as invites, still comes.' : ''}
          </p>
          <Form method="post" className="mt-6">
            <input type="hidden" name="intent" value="unsubscribe" />
            <Honeypot />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Unsubscribe
            </button>
          </Form>
        </>
      ) : (
        <>
          <h1 className="mt-2 text-2xl font-semibold">You are unsubscribed from {state.label}</h1>
          <p role="status" className="mt-3 text-zinc-600 dark:text-zinc-400">
            {actionData?.done === 'unsubscribed' ? 'Done. ' : ''}
            <span className="font-medium">{state.email}</span> gets no more mail about {state.label}.
            {state.category === 'all' ? ' Security mail, such as invites, still comes.' : ''}
          </p>
          {state.canUndo ? (
            <Form method="post" className="mt-6">
              <input type="hidden" name="intent" value="undo" />
              <Honeypot />
              <button type="submit" className="btn" disabled={busy}>
                Undo
              </button>
            </Form>
          ) : null}
        </>
      )}
      {actionData?.error ? (
        <p role="alert" className="field-error">
          {actionData.error}
        </p>
      ) : null}
      <p className="mt-8 text-sm">
        <Link to="/settings/notifications" className="text-indigo-600 hover:underline dark:text-indigo-400">
          Manage all your notification preferences
        </Link>{' '}
        <span className="text-zinc-500">(after logging in)</span>
      </p>
    </main>
  )
}

function Honeypot() {
  return (
    <div className="sr-only" aria-hidden="true">
      <label htmlFor="website">Leave this empty</label>
      <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
    </div>
  )
}

export function ErrorBoundary() {
  return (
    <GeneralErrorBoundary
      statusHandlers={{
        404: () => (
          <ErrorPanel title="This unsubscribe link does not work" code={404}>
            It may be mistyped or cut short by your mail program. You can change what mail you get under Settings →
            Notifications after logging in.
          </ErrorPanel>
        ),
      }}
    />
  )
}
