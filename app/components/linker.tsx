// Pieces of the linker's pages: states, shas, runs, suspects with their reasons, and link rows.
import type { SubmissionResult } from '@conform-to/react'
import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { linkDecisionSchema, suspectDecisionSchema } from '../linker/decision-schema'
import { formatDateTime } from '../utils/format'
import { Badge, RowActionForm } from './admin-nav'

export const shortSha = (sha: string | null | undefined) => (sha ? sha.slice(0, 10) : '—')

export function Sha({ sha, title }: { sha: string | null | undefined; title?: string | null }) {
  if (!sha) return <span className="text-zinc-400">—</span>
  return (
    <code className="font-mono text-xs" title={title ? `${sha}\n${title}` : sha}>
      {shortSha(sha)}
    </code>
  )
}

const STATE_TONES = { red: 'red', likely_flaky: 'amber', green: 'green', unknown: 'grey' } as const
const STATE_WORDS = { red: 'red', likely_flaky: 'likely flaky', green: 'green', unknown: 'no result yet' } as const

export function StateBadge({ state }: { state: keyof typeof STATE_TONES }) {
  const tone = STATE_TONES[state]
  if (tone === 'red') {
    return <span className="whitespace-nowrap rounded bg-red-100 px-1.5 py-0.5 text-xs font-medium text-red-800 dark:bg-red-950 dark:text-red-200">red</span>
  }
  return <Badge tone={tone}>{STATE_WORDS[state]}</Badge>
}

export function EpisodeBadge({ status, likelyFlaky }: { status: 'open' | 'closed'; likelyFlaky: boolean }) {
  if (likelyFlaky) return <StateBadge state="likely_flaky" />
  if (status === 'open') return <StateBadge state="red" />
  return <Badge tone="grey">closed</Badge>
}

export interface RunLike {
  id: number
  sha: string
  name: string
  attempt: number
  conclusion: string | null
  completedAt: number | null
  url: string | null
  externalId: string
}

export function RunLine({ label, run, children }: { label: string; run: RunLike | null; children?: ReactNode }) {
  return (
    <div className="grid grid-cols-[8rem_1fr] gap-2 py-1.5 text-sm">
      <dt className="text-zinc-500">{label}</dt>
      <dd>
        {run ? (
          <>
            <Sha sha={run.sha} /> · {run.url ? <a className="text-indigo-600 hover:underline dark:text-indigo-400" href={run.url} rel="noreferrer">{`${run.name} #${run.externalId}`}</a> : `${run.name} #${run.externalId}`}
            {run.attempt > 1 ? ` (attempt ${run.attempt})` : ''} · {run.conclusion ?? 'running'} · {formatDateTime(run.completedAt)}
            {children}
          </>
        ) : (
          <span className="text-zinc-500">{children ?? '—'}</span>
        )}
      </dd>
    </div>
  )
}

export interface SuspectLike {
  sha: string
  subject: string | null
  authorName: string | null
  score: number
  rank: number | null
  reasons: Array<{ code: string; text: string; points: number }>
  status: 'suggested' | 'accepted' | 'rejected'
  decidedBy: string | null
  decidedAt: number | null
  inRange: boolean
}

/** One suspect: rank, score, the reasons in words, and (for engineers) accept / reject. */
export function SuspectCard({
  suspect,
  maxScore,
  canDecide,
  lastResult,
}: {
  suspect: SuspectLike
  maxScore: number
  canDecide: boolean
  lastResult?: SubmissionResult<string[]> | null
}) {
  const width = maxScore > 0 ? Math.max(4, Math.round((suspect.score / maxScore) * 100)) : 4
  return (
    <li className="card p-4" data-testid="suspect">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-medium">
            {suspect.rank ? <span className="mr-2 text-zinc-500">#{suspect.rank}</span> : null}
            <Sha sha={suspect.sha} /> <span>{suspect.subject ?? '(commit not imported)'}</span>
          </p>
          <p className="mt-0.5 text-xs text-zinc-500">
            {suspect.authorName ?? 'unknown author'} · score {suspect.score.toFixed(2)}
            {suspect.status !== 'suggested' ? ` · ${suspect.status} by ${suspect.decidedBy ?? 'someone'} ${formatDateTime(suspect.decidedAt)}` : ''}
            {!suspect.inRange ? ' · no longer in the range' : ''}
          </p>
          <div className="mt-2 h-1.5 w-48 rounded bg-zinc-100 dark:bg-zinc-800" aria-hidden="true">
            <div className="h-1.5 rounded bg-indigo-500" style={{ width: `${width}%` }} />
          </div>
        </div>
        <div className="flex items-center gap-2">
          {suspect.status === 'accepted' ? <Badge tone="green">accepted</Badge> : null}
          {suspect.status === 'rejected' ? <Badge tone="grey">rejected</Badge> : null}
          {canDecide && suspect.status !== 'accepted' ? (
            <RowActionForm id={`accept-${suspect.sha}`} schema={suspectDecisionSchema} values={{ intent: 'accept-suspect', sha: suspect.sha }} lastResult={lastResult}>
              Accept<span className="sr-only"> {shortSha(suspect.sha)} as the cause</span>
            </RowActionForm>
          ) : null}
          {canDecide && suspect.status !== 'rejected' ? (
            <RowActionForm id={`reject-${suspect.sha}`} schema={suspectDecisionSchema} values={{ intent: 'reject-suspect', sha: suspect.sha }} lastResult={lastResult}>
              Reject<span className="sr-only"> {shortSha(suspect.sha)}</span>
            </RowActionForm>
          ) : null}
        </div>
      </div>
      <ul className="mt-3 space-y-1 text-sm">
        {suspect.reasons.map((reason) => (
          <li key={reason.code} className="flex gap-2">
            <span className="w-12 shrink-0 text-right font-mono text-xs tabular-nums text-zinc-500">+{reason.points.toFixed(2)}</span>
            <span>{reason.text}</span>
          </li>
        ))}
      </ul>
    </li>
  )
}

export interface LinkLike {
  id: number
  rule: string
  confidence: number
  status: 'suggested' | 'accepted' | 'rejected'
  decidedBy: string | null
  decidedAt: number | null
}

/** A run's link to its commit: how it was made, and (for engineers) accept / reject. */
export function LinkLine({ link, canDecide, lastResult }: { link: LinkLike; canDecide: boolean; lastResult?: SubmissionResult<string[]> | null }) {
  return (
    <span className="ml-2 inline-flex flex-wrap items-center gap-2 text-xs text-zinc-500" data-testid="link">
      <span>
        linked by {link.rule}, confidence {Math.round(link.confidence * 100)}%
      </span>
      <Badge tone={link.status === 'accepted' ? 'green' : link.status === 'rejected' ? 'grey' : 'blue'}>{link.status}</Badge>
      {link.decidedBy ? <span>by {link.decidedBy}</span> : null}
      {canDecide && link.status !== 'accepted' ? (
        <RowActionForm id={`accept-link-${link.id}`} schema={linkDecisionSchema} values={{ intent: 'accept-link', linkId: String(link.id) }} lastResult={lastResult}>
          Accept link
        </RowActionForm>
      ) : null}
      {canDecide && link.status !== 'rejected' ? (
        <RowActionForm id={`reject-link-${link.id}`} schema={linkDecisionSchema} values={{ intent: 'reject-link', linkId: String(link.id) }} lastResult={lastResult}>
          Reject link
        </RowActionForm>
      ) : null}
    </span>
  )
}

export function EpisodeLink({ id, children }: { id: number; children: ReactNode }) {
  return (
    <Link to={`/episodes/${id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
      {children}
    </Link>
  )
}

/** "3 h", "2 d": how long ago, for a list; the exact time goes in the title. */
export function Since({ at, now }: { at: number; now: number }) {
  const minutes = Math.max(0, Math.round((now - at) / 60_000))
  const text = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} d`
  return <span title={formatDateTime(at)}>{text}</span>
}
