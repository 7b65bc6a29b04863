// The top of an investigation's page: what it is, where and when, who owns and watches it, its
// status with the moves allowed from here, and (for engineers and admins) the controls to change it.
import { getFormProps, getSelectProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { Form, Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import type { InvestigationStatus } from '../../../db/schema/investigations'
import type { InvestigationView } from '../../investigations/investigations.server'
import {
  deleteSchema,
  KIND_LABELS,
  ownerSchema,
  SEVERITY_LABELS,
  SEVERITY_SHORT,
  statusSchema,
} from '../../investigations/page-schema'
import { STATUS_LABELS } from '../../investigations/status'
import { formatDateTime } from '../../utils/format'
import { RowActionForm } from '../admin-nav'
import { STATUS_STYLES } from '../investigation-status'
import { DetailsForm } from './details-form'
import { RenderedMarkdown } from './markdown'

type Result = SubmissionResult<string[]> | null | undefined

const SEVERITY_STYLES = {
  sev1: 'bg-red-600 text-white',
  sev2: 'bg-orange-500 text-white',
  sev3: 'bg-yellow-200 text-yellow-900 dark:bg-yellow-800 dark:text-yellow-100',
  sev4: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
} as const

export function StatusBadge({ status }: { status: InvestigationStatus }) {
  return (
    <span className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLES[status]}`}>
      {STATUS_LABELS[status]}
    </span>
  )
}

export function SeverityBadge({ severity }: { severity: keyof typeof SEVERITY_STYLES }) {
  return (
    <span
      className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-semibold ${SEVERITY_STYLES[severity]}`}
      title={SEVERITY_LABELS[severity]}
    >
      {SEVERITY_SHORT[severity]}
    </span>
  )
}

export interface HeaderProps {
  investigation: InvestigationView
  descriptionHtml: string | null
  moves: readonly InvestigationStatus[]
  people: Array<{ id: string; name: string; email: string }>
  watching: boolean
  can: { edit: boolean; delete: boolean }
  resultFor: (target: string) => Result
}

export function InvestigationHeader({
  investigation,
  descriptionHtml,
  moves,
  people,
  watching,
  can,
  resultFor,
}: HeaderProps) {
  const base = `/investigations/${investigation.id}`
  return (
    <section aria-labelledby="investigation-title" className="mt-1">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 id="investigation-title" className="page-title break-words">
            {investigation.title}
          </h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-zinc-500">
            <StatusBadge status={investigation.status} />
            <SeverityBadge severity={investigation.severity} />
            <span>{KIND_LABELS[investigation.kind]}</span>
            <span>
              · opened by {investigation.createdByName ?? 'someone'} {formatDateTime(investigation.createdAt)} · updated{' '}
              {formatDateTime(investigation.updatedAt)}
            </span>
          </p>
        </div>
        <nav aria-label="This investigation elsewhere" className="flex flex-wrap gap-2">
          <Link to={`${base}/canvas`} className="btn">
            Canvas
          </Link>
          <a href={`${base}/export?format=md`} className="btn" download>
            Export Markdown
          </a>
          <a href={`${base}/export?format=json`} className="btn" download>
            Export JSON
          </a>
        </nav>
      </div>

      {can.edit && moves.length ? (
        <div className="mt-4 flex flex-wrap items-start gap-2" role="group" aria-label="Change the status">
          <span className="py-1.5 text-sm text-zinc-500">Move to</span>
          {moves.map((to) => (
            <RowActionForm
              key={to}
              id={`status-${to}`}
              schema={statusSchema}
              values={{ intent: 'status', status: to }}
              lastResult={resultFor(`status-${to}`)}
            >
              <span className="sr-only">Move to </span>
              {STATUS_LABELS[to]}
            </RowActionForm>
          ))}
        </div>
      ) : null}

      <div className="card mt-4 grid gap-x-6 gap-y-3 p-4 md:grid-cols-2">
        <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <Term label="Repository">{investigation.repository ?? '—'}</Term>
          <Term label="Branch">
            {investigation.branch ? <span className="font-mono">{investigation.branch}</span> : '—'}
          </Term>
          <Term label="Workflow or job">{investigation.workflow ?? '—'}</Term>
          <Term label="Environment">{investigation.environment ?? '—'}</Term>
          <Term label="First seen">{formatDateTime(investigation.firstSeenAt)}</Term>
          <Term label="Last known good">{formatDateTime(investigation.lastKnownGoodAt)}</Term>
          {investigation.episodeId ? (
            <Term label="Red episode">
              <Link
                to={`/episodes/${investigation.episodeId}`}
                className="text-indigo-600 hover:underline dark:text-indigo-400"
              >
                #{investigation.episodeId}
              </Link>
            </Term>
          ) : null}
        </dl>
        <div className="space-y-3 text-sm">
          <div>
            <p className="text-zinc-500">Owner</p>
            <p className="font-medium" data-testid="owner">
              {investigation.ownerName ?? 'Nobody yet'}
            </p>
            {can.edit ? (
              <OwnerForm ownerId={investigation.ownerId} people={people} lastResult={resultFor('owner')} />
            ) : null}
          </div>
          <div>
            <p className="text-zinc-500">Watchers ({investigation.watchers.length})</p>
            <p data-testid="watchers">{investigation.watchers.map((watcher) => watcher.name).join(', ') || 'Nobody'}</p>
            {/* Everyone may watch (it decides their own mail): its own endpoint, so viewers can too. */}
            <Form method="post" action={`/investigations/${investigation.id}/watch`} className="mt-1">
              <input type="hidden" name="intent" value={watching ? 'unwatch' : 'watch'} />
              <button type="submit" className="btn py-1">
                {watching ? 'Unwatch' : 'Watch'}
              </button>
            </Form>
          </div>
        </div>
      </div>

      {descriptionHtml ? (
        <div className="card mt-4 p-4">
          <h2 className="sr-only">Description</h2>
          <RenderedMarkdown html={descriptionHtml} />
        </div>
      ) : null}

      {can.edit || can.delete ? (
        <div className="mt-4 flex flex-wrap items-start gap-3">
          {can.edit ? <DetailsForm investigation={investigation} lastResult={resultFor('details')} /> : null}
          {can.delete ? <DeleteForm lastResult={resultFor('delete')} /> : null}
        </div>
      ) : null}
    </section>
  )
}

function Term({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-zinc-500">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  )
}

function OwnerForm({
  ownerId,
  people,
  lastResult,
}: {
  ownerId: string | null
  people: HeaderProps['people']
  lastResult: Result
}) {
  const [form, fields] = useForm({
    id: 'owner',
    lastResult,
    defaultValue: { ownerId: ownerId ?? '' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ownerSchema }),
  })
  return (
    <Form method="post" className="mt-1 flex flex-wrap items-start gap-2" {...getFormProps(form)}>
      <input type="hidden" name="intent" value="owner" />
      <label htmlFor={fields.ownerId.id} className="sr-only">
        New owner
      </label>
      <select className="input w-auto" {...getSelectProps(fields.ownerId)} aria-describedby={fields.ownerId.errorId}>
        <option value="">Nobody</option>
        {people.map((person) => (
          <option key={person.id} value={person.id}>
            {person.name} ({person.email})
          </option>
        ))}
      </select>
      <button type="submit" className="btn">
        Change owner
      </button>
      <div id={fields.ownerId.errorId} className="field-error w-full" aria-live="polite">
        {fields.ownerId.errors?.map((error) => (
          <p key={error}>{error}</p>
        ))}
      </div>
    </Form>
  )
}

function DeleteForm({ lastResult }: { lastResult: Result }) {
  return (
    <details className="card p-4">
      <summary className="cursor-pointer text-sm font-medium text-red-700 dark:text-red-400">
        Delete this investigation
      </summary>
      <p className="mt-2 max-w-md text-sm text-zinc-600 dark:text-zinc-400">
        It disappears from every list and page for everyone. It stays in the database and the audit log.
      </p>
      <div className="mt-3">
        <RowActionForm id="delete" schema={deleteSchema} values={{ intent: 'delete' }} lastResult={lastResult} danger>
          Delete investigation
        </RowActionForm>
      </div>
    </details>
  )
}
