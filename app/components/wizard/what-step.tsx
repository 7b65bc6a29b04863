// Step 1: what is wrong.
import { getInputProps, type DefaultValue, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react'
import { whatSchema } from '../../investigations/wizard-schema'
import { KindSeverityFields } from '../forms/kind-severity-fields'
import { Field } from '../forms/field'
import { stepValidator, WizardForm } from './wizard-form'
import type { z } from 'zod'

type WhatInput = z.input<typeof whatSchema>

export function WhatStep({
  defaultValue,
  lastResult,
  furthest,
  interactive,
}: {
  defaultValue: Record<string, unknown>
  lastResult?: SubmissionResult<string[]> | null
  furthest: number
  interactive: boolean
}) {
  const [form, fields] = useForm<WhatInput>({
    id: 'wizard-what',
    lastResult,
    defaultValue: { kind: 'failing_build', severity: 'sev3', ...defaultValue } as DefaultValue<WhatInput>,
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: stepValidator(1, whatSchema),
  })
  return (
    <WizardForm form={form} step={1} furthest={furthest} interactive={interactive}>
      <Field label="Title" htmlFor={fields.title.id} errorId={fields.title.errorId} errors={fields.title.errors} hint="One line that says what is wrong.">
        <input className="input" autoComplete="off" {...getInputProps(fields.title, { type: 'text' })} />
      </Field>
      <Field
        label="What you see"
        htmlFor={fields.description.id}
        errorId={fields.description.errorId}
        errors={fields.description.errors}
        hint="Markdown. What happens, what you expected, error messages, who is affected."
      >
        <textarea className="input min-h-40 font-mono" rows={8} {...getTextareaProps(fields.description)} />
      </Field>
      <div className="grid gap-5 sm:grid-cols-2">
        <KindSeverityFields kind={fields.kind} severity={fields.severity} />
      </div>
    </WizardForm>
  )
}
