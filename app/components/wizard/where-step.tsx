// Step 2: where it is wrong (all optional: an incident may have no repository).
import { getInputProps, getSelectProps, type DefaultValue, useForm, type SubmissionResult } from '@conform-to/react'
import { whereSchema } from '../../investigations/wizard-schema'
import { Field } from '../forms/field'
import { stepValidator, WizardForm } from './wizard-form'
import type { z } from 'zod'

type WhereInput = z.input<typeof whereSchema>

export interface ScopeOptions {
  repositories: Array<{ id: string; name: string }>
  branches: string[]
  workflows: string[]
}

export function WhereStep({
  defaultValue,
  lastResult,
  furthest,
  options,
}: {
  defaultValue: Record<string, unknown>
  lastResult?: SubmissionResult<string[]> | null
  furthest: number
  options: ScopeOptions
}) {
  const [form, fields] = useForm<WhereInput>({
    id: 'wizard-where',
    lastResult,
    defaultValue: defaultValue as DefaultValue<WhereInput>,
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: stepValidator(2, whereSchema),
  })
  return (
    <WizardForm form={form} step={2} furthest={furthest} interactive>
      <p className="text-sm text-zinc-500">
        With a repository, branch and workflow, the next steps fill in what the linker found: the first red and last green runs, the suspects, the failing tests.
      </p>
      <Field label="Repository" htmlFor={fields.repositoryId.id} errorId={fields.repositoryId.errorId} errors={fields.repositoryId.errors}>
        <select className="input" {...getSelectProps(fields.repositoryId)}>
          <option value="">None (not about one repository)</option>
          {options.repositories.map((repository) => (
            <option key={repository.id} value={repository.id}>
              {repository.name}
            </option>
          ))}
        </select>
      </Field>
      <div className="grid gap-5 sm:grid-cols-2">
        <Field label="Branch" htmlFor={fields.branch.id} errorId={fields.branch.errorId} errors={fields.branch.errors}>
          <input className="input font-mono" autoComplete="off" list="wizard-branches" placeholder="main" {...getInputProps(fields.branch, { type: 'text' })} />
        </Field>
        <Field
          label="Workflow or job"
          htmlFor={fields.workflow.id}
          errorId={fields.workflow.errorId}
          errors={fields.workflow.errors}
          hint="As the CI names it. Left empty, the red one on that branch is used."
        >
          <input className="input" autoComplete="off" list="wizard-workflows" placeholder="CI" {...getInputProps(fields.workflow, { type: 'text' })} />
        </Field>
      </div>
      <Field label="Environment" htmlFor={fields.environment.id} errorId={fields.environment.errorId} errors={fields.environment.errors} hint="Where people see it, if deployed: production, staging…">
        <input className="input" autoComplete="off" {...getInputProps(fields.environment, { type: 'text' })} />
      </Field>
      <datalist id="wizard-branches">
        {options.branches.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <datalist id="wizard-workflows">
        {options.workflows.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
    </WizardForm>
  )
}
