import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { requirePermission } from '../auth/require.server'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { EvidenceStep } from '../components/wizard/evidence-step'
import { ReviewStep } from '../components/wizard/review-step'
import { WhatStep } from '../components/wizard/what-step'
import { WhenStep } from '../components/wizard/when-step'
import { WhereStep } from '../components/wizard/where-step'
import { WizardHeading } from '../components/wizard/wizard-form'
import { getDraft } from '../investigations/drafts.server'
import { loadStepView, submitWizardStep } from '../investigations/wizard.server'
import { stepFromParam, stepKey, WIZARD_STEPS, wizardPath, type StepNumber } from '../investigations/wizard-schema'

// A saved draft of the investigation wizard at one step: /investigations/new/<draftId>/<step>, step 1-5
// (the route map is in investigations.new.tsx). A draft is its author's alone: anyone else gets 404.
// A step beyond the next one to fill redirects there.
export const access = { loader: 'investigation:write', action: 'investigation:write' } as const

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const step = data ? WIZARD_STEPS[data.view.step - 1] : null
  return [{ title: step ? `New investigation · step ${step.number}: ${step.label} · Inquest` : 'New investigation · Inquest' }]
}

async function loadDraft(params: LoaderFunctionArgs['params'], userId: string) {
  const step = stepFromParam(params.step)
  const draft = step && params.draftId ? await getDraft(params.draftId, userId) : null
  if (!draft || !step) throw new Response('Not found', { status: 404, statusText: 'Not Found' })
  const reachable = Math.min(draft.step + 1, WIZARD_STEPS.length) as StepNumber
  if (step > reachable) throw redirect(wizardPath(draft.id, reachable))
  return { draft, step }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const { draft, step } = await loadDraft(params, actor.user.id)
  return {
    draft: { id: draft.id, step: draft.step, values: draft.data[stepKey(step)] ?? {}, updatedAt: draft.updatedAt },
    view: await loadStepView(draft, step),
    me: actor.user.id,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const { draft, step } = await loadDraft(params, actor.user.id)
  const reply = await submitWizardStep(draft, step, await request.formData(), actor.user.id)
  if ('redirectTo' in reply) return redirect(reply.redirectTo)
  return data({ result: reply.result, message: reply.message }, { status: reply.status })
}

export default function WizardStepPage() {
  const { draft, view, me } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  // A new form after every save (adding a link row, say), so that it shows what was saved.
  const key = `${draft.id}-${view.step}-${draft.updatedAt}`
  const common = { defaultValue: draft.values as Record<string, unknown>, lastResult: actionData?.result, furthest: draft.step }
  return (
    <main className="max-w-4xl">
      <p className="text-sm">
        <Link to="/investigations" className="text-indigo-600 hover:underline dark:text-indigo-400">
          Investigations
        </Link>{' '}
        › <Link to="/investigations/new" className="text-indigo-600 hover:underline dark:text-indigo-400">New</Link>
      </p>
      <div className="mt-1">
        <WizardHeading step={view.step} />
      </div>
      {actionData?.message ? <Notice tone="error">{actionData.message}</Notice> : null}
      {view.step === 1 ? <WhatStep key={key} {...common} interactive /> : null}
      {view.step === 2 ? <WhereStep key={key} {...common} options={view.options} /> : null}
      {view.step === 3 ? <WhenStep key={key} {...common} linker={view.linker} /> : null}
      {view.step === 4 ? <EvidenceStep key={key} {...common} candidates={view.candidates} /> : null}
      {view.step === 5 ? <ReviewStep key={key} {...common} summary={view.summary} people={view.people} me={me} /> : null}
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
