import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { requirePermission } from '../auth/require.server'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { WhatStep } from '../components/wizard/what-step'
import { WizardHeading } from '../components/wizard/wizard-form'
import { deleteDraft, listDrafts } from '../investigations/drafts.server'
import { prefillFromSeed, seedFromSearch, startWizard } from '../investigations/wizard.server'
import { WIZARD_STEPS, wizardPath } from '../investigations/wizard-schema'
import { formatDateTime } from '../utils/format'

// The investigation wizard. Routes:
//   /investigations/new                        step 1 of a new draft, and your unfinished drafts
//   /investigations/new?episode=<id>           the same, with steps 2 and 3 taken from a red episode
//   /investigations/new?repository=<id>&branch=<name>&workflow=<name>   ...or from a scope
//   /investigations/new/<draftId>/<step>       a saved draft at step 1-5 (investigations.new_.$draftId.$step.tsx)
// No GET writes anything: the draft is created when step 1 is first posted, then saved on every step.
export const access = { loader: 'investigation:write', action: 'investigation:write' } as const

export const meta: MetaFunction = () => [{ title: 'New investigation · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const seed = seedFromSearch(new URL(request.url).searchParams)
  const prefill = seed ? await prefillFromSeed(seed) : null
  if (seed && !prefill) throw new Response('Not found', { status: 404, statusText: 'Not Found' })
  return {
    drafts: await listDrafts(actor.user.id),
    prefill: prefill ? { label: prefill.label, suggestedTitle: prefill.suggestedTitle, episodeId: prefill.linker.episodeId } : null,
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  if (formData.get('intent') === 'discard') {
    await deleteDraft(String(formData.get('draftId') ?? ''), actor.user.id)
    return redirect(`/investigations/new${new URL(request.url).search}`)
  }
  const reply = await startWizard(actor.user.id, formData, seedFromSearch(new URL(request.url).searchParams))
  if ('redirectTo' in reply) return redirect(reply.redirectTo)
  return data({ result: reply.result, message: reply.message }, { status: reply.status })
}

export default function NewInvestigationPage() {
  const { drafts, prefill } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <main className="max-w-4xl">
      <p className="text-sm">
        <Link to="/investigations" className="text-indigo-600 hover:underline dark:text-indigo-400">
          Investigations
        </Link>
      </p>
      <div className="mt-1">
        <WizardHeading step={1}>{prefill ? `Starting from ${prefill.label}: where and when are filled in from the linker.` : null}</WizardHeading>
      </div>
      {actionData?.message ? <Notice tone="error">{actionData.message}</Notice> : null}
      {drafts.length ? (
        <section aria-labelledby="drafts-heading" className="card mt-4 p-4">
          <h2 id="drafts-heading" className="text-sm font-semibold">
            Your unfinished drafts
          </h2>
          <ul className="mt-2 divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
            {drafts.map((draft) => {
              const resumeAt = Math.min(draft.step + 1, WIZARD_STEPS.length)
              return (
                <li key={draft.id} className="flex flex-wrap items-center gap-3 py-1.5">
                  <Link to={wizardPath(draft.id, resumeAt)} className="min-w-0 flex-1 truncate font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                    {draft.title || 'Untitled draft'}
                  </Link>
                  <span className="text-xs text-zinc-500">
                    at step {resumeAt} ({WIZARD_STEPS[resumeAt - 1].label}) · saved {formatDateTime(draft.updatedAt)}
                  </span>
                  <Form method="post">
                    <input type="hidden" name="intent" value="discard" />
                    <input type="hidden" name="draftId" value={draft.id} />
                    <button type="submit" className="btn py-0.5 text-xs">
                      Discard<span className="sr-only"> {draft.title || 'untitled draft'}</span>
                    </button>
                  </Form>
                </li>
              )
            })}
          </ul>
        </section>
      ) : null}
      <WhatStep
        defaultValue={prefill?.suggestedTitle ? { title: prefill.suggestedTitle } : {}}
        lastResult={actionData?.result}
        furthest={0}
        interactive={false}
      />
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
