import type { SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { actorCan, requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { EpisodeBadge, LinkLine, RunLine, Sha, SuspectCard } from '../components/linker'
import { idParam } from '../linker/api.server'
import { linkDecisionSchema, suspectDecisionSchema } from '../linker/decision-schema'
import { decideSuspect, getEpisode, listEpisodeRange, listSuspects } from '../linker/episodes.server'
import { decideLink } from '../linker/links.server'
import { isWatchingBranch } from '../notifications/linker-events.server'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'workspace:read', action: 'investigation:write' } as const

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.episode.name} on ${data.episode.branch} · Episode #${data.episode.id} · Inquest` : 'Episode · Inquest' },
]

const RANGE_SHOWN = 300

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const id = idParam(params.id)
  const episode = id === null ? null : await getEpisode(id)
  if (!episode) throw new Response('No such episode', { status: 404, statusText: 'Not Found' })
  const [suspects, range, watching] = await Promise.all([
    listSuspects(episode.id),
    listEpisodeRange(episode.id, RANGE_SHOWN),
    isWatchingBranch(actor.user.id, episode.repositoryId, episode.branch),
  ])
  return { episode, suspects, range, watching, canDecide: actorCan(actor, 'investigation:write') }
}

type Reply = { target: string | null; result: SubmissionResult<string[]> | null; notice: string | null }
const reply = (body: Partial<Reply>, status = 200) => data<Reply>({ target: null, result: null, notice: null, ...body }, { status })

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const id = idParam(params.id)
  if (id === null) throw new Response('No such episode', { status: 404, statusText: 'Not Found' })
  const formData = await request.formData()
  const intent = formData.get('intent')
  if (intent === 'accept-suspect' || intent === 'reject-suspect') {
    const submission = parseWithZod(formData, { schema: suspectDecisionSchema })
    const target = String(formData.get('sha') ?? '')
    if (submission.status !== 'success') return reply({ target, result: submission.reply() }, 400)
    const decision = submission.value.intent === 'accept-suspect' ? 'accepted' : 'rejected'
    const outcome = await decideSuspect(id, submission.value.sha, decision, auditActorOf(actor))
    if (!outcome.ok) {
      const message = outcome.reason === 'not_found' ? 'This episode no longer exists.' : 'That commit is not a suspect of this episode.'
      return reply({ target, result: submission.reply({ formErrors: [message] }) }, 404)
    }
    return reply({ target, result: submission.reply(), notice: outcome.changed ? `Suspect ${decision}.` : 'Nothing to change.' })
  }
  if (intent === 'accept-link' || intent === 'reject-link') {
    const submission = parseWithZod(formData, { schema: linkDecisionSchema })
    const target = `link-${String(formData.get('linkId') ?? '')}`
    if (submission.status !== 'success') return reply({ target, result: submission.reply() }, 400)
    const decision = submission.value.intent === 'accept-link' ? 'accepted' : 'rejected'
    const outcome = await decideLink(submission.value.linkId, decision, auditActorOf(actor))
    if (!outcome.ok) return reply({ target, result: submission.reply({ formErrors: ['That link no longer exists.'] }) }, 404)
    const notice = decision === 'rejected' ? 'Link rejected: the run no longer counts for its commit; the range is recomputed shortly.' : 'Link accepted.'
    return reply({ target, result: submission.reply(), notice: outcome.changed ? notice : 'Nothing to change.' })
  }
  return reply({ notice: 'Unknown action.' }, 400)
}

const BASE_WORDS = {
  sequence: 'the last green run of this workflow on this branch',
  default_branch: 'no green run on this branch yet, so the last green run on the default branch that the first red commit contains',
  none: 'no green run to compare with yet, so the whole history below the first red commit',
}

export default function EpisodePage() {
  const { episode, suspects, range, watching, canDecide } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const ranked = suspects.filter((suspect) => suspect.status !== 'rejected' && suspect.inRange)
  const rejected = suspects.filter((suspect) => suspect.status === 'rejected' || !suspect.inRange)
  const maxScore = Math.max(0, ...suspects.map((suspect) => suspect.score))
  const resultFor = (target: string) => (actionData?.target === target ? actionData.result : undefined)
  const linksOf = (run: typeof episode.firstRed) =>
    run?.links.map((link) => <LinkLine key={link.id} link={link} canDecide={canDecide} lastResult={resultFor(`link-${link.id}`)} />)
  return (
    <main>
      <p className="text-sm text-zinc-500">
        <Link to="/branches" className="hover:underline">
          Red branches
        </Link>{' '}
        › {episode.repository} › <span className="font-mono">{episode.branch}</span>
      </p>
      <div className="mt-1 flex flex-wrap items-center gap-3">
        <h1 className="page-title">
          {episode.name} on <span className="font-mono">{episode.branch}</span>
        </h1>
        <EpisodeBadge status={episode.status} likelyFlaky={episode.likelyFlaky} />
        {/* Anyone may watch the branch (their own mail): its own endpoint, episodes.$id_.watch. */}
        <Form method="post" action={`/episodes/${episode.id}/watch`}>
          <input type="hidden" name="intent" value={watching ? 'unwatch-branch' : 'watch-branch'} />
          <button type="submit" className="btn py-1" aria-pressed={watching}>
            {watching ? 'Unwatch branch' : 'Watch branch'}
          </button>
        </Form>
        <span className="text-sm text-zinc-500">
          episode #{episode.id} · red since {formatDateTime(episode.openedAt)}
          {episode.closedAt ? ` · green again ${formatDateTime(episode.closedAt)}` : ''}
        </span>
        {canDecide ? (
          <Link to={`/investigations/new?episode=${episode.id}`} className="btn btn-primary ml-auto">
            Investigate
          </Link>
        ) : null}
      </div>
      {actionData?.notice ? <Notice tone={actionData.result && actionData.result.status !== 'error' ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      {episode.likelyFlaky ? (
        <Notice>Likely flaky: every red run in this streak failed only tests that are known to flake. It does not make the branch red.</Notice>
      ) : null}

      <section aria-labelledby="runs-heading" className="card mt-6 p-4">
        <h2 id="runs-heading" className="text-sm font-semibold">
          Runs
        </h2>
        <dl className="mt-2 divide-y divide-zinc-100 dark:divide-zinc-800">
          <RunLine label="Last green" run={episode.lastGreen}>
            {episode.lastGreen ? linksOf(episode.lastGreen) : 'none yet'}
          </RunLine>
          <RunLine label="First red" run={episode.firstRed}>
            {linksOf(episode.firstRed)}
          </RunLine>
          <RunLine label="Green again" run={episode.closing}>
            {episode.closing ? linksOf(episode.closing) : 'still red'}
          </RunLine>
        </dl>
        <p className="mt-2 text-xs text-zinc-500">
          {episode.redCommits} red commit{episode.redCommits === 1 ? '' : 's'} in this streak. The range starts at {BASE_WORDS[episode.base]}.
        </p>
      </section>

      {episode.failingTests.length ? (
        <section aria-labelledby="tests-heading" className="mt-6">
          <h2 id="tests-heading" className="text-sm font-semibold">
            Failing tests in the first red run ({episode.failingTotal})
          </h2>
          <ul className="card mt-2 divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
            {episode.failingTests.map((test, index) => (
              <li key={index} className="px-3 py-2">
                <span className="font-medium">{test.classname ? `${test.classname} › ` : ''}{test.name}</span>
                {test.knownFlaky ? <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800 dark:bg-amber-900 dark:text-amber-200">known flaky</span> : null}
                {test.file ? <span className="ml-2 font-mono text-xs text-zinc-500">{test.file}</span> : null}
                {test.message ? <pre className="mt-1 max-h-24 overflow-auto whitespace-pre-wrap font-mono text-xs text-zinc-500">{test.message}</pre> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="suspects-heading" className="mt-6">
        <h2 id="suspects-heading" className="text-sm font-semibold">
          Suspects ({ranked.length})
        </h2>
        <p className="mt-1 text-xs text-zinc-500">
          Every commit in the range, most suspect first. A rejected suspect never comes back into the ranking of this episode.
        </p>
        {ranked.length === 0 ? <p className="mt-2 text-sm text-zinc-500">{episode.likelyFlaky ? 'None: this looks like a flake.' : 'No suspects.'}</p> : null}
        <ol className="mt-3 space-y-3">
          {ranked.map((suspect) => (
            <SuspectCard key={suspect.sha} suspect={suspect} maxScore={maxScore} canDecide={canDecide} lastResult={resultFor(suspect.sha)} />
          ))}
        </ol>
        {rejected.length ? (
          <details className="mt-4">
            <summary className="cursor-pointer text-sm text-zinc-500">Rejected or out of the range ({rejected.length})</summary>
            <ol className="mt-3 space-y-3">
              {rejected.map((suspect) => (
                <SuspectCard key={suspect.sha} suspect={suspect} maxScore={maxScore} canDecide={canDecide && suspect.inRange} lastResult={resultFor(suspect.sha)} />
              ))}
            </ol>
          </details>
        ) : null}
      </section>

      <section aria-labelledby="range-heading" className="mt-6">
        <h2 id="range-heading" className="text-sm font-semibold">
          Range: {episode.rangeSize} commit{episode.rangeSize === 1 ? '' : 's'} <span className="font-normal text-zinc-500">(git rev-list <Sha sha={episode.lastGreenSha} />..<Sha sha={episode.firstRedSha} />)</span>
        </h2>
        {episode.rangeTruncated ? <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">More commits than the linker keeps for one range: the newest are shown.</p> : null}
        {episode.rangeIncomplete ? (
          <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">Some history below these commits has not been imported, so the range may change once it is.</p>
        ) : null}
        <ol className="card mt-2 divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
          {range.map((commit) => (
            <li key={commit.sha} className="flex gap-3 px-3 py-1.5">
              <Sha sha={commit.sha} />
              <span className="min-w-0 flex-1 truncate">{commit.subject ?? '(commit not imported)'}</span>
              {commit.pushedIn ? <span className="hidden text-xs text-zinc-500 md:inline" title="The push this commit came with (push link)">{commit.pushedIn}</span> : null}
              <span className="text-xs text-zinc-500">{commit.authorName}</span>
            </li>
          ))}
        </ol>
        {episode.rangeSize > range.length ? <p className="mt-1 text-xs text-zinc-500">…and {episode.rangeSize - range.length} more.</p> : null}
      </section>
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
