// Step 3: when it started, and when it was last known to be good (prefilled from the linker).
import { getInputProps, type DefaultValue, useForm, type SubmissionResult } from '@conform-to/react'
import { Link } from '@remix-run/react'
import { whenSchema } from '../../investigations/wizard-schema'
import { formatDateTime } from '../../utils/format'
import { Field } from '../forms/field'
import { Sha } from '../linker'
import { stepValidator, WizardForm } from './wizard-form'
import type { z } from 'zod'

type WhenInput = z.input<typeof whenSchema>

interface RunBrief {
  id: number
  name: string
  externalId: string
  sha: string
  conclusion: string | null
  completedAt: number | null
}

export interface LinkerTimes {
  episodeId: number | null
  firstRed: RunBrief | null
  lastGreen: RunBrief | null
}

function RunWords({ run }: { run: RunBrief }) {
  return (
    <>
      {run.name} #{run.externalId} on <Sha sha={run.sha} />, {formatDateTime(run.completedAt)}
    </>
  )
}

export function WhenStep({
  defaultValue,
  lastResult,
  furthest,
  linker,
}: {
  defaultValue: Record<string, unknown>
  lastResult?: SubmissionResult<string[]> | null
  furthest: number
  linker: LinkerTimes | null
}) {
  const [form, fields] = useForm<WhenInput>({
    id: 'wizard-when',
    lastResult,
    defaultValue: defaultValue as DefaultValue<WhenInput>,
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: stepValidator(3, whenSchema),
  })
  const known = linker && (linker.firstRed || linker.lastGreen)
  return (
    <WizardForm form={form} step={3} furthest={furthest} interactive>
      <div className="rounded-md bg-zinc-50 p-3 text-sm dark:bg-zinc-950" data-testid="linker-times">
        {known ? (
          <>
            <p className="font-medium">
              From the linker
              {linker.episodeId ? (
                <>
                  {' '}
                  (
                  <Link to={`/episodes/${linker.episodeId}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                    red episode #{linker.episodeId}
                  </Link>
                  )
                </>
              ) : null}
              :
            </p>
            <ul className="mt-1 list-disc pl-5 text-zinc-600 dark:text-zinc-400">
              {linker.firstRed ? (
                <li>
                  First red: <RunWords run={linker.firstRed} />
                </li>
              ) : null}
              {linker.lastGreen ? (
                <li>
                  Last green: <RunWords run={linker.lastGreen} />
                </li>
              ) : null}
            </ul>
          </>
        ) : (
          <p className="text-zinc-500">The linker has no runs for this scope: enter the times you know, or leave them empty.</p>
        )}
      </div>
      <div className="grid gap-5 sm:grid-cols-2">
        <Field label="First seen (UTC)" htmlFor={fields.firstSeen.id} errorId={fields.firstSeen.errorId} errors={fields.firstSeen.errors} hint="When it was first noticed broken.">
          <input className="input" {...getInputProps(fields.firstSeen, { type: 'datetime-local' })} />
        </Field>
        <Field
          label="Last known good (UTC)"
          htmlFor={fields.lastKnownGood.id}
          errorId={fields.lastKnownGood.errorId}
          errors={fields.lastKnownGood.errors}
          hint="The last time it was known to work."
        >
          <input className="input" {...getInputProps(fields.lastKnownGood, { type: 'datetime-local' })} />
        </Field>
      </div>
    </WizardForm>
  )
}
