// The investigation's timeline (activity and dated evidence, oldest first), its kind filter (a plain
// GET form), and the note form beneath it.
import { getFormProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { Form } from '@remix-run/react'
import type { TimelineEntry } from '../../investigations/timeline.server'
import {
  noteSchema,
  TIMELINE_FILTER_LABELS,
  TIMELINE_FILTERS,
  type TimelineCategory,
  type TimelineFilter,
} from '../../investigations/page-schema'
import { formatDateTime } from '../../utils/format'
import { Field, FormErrors } from '../forms/field'
import { RenderedMarkdown } from './markdown'

const DOT: Record<TimelineCategory, string> = {
  changes: 'bg-zinc-400',
  notes: 'bg-indigo-500',
  evidence: 'bg-sky-500',
  suspects: 'bg-violet-500',
  commits: 'bg-zinc-600 dark:bg-zinc-300',
  runs: 'bg-amber-500',
  tests: 'bg-orange-500',
  deploys: 'bg-emerald-500',
  links: 'bg-teal-500',
}

export function Timeline({
  entries,
  truncated,
  filter,
  canEdit,
  noteResult,
}: {
  entries: TimelineEntry[]
  truncated: boolean
  filter: TimelineFilter
  canEdit: boolean
  noteResult: SubmissionResult<string[]> | null | undefined
}) {
  return (
    <section aria-labelledby="timeline-heading" className="min-w-0">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="timeline-heading" className="text-sm font-semibold">
          Timeline
        </h2>
        <Form method="get" className="flex items-end gap-2" preventScrollReset>
          <div>
            <label htmlFor="timeline-kind" className="label text-xs">
              Show
            </label>
            <select id="timeline-kind" name="kind" defaultValue={filter} className="input mt-1 w-auto py-1">
              {TIMELINE_FILTERS.map((value) => (
                <option key={value} value={value}>
                  {TIMELINE_FILTER_LABELS[value]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="btn">
            Filter
          </button>
        </Form>
      </div>
      {truncated ? (
        <p className="mt-2 text-xs text-zinc-500">
          Only the newest entries are shown; filter by kind to see older ones.
        </p>
      ) : null}
      {entries.length === 0 ? (
        <p className="mt-3 text-sm text-zinc-500">
          {filter === 'all' ? 'Nothing has happened yet.' : 'Nothing of this kind.'}
        </p>
      ) : (
        <ol className="mt-3 space-y-0 border-l border-zinc-200 dark:border-zinc-800" data-testid="timeline">
          {entries.map((entry) => (
            <li key={entry.key} className="relative pb-4 pl-5" data-kind={entry.category}>
              <span
                className={`absolute -left-[5px] top-1.5 h-2.5 w-2.5 rounded-full ring-2 ring-zinc-50 dark:ring-zinc-950 ${DOT[entry.category]}`}
                aria-hidden="true"
              />
              <p className="text-sm">
                {entry.href ? (
                  <a
                    href={entry.href}
                    rel="nofollow noopener noreferrer"
                    className="text-indigo-600 hover:underline dark:text-indigo-400"
                  >
                    {entry.text}
                  </a>
                ) : (
                  <span className={entry.actorName || entry.category === 'notes' ? 'font-medium' : undefined}>
                    {entry.text}
                  </span>
                )}{' '}
                <time className="text-xs text-zinc-500" dateTime={new Date(entry.at).toISOString()}>
                  {formatDateTime(entry.at)}
                </time>
              </p>
              {entry.detail ? <p className="mt-0.5 break-words text-xs text-zinc-500">{entry.detail}</p> : null}
              {entry.html ? (
                <div className="card mt-2 p-3">
                  <RenderedMarkdown html={entry.html} />
                </div>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {canEdit ? <NoteForm lastResult={noteResult} /> : null}
    </section>
  )
}

function NoteForm({ lastResult }: { lastResult: SubmissionResult<string[]> | null | undefined }) {
  const [form, fields] = useForm({
    id: 'note',
    lastResult,
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: noteSchema }),
  })
  return (
    <Form method="post" className="card mt-2 grid gap-3 p-4" {...getFormProps(form)}>
      <input type="hidden" name="intent" value="note" />
      <FormErrors id={form.errorId} errors={form.errors} />
      <Field
        label="Add a note"
        htmlFor={fields.body.id}
        errorId={fields.body.errorId}
        errors={fields.body.errors}
        hint="Markdown. Mention people with @ and their email name (@ada) or whole email; they get told even if they do not watch."
      >
        <textarea className="input min-h-24" rows={4} {...getTextareaProps(fields.body)} />
      </Field>
      <div>
        <button type="submit" className="btn btn-primary">
          Add note
        </button>
      </div>
    </Form>
  )
}
