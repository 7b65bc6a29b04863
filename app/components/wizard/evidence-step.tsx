// Step 4: the evidence. What the linker found for the scope, to tick, and free links. "Add another
// link" and "Remove" are submit buttons (the server adds or drops a row), so they work without JavaScript.
import { getInputProps, type DefaultValue, useForm, type SubmissionResult } from '@conform-to/react'
import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import type { EvidenceCandidates } from '../../investigations/wizard.server'
import { evidenceSchema, MAX_LINKS } from '../../investigations/wizard-schema'
import { formatDateTime } from '../../utils/format'
import { Badge } from '../admin-nav'
import { Sha } from '../linker'
import { stepValidator, WizardForm } from './wizard-form'
import type { z } from 'zod'

type EvidenceInput = z.input<typeof evidenceSchema>

function Group({ title, hint, children }: { title: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <fieldset className="min-w-0">
      <legend className="text-sm font-semibold">{title}</legend>
      {hint ? <p className="mt-0.5 text-xs text-zinc-500">{hint}</p> : null}
      <ul className="mt-2 divide-y divide-zinc-100 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">{children}</ul>
    </fieldset>
  )
}

function Pick({ id, value, checked, label, children }: { id: string; value: string; checked: boolean; label: ReactNode; children?: ReactNode }) {
  return (
    <li className="flex gap-3 px-3 py-2 text-sm">
      <input id={id} type="checkbox" name="picked" value={value} defaultChecked={checked} className="mt-1 h-4 w-4 shrink-0" aria-describedby={children ? `${id}-more` : undefined} />
      <div className="min-w-0 flex-1">
        <label htmlFor={id} className="cursor-pointer">
          {label}
        </label>
        {children ? (
          <div id={`${id}-more`} className="mt-1 text-xs text-zinc-500">
            {children}
          </div>
        ) : null}
      </div>
    </li>
  )
}

export function EvidenceStep({
  defaultValue,
  lastResult,
  furthest,
  candidates,
}: {
  defaultValue: Record<string, unknown>
  lastResult?: SubmissionResult<string[]> | null
  furthest: number
  candidates: EvidenceCandidates
}) {
  const savedLinks = Array.isArray(defaultValue.links) ? defaultValue.links : defaultValue.links ? [defaultValue.links] : []
  const [form, fields] = useForm<EvidenceInput>({
    id: 'wizard-evidence',
    lastResult,
    defaultValue: { ...defaultValue, links: savedLinks.length ? savedLinks : [{ url: '', title: '' }] } as DefaultValue<EvidenceInput>,
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: stepValidator(4, evidenceSchema),
  })
  const saved = defaultValue.picked
  const picked = new Set(Array.isArray(saved) ? saved.map(String) : typeof saved === 'string' ? [saved] : [])
  const rows = fields.links.getFieldList()
  const { episode } = candidates
  return (
    <WizardForm form={form} step={4} furthest={furthest} interactive>
      {!candidates.repository ? (
        <p className="text-sm text-zinc-500">No repository was chosen in step 2, so the linker has nothing to offer here. Add links below.</p>
      ) : (
        <p className="text-sm text-zinc-500">
          What the linker found for {candidates.repository.name}. Tick what belongs to this investigation; it is listed on the investigation and on its canvas.
        </p>
      )}
      {episode ? (
        <Group title="Red episode">
          <Pick id="pick-episode" value={episode.key} checked={picked.has(episode.key)} label={episode.label}>
            {episode.status === 'open' ? 'Red' : 'Closed'}
            {episode.likelyFlaky ? ', likely flaky' : ''} since {formatDateTime(episode.occurredAt)} · {episode.redCommits} red commit{episode.redCommits === 1 ? '' : 's'} ·{' '}
            {episode.rangeSize}-commit suspect range ·{' '}
            <Link to={`/episodes/${episode.episodeId}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
              open the episode
            </Link>
          </Pick>
        </Group>
      ) : null}
      {candidates.suspects.length ? (
        <Group title={`Suspects (${candidates.suspects.length})`} hint="Every commit in the suspect range, most suspect first, with the linker's reasons.">
          {candidates.suspects.map((suspect, index) => (
            <Pick
              key={suspect.key}
              id={`pick-suspect-${index}`}
              value={suspect.key}
              checked={picked.has(suspect.key)}
              label={
                <>
                  {suspect.rank ? <span className="text-zinc-500">#{suspect.rank} </span> : null}
                  <Sha sha={suspect.sha} /> <span className="font-medium">{suspect.subject ?? '(commit not imported)'}</span>
                  {suspect.status !== 'suggested' ? (
                    <span className="ml-2">
                      <Badge tone={suspect.status === 'accepted' ? 'green' : 'grey'}>{suspect.status}</Badge>
                    </span>
                  ) : null}
                </>
              }
            >
              <p>
                {suspect.authorName ?? 'unknown author'} · score {suspect.score.toFixed(2)}
              </p>
              <ul className="mt-0.5 space-y-0.5">
                {suspect.reasons.map((reason) => (
                  <li key={reason.code}>
                    <span className="font-mono tabular-nums">+{reason.points.toFixed(2)}</span> {reason.text}
                  </li>
                ))}
              </ul>
            </Pick>
          ))}
        </Group>
      ) : null}
      {candidates.runs.length ? (
        <Group title={`Red runs (${candidates.runs.length})`} hint={episode ? 'The runs of this red streak, newest first.' : 'The newest red runs in this scope.'}>
          {candidates.runs.map((run, index) => (
            <Pick key={run.key} id={`pick-run-${index}`} value={run.key} checked={picked.has(run.key)} label={run.label}>
              {run.conclusion ?? 'red'} · {formatDateTime(run.occurredAt)}
              {run.firstRed ? ' · the first red run' : ''}
              {run.url ? (
                <>
                  {' · '}
                  <a href={run.url} rel="noreferrer" className="text-indigo-600 hover:underline dark:text-indigo-400">
                    open in CI
                  </a>
                </>
              ) : null}
            </Pick>
          ))}
        </Group>
      ) : null}
      {candidates.tests.length ? (
        <Group title={`Failing tests in the first red run (${candidates.tests.length})`}>
          {candidates.tests.map((test, index) => (
            <Pick
              key={test.key}
              id={`pick-test-${index}`}
              value={test.key}
              checked={picked.has(test.key)}
              label={
                <>
                  {test.label}
                  {test.knownFlaky ? (
                    <span className="ml-2">
                      <Badge tone="amber">known flaky</Badge>
                    </span>
                  ) : null}
                </>
              }
            >
              {test.file ? <span className="font-mono">{test.file}</span> : null}
              {test.message ? <pre className="mt-0.5 max-h-16 overflow-auto whitespace-pre-wrap font-mono">{test.message}</pre> : null}
            </Pick>
          ))}
        </Group>
      ) : null}
      {candidates.commits.length ? (
        <Group title="Commits at the edges" hint="The last green commit and the first red one.">
          {candidates.commits.map((commit, index) => (
            <Pick
              key={commit.key}
              id={`pick-commit-${index}`}
              value={commit.key}
              checked={picked.has(commit.key)}
              label={
                <>
                  {commit.role === 'first_red' ? 'First red: ' : 'Last green: '}
                  <Sha sha={commit.sha} /> {commit.label}
                </>
              }
            >
              {formatDateTime(commit.occurredAt)}
            </Pick>
          ))}
        </Group>
      ) : null}
      {candidates.flaky.length ? (
        <Group title={`Flaky tests in ${candidates.repository?.name ?? 'this repository'} (${candidates.flaky.length})`}>
          {candidates.flaky.map((test, index) => (
            <Pick key={test.key} id={`pick-flaky-${index}`} value={test.key} checked={picked.has(test.key)} label={test.label}>
              flaked on {Math.round(test.rate * 100)}% of commits lately · last {formatDateTime(test.occurredAt)}
              {test.failedHere ? ' · failed in the first red run' : ''}
            </Pick>
          ))}
        </Group>
      ) : null}
      <div id={fields.picked.errorId} className="field-error" aria-live="polite">
        {fields.picked.errors?.map((error) => <p key={error}>{error}</p>)}
      </div>

      <fieldset id="links" className="min-w-0">
        <legend className="text-sm font-semibold">Links</legend>
        <p className="mt-0.5 text-xs text-zinc-500">Dashboards, logs, status pages, chat threads: anything else that helps.</p>
        <ol className="mt-2 space-y-3">
          {rows.map((row, index) => {
            const link = row.getFieldset()
            return (
              <li key={row.key} className="grid gap-2 sm:grid-cols-[2fr_1fr_auto] sm:items-start">
                <div>
                  <label htmlFor={link.url.id} className="label">
                    Address of link {index + 1}
                  </label>
                  <input className="input mt-1 font-mono" inputMode="url" autoComplete="off" placeholder="https://" {...getInputProps(link.url, { type: 'text' })} />
                  <div id={link.url.errorId} className="field-error" aria-live="polite">
                    {link.url.errors?.map((error) => <p key={error}>{error}</p>)}
                  </div>
                </div>
                <div>
                  <label htmlFor={link.title.id} className="label">
                    Title of link {index + 1}
                  </label>
                  <input className="input mt-1" autoComplete="off" {...getInputProps(link.title, { type: 'text' })} />
                  <div id={link.title.errorId} className="field-error" aria-live="polite">
                    {link.title.errors?.map((error) => <p key={error}>{error}</p>)}
                  </div>
                </div>
                <button type="submit" name="intent" value={`remove-link-${index}`} formNoValidate className="btn sm:mt-6">
                  Remove<span className="sr-only"> link {index + 1}</span>
                </button>
              </li>
            )
          })}
        </ol>
        {rows.length < MAX_LINKS ? (
          <button type="submit" name="intent" value="add-link" formNoValidate className="btn mt-3">
            Add another link
          </button>
        ) : null}
        <div id={fields.links.errorId} className="field-error" aria-live="polite">
          {fields.links.errors?.map((error) => <p key={error}>{error}</p>)}
        </div>
      </fieldset>
    </WizardForm>
  )
}
