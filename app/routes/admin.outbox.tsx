import type { SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { AdminPage, Badge, Notice, RowActionForm, TableHead } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { OUTBOX_TONES, OutboxEmail } from '../components/outbox-email'
import { getEnv } from '../env.server'
import {
  countOutboxByStatus,
  getOutboxEmail,
  listOutbox,
  retryOutboxEmail,
  type OutboxStatus,
} from '../notifications/outbox.server'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'outbox:manage', action: 'outbox:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Outbox · Admin · Inquest' }]

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

// The schema's list, repeated: the page renders in the browser too, where .server modules are empty.
const STATUSES = [
  'pending',
  'sending',
  'sent',
  'failed',
  'captured',
  'cancelled',
] as const satisfies readonly OutboxStatus[]
const _everyStatus: Exclude<OutboxStatus, (typeof STATUSES)[number]> extends never ? true : never = true
void _everyStatus

export const retrySchema = z.object({
  intent: z.literal('retry'),
  id: z.string({ required_error: 'No mail given' }).regex(ID_PATTERN, 'Not an outbox id'),
})

type Reply = { id: string | null; result: SubmissionResult<string[]> | null; notice: string | null }
const reply = (body: Partial<Reply>, status = 200) =>
  data<Reply>({ id: null, result: null, notice: null, ...body }, { status })

const isStatus = (value: string | null): value is OutboxStatus => (STATUSES as readonly string[]).includes(value ?? '')

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  const params = new URL(request.url).searchParams
  const status = params.get('status')
  const before = params.get('before') ?? undefined
  const id = params.get('id')
  const [counts, page, selected] = await Promise.all([
    countOutboxByStatus(),
    listOutbox({ status: isStatus(status) ? status : undefined, before }),
    id && ID_PATTERN.test(id) ? getOutboxEmail(id) : Promise.resolve(undefined),
  ])
  if (id && !selected) throw new Response('Not found', { status: 404 })
  const env = getEnv()
  return {
    counts,
    page,
    status: isStatus(status) ? status : null,
    selected: selected ?? null,
    from: env.EMAIL_FROM,
    sending: Boolean(env.RESEND_API_KEY),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  if (formData.get('intent') !== 'retry') return reply({ notice: 'Unknown action.' }, 400)
  const id = String(formData.get('id') ?? '')
  const submission = parseWithZod(formData, { schema: retrySchema })
  if (submission.status !== 'success') return reply({ id, result: submission.reply() }, 400)
  const outcome = await retryOutboxEmail(submission.value.id, auditActorOf(actor))
  if (!outcome.ok) {
    return outcome.reason === 'not_found'
      ? reply({ id, notice: 'That mail is not in the outbox.' }, 404)
      : reply({ id, notice: 'Only failed mail can be retried; this one is no longer failed.' }, 409)
  }
  return reply({ id, result: submission.reply(), notice: 'The mail is back in line: the sender tries it again now.' })
}

function query(values: Record<string, string | null | undefined>) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value)
  const text = params.toString()
  return text ? `?${text}` : '?'
}

export default function AdminOutboxPage() {
  const { counts, page, status, selected, from, sending } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0)
  const filters: Array<{ value: OutboxStatus | null; label: string; count: number }> = [
    { value: null, label: 'All', count: total },
    ...STATUSES.map((value) => ({
      value,
      label: value.charAt(0).toUpperCase() + value.slice(1),
      count: counts[value],
    })),
  ]
  return (
    <AdminPage
      title="Outbox"
      description={
        sending
          ? 'Every mail Inquest writes, newest first. The sender delivers it through Resend; failed mail can be retried.'
          : 'Every mail Inquest writes, newest first. No RESEND_API_KEY is set, so mail is captured here and not sent.'
      }
    >
      {actionData?.notice ? <Notice tone={actionData.result ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      <nav aria-label="Filter by status" className="mt-4 flex flex-wrap gap-2 text-sm">
        {filters.map((filter) => (
          <Link
            key={filter.label}
            to={query({ status: filter.value })}
            aria-current={status === filter.value ? 'page' : undefined}
            className={`rounded-full border px-3 py-1 ${
              status === filter.value
                ? 'border-indigo-600 bg-indigo-50 font-medium text-indigo-800 dark:border-indigo-400 dark:bg-indigo-950 dark:text-indigo-200'
                : 'border-zinc-200 text-zinc-600 hover:text-zinc-900 dark:border-zinc-700 dark:text-zinc-300 dark:hover:text-white'
            }`}
          >
            {filter.label} <span className="tabular-nums text-zinc-500">{filter.count}</span>
          </Link>
        ))}
      </nav>
      {selected ? <OutboxEmail email={selected} from={from} close={query({ status })} /> : null}
      <div className="card mt-4 overflow-x-auto">
        <table className="table-dense">
          <TableHead columns={['Created', 'To', 'Subject', 'Status', 'Tries', 'Why / next try']} actions />
          <tbody>
            {page.items.length === 0 ? (
              <tr>
                <td colSpan={7} className="text-zinc-500">
                  No mail{status ? ` with status ${status}` : ''}.
                </td>
              </tr>
            ) : null}
            {page.items.map((item) => (
              <tr key={item.id} aria-current={selected?.id === item.id ? 'true' : undefined}>
                <td className="whitespace-nowrap">{formatDateTime(item.createdAt)}</td>
                <td>{item.toAddress}</td>
                <td>
                  <Link
                    className="text-indigo-600 hover:underline dark:text-indigo-400"
                    to={query({ status, id: item.id })}
                  >
                    {item.subject}
                  </Link>
                  <span className="block text-xs text-zinc-500">
                    {item.category} · {item.template}
                  </span>
                </td>
                <td>
                  <Badge tone={OUTBOX_TONES[item.status]}>{item.status}</Badge>
                </td>
                <td className="tabular-nums">{item.attempts}</td>
                <td className="max-w-xs text-xs">
                  {item.lastError ? (
                    <span className="break-words text-zinc-700 dark:text-zinc-300">{item.lastError}</span>
                  ) : null}
                  {item.status === 'pending' && item.attempts > 0 ? (
                    <span className="block text-zinc-500">next try {formatDateTime(item.nextAttemptAt)}</span>
                  ) : null}
                  {item.sentAt ? <span className="block text-zinc-500">sent {formatDateTime(item.sentAt)}</span> : null}
                </td>
                <td className="text-right">
                  {item.status === 'failed' ? (
                    <RowActionForm
                      id={`retry-${item.id}`}
                      schema={retrySchema}
                      values={{ intent: 'retry', id: item.id }}
                      lastResult={actionData?.id === item.id ? actionData.result : undefined}
                    >
                      Retry<span className="sr-only"> the mail to {item.toAddress}</span>
                    </RowActionForm>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.nextCursor ? (
        <p className="mt-4">
          <Link className="btn" to={query({ status, before: page.nextCursor })}>
            Older mail
          </Link>
        </p>
      ) : null}
    </AdminPage>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
