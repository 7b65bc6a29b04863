import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { actorCan, requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { EvidencePanel } from '../components/investigation/evidence'
import { InvestigationHeader } from '../components/investigation/header'
import { Timeline } from '../components/investigation/timeline'
import { listOwnerCandidates } from '../investigations/changes.server'
import { listEvidence, listInvestigationSuspects } from '../investigations/evidence.server'
import { getInvestigation } from '../investigations/investigations.server'
import { renderMarkdown } from '../investigations/markdown.server'
import { runPageIntent, type PageReply } from '../investigations/page-actions.server'
import { pageIntentOf, timelineFilterOf } from '../investigations/page-schema'
import { STATUS_TRANSITIONS } from '../investigations/status'
import { getTimeline } from '../investigations/timeline.server'
import { idParam } from '../linker/api.server'

export const access = { loader: 'workspace:read', action: 'investigation:write' } as const

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? `${data.investigation.title} · Investigation #${data.investigation.id} · Inquest`
      : 'Investigation · Inquest',
  },
]

const notFound = () => new Response('No such investigation', { status: 404, statusText: 'Not Found' })

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const id = idParam(params.id)
  const investigation = id === null ? null : await getInvestigation(id)
  if (!investigation) throw notFound()
  const filter = timelineFilterOf(new URL(request.url).searchParams.get('kind'))
  const canEdit = actorCan(actor, 'investigation:write')
  const [timeline, evidence, suspects, people] = await Promise.all([
    getTimeline(investigation.id, filter),
    listEvidence(investigation.id),
    listInvestigationSuspects(investigation.id),
    canEdit ? listOwnerCandidates() : [],
  ])
  return {
    investigation,
    descriptionHtml: investigation.description ? renderMarkdown(investigation.description) : null,
    moves: STATUS_TRANSITIONS[investigation.status],
    timeline: { ...timeline, filter },
    evidence,
    suspects,
    people,
    watching: investigation.watchers.some((watcher) => watcher.id === actor.user.id),
    can: { edit: canEdit, delete: actorCan(actor, 'investigation:delete') },
  }
}

const reply = (body: Partial<PageReply>, status: number) =>
  data<PageReply>({ intent: null, target: null, result: null, notice: null, ...body }, { status })

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const id = idParam(params.id)
  if (id === null) throw notFound()
  const formData = await request.formData()
  const intent = pageIntentOf(formData.get('intent'))
  if (!intent) return reply({ notice: 'Unknown action.' }, 400)
  if (intent === 'delete') await requirePermission(request, 'investigation:delete')
  const outcome = await runPageIntent(id, intent, formData, { userId: actor.user.id, audit: auditActorOf(actor) })
  if (outcome.status === 'not_found') throw notFound()
  if (outcome.status === 'deleted') return redirect('/investigations')
  return reply(outcome.reply, outcome.status)
}

export default function InvestigationPage() {
  const loaded = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const resultFor = (target: string) => (actionData?.target === target ? actionData.result : undefined)
  const succeeded = actionData?.result?.status !== 'error' && actionData?.result !== null
  return (
    <main>
      <p className="text-sm text-zinc-500">
        <Link to="/investigations" className="hover:underline">
          Investigations
        </Link>{' '}
        › #{loaded.investigation.id}
      </p>
      {actionData?.notice ? <Notice tone={succeeded ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      <InvestigationHeader
        investigation={loaded.investigation}
        descriptionHtml={loaded.descriptionHtml}
        moves={loaded.moves}
        people={loaded.people}
        watching={loaded.watching}
        can={loaded.can}
        resultFor={resultFor}
      />
      <div className="mt-6 grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <Timeline
          entries={loaded.timeline.entries}
          truncated={loaded.timeline.truncated}
          filter={loaded.timeline.filter}
          canEdit={loaded.can.edit}
          noteResult={resultFor('note')}
        />
        <EvidencePanel
          evidence={loaded.evidence}
          suspects={loaded.suspects}
          canEdit={loaded.can.edit}
          resultFor={resultFor}
        />
      </div>
    </main>
  )
}

export function ErrorBoundary() {
  return (
    <GeneralErrorBoundary
      statusHandlers={{
        404: () => (
          <main className="mx-auto max-w-xl px-6 py-16">
            <p className="font-mono text-sm text-zinc-500">404</p>
            <h1 className="mt-1 text-2xl font-semibold">No such investigation</h1>
            <p className="mt-3 text-zinc-600 dark:text-zinc-400">It does not exist, or an admin deleted it.</p>
            <p className="mt-6">
              <Link to="/investigations" className="text-indigo-600 hover:underline dark:text-indigo-400">
                All investigations
              </Link>
            </p>
          </main>
        ),
      }}
    />
  )
}
