// The frame of every wizard step: one form holding the step list (which saves what was typed when
// you jump to another step), the step's fields, and Back / Next. Works without JavaScript: every
// button is a plain submit with an `intent`; with JavaScript Conform validates before going forward.
import { getFormProps, type FormMetadata } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { Form } from '@remix-run/react'
import type { ReactNode } from 'react'
import { z, type ZodTypeAny } from 'zod'
import { intentValidates, parseIntent, WIZARD_STEPS, type StepNumber } from '../../investigations/wizard-schema'
import { FormErrors } from '../forms/field'

const ANYTHING = z.object({}).passthrough()

/**
 * Conform's validator for a step: going forward (Next, Create, a later step) checks the step's
 * schema; going back or adding a link row sends what was typed as it is. Blur checks the schema too.
 */
export function stepValidator(step: StepNumber, schema: ZodTypeAny) {
  return ({ formData }: { formData: FormData }) => {
    const intent = formData.get('intent')
    if (intent !== null && !intentValidates(parseIntent(intent), step)) return parseWithZod(formData, { schema: ANYTHING })
    return parseWithZod(formData, { schema })
  }
}

export function StepList({ current, furthest, interactive }: { current: StepNumber; furthest: number; interactive: boolean }) {
  return (
    <nav aria-label="Wizard steps">
      <ol className="flex flex-wrap gap-x-1 gap-y-2 text-sm">
        {WIZARD_STEPS.map((step) => {
          const done = step.number <= furthest
          const reachable = interactive && step.number !== current && step.number <= furthest + 1
          const text = (
            <>
              <span
                aria-hidden="true"
                className={`inline-flex h-5 w-5 items-center justify-center rounded-full text-xs ${
                  step.number === current
                    ? 'bg-indigo-600 text-white'
                    : done
                      ? 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200'
                      : 'bg-zinc-200 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400'
                }`}
              >
                {done && step.number !== current ? '✓' : step.number}
              </span>
              <span>{step.label}</span>
              <span className="sr-only">{`, step ${step.number} of ${WIZARD_STEPS.length}${done ? ', done' : ''}`}</span>
            </>
          )
          return (
            <li key={step.number} className="flex items-center">
              {step.number === current ? (
                <span aria-current="step" className="inline-flex items-center gap-1.5 rounded-md bg-white px-2 py-1 font-semibold shadow-sm dark:bg-zinc-900">
                  {text}
                </span>
              ) : reachable ? (
                <button
                  type="submit"
                  name="intent"
                  value={`goto-${step.number}`}
                  formNoValidate
                  className="inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-indigo-700 hover:bg-zinc-100 hover:underline dark:text-indigo-300 dark:hover:bg-zinc-800"
                >
                  {text}
                </button>
              ) : (
                <span className="inline-flex items-center gap-1.5 px-2 py-1 text-zinc-400 dark:text-zinc-500">{text}</span>
              )}
            </li>
          )
        })}
      </ol>
    </nav>
  )
}

export function WizardForm<Schema extends Record<string, unknown>>({
  form,
  step,
  furthest,
  interactive,
  primary = 'next',
  children,
}: {
  form: FormMetadata<Schema, string[]>
  step: StepNumber
  furthest: number
  /** A draft exists: the step list and Back can save and move. */
  interactive: boolean
  primary?: 'next' | 'create'
  children: ReactNode
}) {
  const primaryLabel = primary === 'create' ? 'Create investigation' : 'Next'
  return (
    <Form method="post" className="mt-4" {...getFormProps(form)}>
      {/* Enter in a field goes forward: the first submit button of a form is the one Enter presses. */}
      <button type="submit" name="intent" value={primary} tabIndex={-1} aria-hidden="true" className="sr-only">
        {primaryLabel}
      </button>
      <StepList current={step} furthest={furthest} interactive={interactive} />
      <div className="card mt-4 grid gap-5 p-5">
        <FormErrors id={form.errorId} errors={form.errors} />
        {children}
      </div>
      <div className="mt-4 flex flex-wrap items-center gap-3">
        {interactive && step > 1 ? (
          <button type="submit" name="intent" value="back" formNoValidate className="btn">
            Back
          </button>
        ) : null}
        <button type="submit" name="intent" value={primary} className="btn btn-primary">
          {primaryLabel}
        </button>
        {interactive ? <span className="text-xs text-zinc-500">Every step is saved as a draft; you can leave and come back.</span> : null}
      </div>
    </Form>
  )
}

/** The page around a step: heading, which step, and what it is for. */
export function WizardHeading({ step, children }: { step: StepNumber; children?: ReactNode }) {
  return (
    <div>
      <h1 className="page-title">New investigation</h1>
      <p className="mt-1 text-zinc-500 dark:text-zinc-400">
        Step {step} of {WIZARD_STEPS.length}: {WIZARD_STEPS[step - 1].label}. {children}
      </p>
    </div>
  )
}
