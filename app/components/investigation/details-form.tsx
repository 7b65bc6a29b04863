// The "Edit details" form of an investigation: what, where and when, as the wizard asked them.
import {
  getFormProps,
  getInputProps,
  getTextareaProps,
  useForm,
  type SubmissionResult,
} from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { Form } from '@remix-run/react'
import type { InvestigationView } from '../../investigations/investigations.server'
import { detailsSchema, toDateTimeInput } from '../../investigations/page-schema'
import { KindSeverityFields } from '../forms/kind-severity-fields'
import { Field, FormErrors } from '../forms/field'

type Result = SubmissionResult<string[]> | null | undefined

export function DetailsForm({ investigation, lastResult }: { investigation: InvestigationView; lastResult: Result }) {
  const [form, fields] = useForm({
    id: 'details',
    lastResult,
    defaultValue: {
      title: investigation.title,
      description: investigation.description,
      kind: investigation.kind,
      severity: investigation.severity,
      branch: investigation.branch ?? '',
      workflow: investigation.workflow ?? '',
      environment: investigation.environment ?? '',
      firstSeen: toDateTimeInput(investigation.firstSeenAt),
      lastKnownGood: toDateTimeInput(investigation.lastKnownGoodAt),
    },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: detailsSchema }),
  })
  const failed = lastResult?.status === 'error'
  return (
    <details className="card w-full p-4" open={failed}>
      <summary className="cursor-pointer text-sm font-medium">Edit details</summary>
      <Form method="post" className="mt-3 grid gap-4 md:grid-cols-2" {...getFormProps(form)}>
        <input type="hidden" name="intent" value="details" />
        <div className="md:col-span-2">
          <FormErrors id={form.errorId} errors={form.errors} />
        </div>
        <div className="md:col-span-2">
          <Field label="Title" htmlFor={fields.title.id} errorId={fields.title.errorId} errors={fields.title.errors}>
            <input className="input" {...getInputProps(fields.title, { type: 'text' })} />
          </Field>
        </div>
        <div className="md:col-span-2">
          <Field
            label="What you see (Markdown)"
            htmlFor={fields.description.id}
            errorId={fields.description.errorId}
            errors={fields.description.errors}
          >
            <textarea className="input min-h-24 font-mono" rows={5} {...getTextareaProps(fields.description)} />
          </Field>
        </div>
        <KindSeverityFields kind={fields.kind} severity={fields.severity} />
        <Field label="Branch" htmlFor={fields.branch.id} errorId={fields.branch.errorId} errors={fields.branch.errors}>
          <input className="input font-mono" {...getInputProps(fields.branch, { type: 'text' })} />
        </Field>
        <Field
          label="Workflow or job"
          htmlFor={fields.workflow.id}
          errorId={fields.workflow.errorId}
          errors={fields.workflow.errors}
        >
          <input className="input" {...getInputProps(fields.workflow, { type: 'text' })} />
        </Field>
        <Field
          label="Environment"
          htmlFor={fields.environment.id}
          errorId={fields.environment.errorId}
          errors={fields.environment.errors}
        >
          <input className="input" {...getInputProps(fields.environment, { type: 'text' })} />
        </Field>
        <div />
        <Field
          label="First seen (UTC)"
          htmlFor={fields.firstSeen.id}
          errorId={fields.firstSeen.errorId}
          errors={fields.firstSeen.errors}
        >
          <input className="input" {...getInputProps(fields.firstSeen, { type: 'datetime-local' })} />
        </Field>
        <Field
          label="Last known good (UTC)"
          htmlFor={fields.lastKnownGood.id}
          errorId={fields.lastKnownGood.errorId}
          errors={fields.lastKnownGood.errors}
        >
          <input className="input" {...getInputProps(fields.lastKnownGood, { type: 'datetime-local' })} />
        </Field>
        <div className="md:col-span-2">
          <button type="submit" className="btn btn-primary">
            Save details
          </button>
        </div>
      </Form>
    </details>
  )
}
