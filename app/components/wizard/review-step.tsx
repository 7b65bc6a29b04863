// Step 5: everything at a glance (each part can be edited: its button saves and goes there), then
// the owner and the watchers, and Create.
import { getSelectProps, type DefaultValue, useForm, type SubmissionResult } from '@conform-to/react'
import type { ReactNode } from 'react'
import type { EvidenceKind } from '../../../db/schema/investigations'
import { KIND_LABELS, reviewSchema, SEVERITY_LABELS, type StepNumber, type WhatValue } from '../../investigations/wizard-schema'
import { formatDateTime } from '../../utils/format'
import { Field } from '../forms/field'
import { stepValidator, WizardForm } from './wizard-form'
import type { z } from 'zod'

type ReviewInput = z.input<typeof reviewSchema>

export interface DraftSummaryView {
  what: WhatValue | null
  where: { repository: string | null; branch?: string; workflow?: string; environment?: string } | null
  when: { firstSeenAt: number | null; lastKnownGoodAt: number | null } | null
  evidence: Array<{ kind: EvidenceKind; label: string }> | null
  missingEvidence: number
}

export interface PersonOption {
  id: string
  name: string
  email: string
  canOwn: boolean
}

const KIND_WORDS: Record<EvidenceKind, string> = {
  commit: 'commit',
  ci_run: 'red run',
  test: 'failing test',
  suspect: 'suspect',
  flaky_test: 'flaky test',
  episode: 'episode',
  link: 'link',
  deploy: 'deploy',
}

function Part({ step, title, children }: { step: StepNumber; title: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 border-b border-zinc-100 pb-3 sm:grid-cols-[10rem_1fr_auto] dark:border-zinc-800">
      <dt className="text-sm font-medium text-zinc-500">{title}</dt>
      <dd className="min-w-0 text-sm">{children}</dd>
      <dd>
        <button type="submit" name="intent" value={`goto-${step}`} formNoValidate className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
          Edit<span className="sr-only"> {title.toLowerCase()}</span>
        </button>
      </dd>
    </div>
  )
}

const orNone = (value: string | null | undefined) => value || <span className="text-zinc-400">—</span>

export function ReviewStep({
  defaultValue,
  lastResult,
  furthest,
  summary,
  people,
  me,
}: {
  defaultValue: Record<string, unknown>
  lastResult?: SubmissionResult<string[]> | null
  furthest: number
  summary: DraftSummaryView
  people: PersonOption[]
  me: string
}) {
  const [form, fields] = useForm<ReviewInput>({
    id: 'wizard-review',
    lastResult,
    defaultValue: { ownerId: me, ...defaultValue } as DefaultValue<ReviewInput>,
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: stepValidator(5, reviewSchema),
  })
  const saved = defaultValue.watcherIds
  const watching = new Set(Array.isArray(saved) ? saved.map(String) : typeof saved === 'string' ? [saved] : [])
  const { what, where, when, evidence } = summary
  return (
    <WizardForm form={form} step={5} furthest={furthest} interactive primary="create">
      <dl className="grid gap-3" aria-label="Summary">
        <Part step={1} title="What is wrong">
          {what ? (
            <>
              <p className="font-medium" data-testid="review-title">
                {what.title}
              </p>
              <p className="text-zinc-500">
                {KIND_LABELS[what.kind]} · {SEVERITY_LABELS[what.severity]}
              </p>
              {what.description ? <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap font-sans text-zinc-700 dark:text-zinc-300">{what.description}</pre> : null}
            </>
          ) : (
            <span className="text-red-600 dark:text-red-400">Needs another look</span>
          )}
        </Part>
        <Part step={2} title="Where">
          {where ? (
            <p>
              {orNone(where.repository)} · branch {orNone(where.branch)} · workflow {orNone(where.workflow)}
              {where.environment ? ` · ${where.environment}` : ''}
            </p>
          ) : (
            <span className="text-red-600 dark:text-red-400">Needs another look</span>
          )}
        </Part>
        <Part step={3} title="When">
          {when ? (
            <p>
              First seen {when.firstSeenAt ? formatDateTime(when.firstSeenAt) : 'not given'} · last known good{' '}
              {when.lastKnownGoodAt ? formatDateTime(when.lastKnownGoodAt) : 'not given'}
            </p>
          ) : (
            <span className="text-red-600 dark:text-red-400">Needs another look</span>
          )}
        </Part>
        <Part step={4} title="Evidence">
          {evidence?.length ? (
            <ul className="space-y-0.5" data-testid="review-evidence">
              {evidence.map((item, index) => (
                <li key={index}>
                  <span className="text-xs text-zinc-500">{KIND_WORDS[item.kind]}:</span> {item.label}
                </li>
              ))}
            </ul>
          ) : (
            <span className="text-zinc-500">None picked yet; you can add evidence on the investigation later.</span>
          )}
          {summary.missingEvidence ? <p className="text-red-600 dark:text-red-400">Some picked evidence is no longer there: edit this step.</p> : null}
        </Part>
      </dl>
      <Field label="Owner" htmlFor={fields.ownerId.id} errorId={fields.ownerId.errorId} errors={fields.ownerId.errors} hint="Who drives it. Engineers and admins can own.">
        <select className="input" {...getSelectProps(fields.ownerId)}>
          <option value="">Nobody yet</option>
          {people
            .filter((person) => person.canOwn)
            .map((person) => (
              <option key={person.id} value={person.id}>
                {person.name} ({person.email}){person.id === me ? ' (you)' : ''}
              </option>
            ))}
        </select>
      </Field>
      <fieldset>
        <legend className="label">Watchers</legend>
        <p className="mt-0.5 text-xs text-zinc-500">They get notified of changes. You and the owner watch it anyway.</p>
        <ul className="mt-2 grid gap-1 sm:grid-cols-2">
          {people
            .filter((person) => person.id !== me)
            .map((person) => (
              <li key={person.id} className="flex items-center gap-2 text-sm">
                <input id={`watcher-${person.id}`} type="checkbox" name="watcherIds" value={person.id} defaultChecked={watching.has(person.id)} className="h-4 w-4" />
                <label htmlFor={`watcher-${person.id}`}>
                  {person.name} <span className="text-zinc-500">({person.email})</span>
                </label>
              </li>
            ))}
        </ul>
        <div id={fields.watcherIds.errorId} className="field-error" aria-live="polite">
          {fields.watcherIds.errors?.map((error) => <p key={error}>{error}</p>)}
        </div>
      </fieldset>
    </WizardForm>
  )
}
