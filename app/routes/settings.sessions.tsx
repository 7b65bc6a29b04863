import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { recordAudit } from '../auth/audit.server'
import { requirePermission } from '../auth/require.server'
import { endOtherSessionsOf, endSessionByHandle, listSessionsOf } from '../auth/session.server'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { SettingsNav } from '../components/settings-nav'
import { formatDateTime } from '../utils/format'
import { describeUserAgent } from '../utils/user-agent'

export const access = { loader: 'self:manage', action: 'self:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Sessions · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  return { sessions: await listSessionsOf(actor.user.id, actor.sessionId) }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const form = await request.formData()
  const intent = form.get('intent')
  const self = { userId: actor.user.id }
  if (intent === 'end-others') {
    if (!actor.sessionId) return data({ message: 'Only a browser session can end other sessions.' }, { status: 400 })
    await endOtherSessionsOf(actor.user.id, actor.sessionId)
    await recordAudit({ action: 'session.end_others', actor: self, targetType: 'user', targetId: actor.user.id })
    return { message: 'Every other session has ended.' }
  }
  if (intent === 'end') {
    const handle = String(form.get('handle') ?? '')
    if (!(await endSessionByHandle(actor.user.id, handle))) {
      return data({ message: 'That session does not exist or has already ended.' }, { status: 404 })
    }
    await recordAudit({ action: 'session.end', actor: self, targetType: 'session', targetId: handle })
    return { message: 'The session has ended.' }
  }
  return data({ message: `Unknown intent: ${String(intent)}` }, { status: 400 })
}

export default function SessionsPage() {
  const { sessions } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const others = sessions.filter((session) => !session.current).length
  return (
    <main>
      <SettingsNav />
      <div className="flex items-center justify-between">
        <div>
          <h1 className="page-title">Sessions</h1>
          <p className="mt-1 text-zinc-500">Where you are logged in. End any session you do not recognise.</p>
        </div>
        <Form method="post">
          <input type="hidden" name="intent" value="end-others" />
          <button type="submit" className="btn" disabled={others === 0}>
            End all other sessions
          </button>
        </Form>
      </div>
      {result?.message ? (
        <p role="status" className="mt-4 text-sm text-zinc-600 dark:text-zinc-300">
          {result.message}
        </p>
      ) : null}
      <div className="card mt-4 overflow-x-auto">
        <table className="table-dense">
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">IP</th>
              <th scope="col">Started</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr key={session.handle}>
                <td>
                  {describeUserAgent(session.userAgent)}
                  {session.current ? (
                    <span className="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200">
                      this session
                    </span>
                  ) : null}
                </td>
                <td className="font-mono text-xs">{session.ip ?? '—'}</td>
                <td>{formatDateTime(session.createdAt)}</td>
                <td>{formatDateTime(session.lastSeenAt)}</td>
                <td className="text-right">
                  {session.current ? null : (
                    <Form method="post">
                      <input type="hidden" name="intent" value="end" />
                      <input type="hidden" name="handle" value={session.handle} />
                      <button type="submit" className="btn">
                        End
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
