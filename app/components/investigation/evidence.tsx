// The evidence side of an investigation: the linker's suspects with their reasons (accept / reject),
// then runs, tests, commits, links and deploys, each removable, and a form to add a link or a deploy.
import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { Form, Link } from '@remix-run/react'
import type { EvidenceKind } from '../../../db/schema/investigations'
import type { EpisodeSuspects, EvidenceItem } from '../../investigations/evidence.server'
import {
  addEvidenceSchema,
  EVIDENCE_KIND_LABELS,
  removeEvidenceSchema,
  suspectSchema,
} from '../../investigations/page-schema'
import { formatDateTime } from '../../utils/format'
import { Badge, RowActionForm } from '../admin-nav'
import { Field, FormErrors } from '../forms/field'
import { Sha, shortSha } from '../linker'

type Result = SubmissionResult<string[]> | null | undefined

const GROUPS: Array<{ heading: string; kinds: EvidenceKind[] }> = [
  { heading: 'Runs', kinds: ['episode', 'ci_run'] },
  { heading: 'Tests', kinds: ['test', 'flaky_test'] },
  { heading: 'Commits', kinds: ['suspect', 'commit'] },
  { heading: 'Links and deploys', kinds: ['deploy', 'link'] },
]

export function EvidencePanel({
  evidence,
  suspects,
  canEdit,
  resultFor,
}: {
  evidence: EvidenceItem[]
  suspects: EpisodeSuspects[]
  canEdit: boolean
  resultFor: (target: string) => Result
}) {
  return (
    <section aria-labelledby="evidence-heading" className="min-w-0 space-y-6">
      <h2 id="evidence-heading" className="sr-only">
        Evidence
      </h2>
      <div>
        <h3 className="text-sm font-semibold">Suspects</h3>
        {suspects.length === 0 ? (
          <p className="mt-2 text-sm text-zinc-500">No red episode is attached, so there are no suspects.</p>
        ) : null}
        {suspects.map((episode) => (
          <div key={episode.episodeId} className="mt-2">
            <p className="text-xs text-zinc-500">
              <Link
                to={`/episodes/${episode.episodeId}`}
                className="text-indigo-600 hover:underline dark:text-indigo-400"
              >
                {episode.name} on {episode.branch}
              </Link>{' '}
              · {episode.repository} · {episode.status === 'open' ? 'still red' : 'green again'}
            </p>
            {episode.suspects.length === 0 ? <p className="mt-1 text-sm text-zinc-500">No suspects.</p> : null}
            <ol className="mt-2 space-y-2">
              {episode.suspects.map((suspect) => (
                <SuspectItem
                  key={suspect.sha}
                  episodeId={episode.episodeId}
                  suspect={suspect}
                  canEdit={canEdit}
                  resultFor={resultFor}
                />
              ))}
            </ol>
            {episode.more > 0 ? (
              <p className="mt-1 text-xs text-zinc-500">
                {episode.more} more on{' '}
                <Link to={`/episodes/${episode.episodeId}`} className="underline">
                  the episode’s page
                </Link>
                .
              </p>
            ) : null}
          </div>
        ))}
      </div>

      {GROUPS.map((group) => {
        const items = evidence.filter((item) => group.kinds.includes(item.kind))
        return (
          <div key={group.heading}>
            <h3 className="text-sm font-semibold">
              {group.heading} ({items.length})
            </h3>
            {items.length === 0 ? (
              <p className="mt-1 text-sm text-zinc-500">None attached.</p>
            ) : (
              <ul
                className="card mt-2 divide-y divide-zinc-100 text-sm dark:divide-zinc-800"
                data-testid={`evidence-${group.kinds[0]}`}
              >
                {items.map((item) => (
                  <EvidenceRow
                    key={item.id}
                    item={item}
                    canEdit={canEdit}
                    lastResult={resultFor(`remove-evidence-${item.id}`)}
                  />
                ))}
              </ul>
            )}
          </div>
        )
      })}

      {canEdit ? <AddEvidenceForm lastResult={resultFor('add-evidence')} /> : null}
    </section>
  )
}

function SuspectItem({
  episodeId,
  suspect,
  canEdit,
  resultFor,
}: {
  episodeId: number
  suspect: EpisodeSuspects['suspects'][number]
  canEdit: boolean
  resultFor: (target: string) => Result
}) {
  const values = (intent: 'accept-suspect' | 'reject-suspect') => ({
    intent,
    episodeId: String(episodeId),
    sha: suspect.sha,
  })
  const dimmed = suspect.status === 'rejected' || !suspect.inRange
  return (
    <li
      className={`card p-3 ${dimmed ? 'opacity-70' : ''} ${suspect.status === 'accepted' ? 'border-emerald-400 dark:border-emerald-700' : ''}`}
      data-testid="suspect"
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="text-sm font-medium">
            {suspect.rank ? <span className="mr-1.5 text-zinc-500">#{suspect.rank}</span> : null}
            <Sha sha={suspect.sha} />{' '}
            {suspect.url ? (
              <a href={suspect.url} rel="noreferrer" className="hover:underline">
                {suspect.subject ?? '(commit not imported)'}
              </a>
            ) : (
              (suspect.subject ?? '(commit not imported)')
            )}
          </p>
          <p className="mt-0.5 text-xs text-zinc-500">
            {suspect.authorName ?? 'unknown author'} · score {suspect.score.toFixed(2)}
            {suspect.status !== 'suggested'
              ? ` · ${suspect.status} by ${suspect.decidedBy ?? 'someone'} ${formatDateTime(suspect.decidedAt)}`
              : ''}
            {!suspect.inRange ? ' · no longer in the range' : ''}
          </p>
        </div>
        <div className="flex items-start gap-2">
          {suspect.status === 'accepted' ? <Badge tone="green">accepted</Badge> : null}
          {suspect.status === 'rejected' ? <Badge tone="grey">rejected</Badge> : null}
          {canEdit && suspect.inRange && suspect.status !== 'accepted' ? (
            <RowActionForm
              id={`accept-suspect-${episodeId}-${suspect.sha}`}
              schema={suspectSchema}
              values={values('accept-suspect')}
              lastResult={resultFor(`accept-suspect-${episodeId}-${suspect.sha}`)}
            >
              Accept<span className="sr-only"> {shortSha(suspect.sha)} as the cause</span>
            </RowActionForm>
          ) : null}
          {canEdit && suspect.inRange && suspect.status !== 'rejected' ? (
            <RowActionForm
              id={`reject-suspect-${episodeId}-${suspect.sha}`}
              schema={suspectSchema}
              values={values('reject-suspect')}
              lastResult={resultFor(`reject-suspect-${episodeId}-${suspect.sha}`)}
            >
              Reject<span className="sr-only"> {shortSha(suspect.sha)}</span>
            </RowActionForm>
          ) : null}
        </div>
      </div>
      {suspect.reasons.length ? (
        <ul className="mt-2 space-y-0.5 text-xs">
          {suspect.reasons.map((reason) => (
            <li key={reason.code} className="flex gap-2">
              <span className="w-10 shrink-0 text-right font-mono tabular-nums text-zinc-500">
                +{reason.points.toFixed(2)}
              </span>
              <span>{reason.text}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  )
}

function EvidenceRow({ item, canEdit, lastResult }: { item: EvidenceItem; canEdit: boolean; lastResult: Result }) {
  const external = item.url !== null && /^https?:\/\//i.test(item.url)
  const label = item.kind === 'commit' ? `${shortSha(item.ref)} ${item.label}` : item.label
  return (
    <li className="flex items-start justify-between gap-2 px-3 py-2">
      <div className="min-w-0">
        <p className="break-words">
          {item.url ? (
            external ? (
              <a
                href={item.url}
                rel="nofollow noopener noreferrer"
                className="text-indigo-600 hover:underline dark:text-indigo-400"
              >
                {label}
              </a>
            ) : (
              <Link to={item.url} className="text-indigo-600 hover:underline dark:text-indigo-400">
                {label}
              </Link>
            )
          ) : (
            label
          )}
        </p>
        <p className="text-xs text-zinc-500">
          {EVIDENCE_KIND_LABELS[item.kind]}
          {item.conclusion ? ` · ${item.conclusion}` : ''}
          {item.occurredAt ? ` · ${formatDateTime(item.occurredAt)}` : ''}
          {item.addedByName ? ` · added by ${item.addedByName}` : ''}
        </p>
        {item.note ? <p className="mt-0.5 text-xs text-zinc-600 dark:text-zinc-400">{item.note}</p> : null}
      </div>
      {canEdit ? (
        <RowActionForm
          id={`remove-evidence-${item.id}`}
          schema={removeEvidenceSchema}
          values={{ intent: 'remove-evidence', evidenceId: String(item.id) }}
          lastResult={lastResult}
        >
          Remove<span className="sr-only"> {label}</span>
        </RowActionForm>
      ) : null}
    </li>
  )
}

function AddEvidenceForm({ lastResult }: { lastResult: Result }) {
  const [form, fields] = useForm({
    id: 'add-evidence',
    lastResult,
    defaultValue: { kind: 'link' },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: addEvidenceSchema }),
  })
  return (
    <Form method="post" className="card grid gap-3 p-4" {...getFormProps(form)}>
      <h3 className="text-sm font-semibold">Add a link or a deploy</h3>
      <input type="hidden" name="intent" value="add-evidence" />
      <FormErrors id={form.errorId} errors={form.errors} />
      <Field label="Kind" htmlFor={fields.kind.id} errorId={fields.kind.errorId} errors={fields.kind.errors}>
        <select className="input" {...getSelectProps(fields.kind)}>
          <option value="link">Link (runbook, dashboard, status page…)</option>
          <option value="deploy">Deploy</option>
        </select>
      </Field>
      <Field label="Address" htmlFor={fields.url.id} errorId={fields.url.errorId} errors={fields.url.errors}>
        <input className="input" placeholder="https://" {...getInputProps(fields.url, { type: 'url' })} />
      </Field>
      <Field label="Title" htmlFor={fields.title.id} errorId={fields.title.errorId} errors={fields.title.errors}>
        <input className="input" {...getInputProps(fields.title, { type: 'text' })} />
      </Field>
      <Field
        label="When (UTC, optional)"
        htmlFor={fields.occurredAt.id}
        errorId={fields.occurredAt.errorId}
        errors={fields.occurredAt.errors}
        hint="With a time it appears on the timeline."
      >
        <input className="input" {...getInputProps(fields.occurredAt, { type: 'datetime-local' })} />
      </Field>
      <div>
        <button type="submit" className="btn btn-primary">
          Add
        </button>
      </div>
    </Form>
  )
}
