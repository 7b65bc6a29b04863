// An outbox row shown to an admin (Admin → Outbox).
import { Link } from '@remix-run/react'
import type { OutboxStatus } from '../../db/schema/notifications'
import { Badge } from './admin-nav'

export interface OutboxEmailView {
  id: string
  toAddress: string
  subject: string
  category: string
  template: string
  status: OutboxStatus
  headers: Record<string, string>
  html: string
  text: string
  lastError: string | null
  providerMessageId: string | null
}

export const OUTBOX_TONES: Record<OutboxStatus, 'green' | 'amber' | 'blue' | 'grey'> = {
  pending: 'blue',
  sending: 'blue',
  sent: 'green',
  failed: 'amber',
  captured: 'grey',
  cancelled: 'grey',
}

/** One outbox row as it was (or will be) sent: headers, the HTML in an empty sandbox, the text. */
export function OutboxEmail({ email, from, close }: { email: OutboxEmailView; from: string; close: string }) {
  const headers: Array<[string, string]> = [
    ['From', from],
    ['To', email.toAddress],
    ['Subject', email.subject],
    ...Object.entries(email.headers),
    ['Idempotency-Key', email.id],
  ]
  return (
    <section aria-labelledby="selected-email" className="card mt-4 p-4">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id="selected-email" className="text-lg font-semibold">
            {email.subject}
          </h2>
          <p className="text-sm text-zinc-500">
            {email.category} · {email.template} · <Badge tone={OUTBOX_TONES[email.status]}>{email.status}</Badge>
            {email.providerMessageId ? ` · Resend id ${email.providerMessageId}` : ''}
          </p>
          {email.lastError ? <p className="mt-1 text-sm text-red-700 dark:text-red-300">{email.lastError}</p> : null}
        </div>
        <Link className="btn" to={close}>
          Close
        </Link>
      </div>
      <h3 className="mt-4 text-sm font-semibold">Headers</h3>
      <dl className="mt-1 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 font-mono text-xs">
        {headers.map(([name, value]) => (
          <div key={name} className="contents">
            <dt className="text-zinc-500">{name}</dt>
            <dd className="break-all">{value}</dd>
          </div>
        ))}
      </dl>
      <h3 className="mt-4 text-sm font-semibold">As sent (HTML)</h3>
      {/* An empty sandbox: the mail's markup gets no scripts, no forms and no access to this page. */}
      <iframe
        title={`HTML of the mail “${email.subject}”`}
        sandbox=""
        srcDoc={email.html}
        className="mt-1 h-[32rem] w-full rounded border border-zinc-200 bg-white dark:border-zinc-700"
      />
      <h3 className="mt-4 text-sm font-semibold">Plain text</h3>
      <pre className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap rounded border border-zinc-200 p-3 text-xs dark:border-zinc-700">
        {email.text}
      </pre>
    </section>
  )
}
