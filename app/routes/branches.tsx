import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useRouteLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { userHasPermission } from '../auth/permissions'
import { actorCan, requirePermission } from '../auth/require.server'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { RepositorySelect } from '../components/forms/repository-select'
import { EpisodeBadge, EpisodeLink, Sha, Since } from '../components/linker'
import { branchStatusPath } from '../linker/branch-name'
import { listEpisodes, listRepositoryNames, type EpisodeListItem } from '../linker/branches.server'
import { requestRecompute } from '../linker/recompute.server'
import type { RootLoaderData } from '../root'
import { formatDateTime } from '../utils/format'

// Red branches now: every open red episode (and the likely-flaky ones apart), and what went green
// again lately. Admins may ask for a full recompute of a repository.
export const access = { loader: 'workspace:read', action: 'repository:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Red branches · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const repositoryId = new URL(request.url).searchParams.get('repository') || null
  const [episodes, repositories] = await Promise.all([listEpisodes({ repositoryId }), listRepositoryNames()])
  return { episodes, repositories, repositoryId, canRecompute: actorCan(actor, 'repository:manage'), now: Date.now() }
}

const recomputeSchema = z.object({ intent: z.literal('recompute'), repositoryId: z.string().min(1).max(200) })

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const parsed = recomputeSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ notice: 'Choose a repository to recompute.', ok: false }, { status: 400 })
  const queued = await requestRecompute(parsed.data.repositoryId, { userId: actor.user.id, tokenId: actor.tokenId ?? null })
  if (!queued) return data({ notice: 'No repository has that id.', ok: false }, { status: 404 })
  return { notice: 'Recompute queued: ranges, suspects and flaky tests of this repository are derived again (decisions stay).', ok: true }
}

export default function RedBranchesPage() {
  const { episodes, repositories, repositoryId, canRecompute, now } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const red = episodes.filter((episode) => episode.status === 'open' && !episode.likelyFlaky)
  const flaky = episodes.filter((episode) => episode.status === 'open' && episode.likelyFlaky)
  const recovered = episodes.filter((episode) => episode.status === 'closed')
  return (
    <main>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="page-title">Red branches</h1>
          <p className="mt-1 text-zinc-500 dark:text-zinc-400">
            Every branch and workflow that is red now, since when, and the commit most likely to have caused it.
          </p>
        </div>
        <Form method="get" className="flex items-end gap-2">
          <label className="label" htmlFor="repository">
            Repository
          </label>
          <RepositorySelect repositories={repositories} selected={repositoryId} anyLabel="All" className="input w-auto" />
          <button type="submit" className="btn">
            Show
          </button>
        </Form>
      </div>
      {actionData?.notice ? <Notice tone={actionData.ok ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      <EpisodeTable title={`Red now (${red.length})`} episodes={red} now={now} empty="Nothing is red. 🎉" />
      {flaky.length ? <EpisodeTable title={`Likely flaky (${flaky.length})`} episodes={flaky} now={now} empty="" /> : null}
      <EpisodeTable title={`Green again in the last 7 days (${recovered.length})`} episodes={recovered} now={now} empty="Nothing recovered lately." />
      {canRecompute && repositoryId ? (
        <Form method="post" className="mt-8">
          <input type="hidden" name="intent" value="recompute" />
          <input type="hidden" name="repositoryId" value={repositoryId} />
          <button type="submit" className="btn">
            Recompute this repository
          </button>
          <span className="ml-2 text-xs text-zinc-500">Derives links, ranges, suspects and flaky tests again from stored commits and runs. Decisions are kept.</span>
        </Form>
      ) : null}
    </main>
  )
}

function EpisodeTable({ title, episodes, now, empty }: { title: string; episodes: EpisodeListItem[]; now: number; empty: string }) {
  const canInvestigate = userHasPermission(useRouteLoaderData<RootLoaderData>('root')?.user?.role, 'investigation:write')
  return (
    <section className="mt-6">
      <h2 className="text-sm font-semibold">{title}</h2>
      <div className="card mt-2 overflow-x-auto">
        <table className="table-dense">
          <thead>
            <tr>
              <th scope="col">Branch</th>
              <th scope="col">Workflow</th>
              <th scope="col">State</th>
              <th scope="col">Since</th>
              <th scope="col">First red</th>
              <th scope="col">Range</th>
              <th scope="col">Top suspect</th>
              {canInvestigate ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {episodes.length === 0 ? (
              <tr>
                <td colSpan={canInvestigate ? 8 : 7} className="text-zinc-500">
                  {empty}
                </td>
              </tr>
            ) : null}
            {episodes.map((episode) => (
              <tr key={episode.id}>
                <td>
                  <span className="text-xs text-zinc-500">{episode.repository} / </span>
                  <a className="font-mono text-xs hover:underline" href={branchStatusPath(episode.repositoryId, episode.branch)} title="Status as JSON (API)">
                    {episode.branch}
                  </a>
                </td>
                <td>
                  <EpisodeLink id={episode.id}>{episode.name}</EpisodeLink>
                </td>
                <td>
                  <EpisodeBadge status={episode.status} likelyFlaky={episode.likelyFlaky} />
                </td>
                <td className="whitespace-nowrap">
                  {episode.status === 'open' ? <Since at={episode.openedAt} now={now} /> : <span title={formatDateTime(episode.closedAt)}>closed</span>}
                </td>
                <td className="max-w-xs truncate">
                  <Sha sha={episode.firstRedSha} /> {episode.firstRedSubject}
                </td>
                <td className="whitespace-nowrap">
                  {episode.rangeSize} commit{episode.rangeSize === 1 ? '' : 's'}
                  {episode.base === 'default_branch' ? <span className="text-xs text-zinc-500"> from the default branch</span> : null}
                </td>
                <td className="max-w-xs truncate">
                  {episode.topSuspect ? (
                    <Link to={`/episodes/${episode.id}`} className="hover:underline">
                      <Sha sha={episode.topSuspect.sha} /> {episode.topSuspect.subject}
                      {episode.topSuspect.accepted ? <span className="ml-1 text-xs text-emerald-700 dark:text-emerald-300">(accepted)</span> : null}
                    </Link>
                  ) : (
                    <span className="text-zinc-500">—</span>
                  )}
                </td>
                {canInvestigate ? (
                  <td>
                    <Link to={`/investigations/new?episode=${episode.id}`} className="whitespace-nowrap text-indigo-600 hover:underline dark:text-indigo-400">
                      Investigate<span className="sr-only"> {episode.name} on {episode.branch}</span>
                    </Link>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
