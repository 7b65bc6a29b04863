// Pieces of the repository pages: badges, the shown-once webhook secret with its setup steps, the
// delivery table and the deliveries-per-day bars.
import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { PROVIDER_LABELS, type RepositoryProvider } from '../connectors/repository-schema'
import type { SetupStep } from '../connectors/webhook-setup'
import { formatDateTime } from '../utils/format'
import { Badge } from './admin-nav'

export function ProviderBadge({ provider }: { provider: RepositoryProvider }) {
  return <Badge tone={provider === 'git' ? 'grey' : 'blue'}>{PROVIDER_LABELS[provider]}</Badge>
}

const STATUS_TONES = { pending: 'amber', processing: 'blue', processed: 'green', ignored: 'grey', failed: 'amber' } as const

export function DeliveryStatusBadge({ status, retrying = false }: { status: keyof typeof STATUS_TONES; retrying?: boolean }) {
  if (status === 'failed') {
    return <span className="whitespace-nowrap rounded bg-red-100 px-1.5 py-0.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">failed</span>
  }
  return <Badge tone={STATUS_TONES[status]}>{retrying ? 'retrying' : status}</Badge>
}

export function Section({ title, id, children, aside }: { title: string; id: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section aria-labelledby={id} className="card mt-6 p-5">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={id} className="text-sm font-semibold">
          {title}
        </h2>
        {aside}
      </div>
      <div className="mt-3">{children}</div>
    </section>
  )
}

export function SetupSteps({ steps }: { steps: SetupStep[] }) {
  return (
    <ol className="list-decimal space-y-1.5 pl-5 text-sm">
      {steps.map((step) => (
        <li key={step.text}>
          {step.text}{' '}
          {step.value ? <code className="select-all break-all rounded bg-zinc-100 px-1 py-0.5 font-mono text-xs dark:bg-zinc-800">{step.value}</code> : null}
        </li>
      ))}
    </ol>
  )
}

/** The webhook secret, shown once, with the URL and what to do with both in the provider. */
export function SecretShownOnce({ heading, secret, steps, children }: { heading: string; secret: string; steps: SetupStep[]; children?: ReactNode }) {
  return (
    <div role="status" className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 p-4 dark:border-emerald-800 dark:bg-emerald-950">
      <p className="font-medium">{heading}</p>
      <p className="mt-1 text-sm">Copy the secret now: it is shown only this once. {children}</p>
      <label htmlFor="webhook-secret" className="label mt-3">
        Webhook secret
      </label>
      <input
        id="webhook-secret"
        data-testid="webhook-secret"
        readOnly
        value={secret}
        className="input mt-1 font-mono"
        onFocus={(event) => event.currentTarget.select()}
      />
      <h3 className="mt-4 text-sm font-semibold">Set up the webhook</h3>
      <div className="mt-2">
        <SetupSteps steps={steps} />
      </div>
    </div>
  )
}

export interface DeliveryRow {
  id: number
  deliveryId: string
  event: string
  status: keyof typeof STATUS_TONES
  attempts: number
  lastError: string | null
  receivedAt: number
}

export function DeliveriesTable({ repositoryId, rows, empty }: { repositoryId: string; rows: DeliveryRow[]; empty: string }) {
  if (rows.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>
  return (
    <div className="overflow-x-auto">
      <table className="table-dense">
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td className="whitespace-nowrap">
                <Link to={`/repositories/${repositoryId}/deliveries/${row.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                  {formatDateTime(row.receivedAt)}
                </Link>
              </td>
              <td className="font-mono text-xs">{row.event}</td>
              <td>
                <DeliveryStatusBadge status={row.status} retrying={row.status === 'pending' && row.lastError !== null} />
              </td>
              <td className="tabular-nums">{row.attempts}</td>
              <td className="max-w-md truncate text-xs text-red-700 dark:text-red-400" title={row.lastError ?? undefined}>
                {row.lastError ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Deliveries per day as a row of bars (failures in red), with the numbers in a table for screen readers. */
export function DeliveriesPerDay({ days }: { days: Array<{ date: string; total: number; failed: number }> }) {
  const most = Math.max(1, ...days.map((day) => day.total))
  return (
    <figure>
      <div className="flex h-24 items-end gap-1" aria-hidden="true">
        {days.map((day) => (
          <div key={day.date} className="flex h-full flex-1 flex-col justify-end" title={`${day.date}: ${day.total} deliveries, ${day.failed} failed`}>
            <div className="bg-red-500" style={{ height: `${(day.failed / most) * 100}%` }} />
            <div className="bg-indigo-500" style={{ height: `${((day.total - day.failed) / most) * 100}%`, minHeight: day.total ? 2 : 0 }} />
          </div>
        ))}
      </div>
      <div className="mt-1 flex justify-between text-xs text-zinc-500" aria-hidden="true">
        <span>{days[0]?.date}</span>
        <span>{days[days.length - 1]?.date}</span>
      </div>
      <table className="sr-only">
        <caption>Deliveries per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Deliveries</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr key={day.date}>
              <td>{day.date}</td>
              <td>{day.total}</td>
              <td>{day.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
