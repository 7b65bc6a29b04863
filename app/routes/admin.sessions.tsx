import type { SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { requirePermission } from '../auth/require.server'
import { auditActorOf, endSessionAsAdmin, listLiveSessions } from '../auth/user-admin.server'
import { AdminPage, Badge, Notice, RowActionForm, TableHead } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'access:manage', action: 'access:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Sessions · Admin · Inquest' }]

export const endSessionSchema = z.object({
  intent: z.literal('end'),
  handle: z.string({ required_error: 'No session given' }).regex(/^[0-9a-f]{16}$/, 'Not a session handle'),
})

type Reply = { handle: string | null; result: SubmissionResult<string[]> | null; notice: string | null }
const reply = (body: Partial<Reply>, status = 200) =>
  data<Reply>({ handle: null, result: null, notice: null, ...body }, { status })

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  return { sessions: await listLiveSessions(actor.sessionId) }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  if (formData.get('intent') !== 'end') return reply({ notice: 'Unknown action.' }, 400)
  const handle = String(formData.get('handle') ?? '')
  const submission = parseWithZod(formData, { schema: endSessionSchema })
  if (submission.status !== 'success') return reply({ handle, result: submission.reply() }, 400)
  const ended = await endSessionAsAdmin(submission.value.handle, auditActorOf(actor))
  // The row is gone by now, so the answer is a page notice rather than an error beside the row.
  if (!ended.ok) return reply({ handle, notice: 'That session does not exist or has already ended.' }, 404)
  return reply({ handle, result: submission.reply(), notice: 'The session has ended; that browser is logged out.' })
}

export default function AdminSessionsPage() {
  const { sessions } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <AdminPage
      title="Sessions"
      description="Everyone who is logged in right now. Ending a session logs that browser out."
    >
      {actionData?.notice ? <Notice tone={actionData.result ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      <div className="card mt-4 overflow-x-auto">
        <table className="table-dense">
          <TableHead columns={['User', 'Browser', 'IP', 'Started', 'Last seen']} actions />
          <tbody>
            {sessions.length === 0 ? (
              <tr>
                <td colSpan={6} className="text-zinc-500">
                  Nobody is logged in.
                </td>
              </tr>
            ) : null}
            {sessions.map((session) => (
              <tr key={session.handle}>
                <td>
                  <span className="font-medium">{session.name}</span>
                  <span className="block text-xs text-zinc-500">{session.email}</span>
                </td>
                <td title={session.userAgent ?? undefined}>
                  {session.browser}
                  {session.current ? (
                    <span className="ml-2">
                      <Badge tone="green">this session</Badge>
                    </span>
                  ) : null}
                </td>
                <td className="font-mono text-xs">{session.ip ?? '—'}</td>
                <td className="whitespace-nowrap">{formatDateTime(session.createdAt)}</td>
                <td className="whitespace-nowrap">{formatDateTime(session.lastSeenAt)}</td>
                <td className="text-right">
                  <RowActionForm
                    id={`end-${session.handle}`}
                    schema={endSessionSchema}
                    values={{ intent: 'end', handle: session.handle }}
                    lastResult={actionData?.handle === session.handle ? actionData.result : undefined}
                  >
                    End<span className="sr-only"> {`${session.browser} session of ${session.email}`}</span>
                  </RowActionForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </AdminPage>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
