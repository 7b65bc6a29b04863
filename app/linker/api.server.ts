// How the linker's read models look in /api/v1: times as ISO 8601, nothing internal.
import type { ZodType } from 'zod'
import { apiError } from '../utils/api-error.server'
import type { BranchStatus } from './branches.server'
import type { CommitSummary, EpisodeView, RunSummary, SuspectView } from './episodes.server'
import type { FlakeEvidence, FlakyTestSummary } from './flaky.server'
import type { LinkView } from './links.server'

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString())

export const presentRun = (run: RunSummary | null) =>
  run && {
    id: run.id,
    sha: run.sha,
    name: run.name,
    branch: run.branch,
    provider: run.provider,
    externalId: run.externalId,
    attempt: run.attempt,
    conclusion: run.conclusion,
    completedAt: iso(run.completedAt),
    url: run.url,
  }

export const presentCommit = (commit: CommitSummary) => ({
  sha: commit.sha,
  subject: commit.subject,
  author: commit.authorName === null ? null : { name: commit.authorName, email: commit.authorEmail },
  committedAt: iso(commit.committedAt),
  url: commit.url,
})

export function presentBranchStatus(status: BranchStatus) {
  return {
    repository: status.repository,
    branch: status.branch,
    state: status.state,
    workflows: status.workflows.map((workflow) => ({
      name: workflow.name,
      state: workflow.state,
      head: workflow.head && { sha: workflow.head.sha, run: presentRun(workflow.head.run) },
      lastGreen: workflow.lastGreen && { ...presentRun(workflow.lastGreen), base: workflow.lastGreen.base },
      firstRed: presentRun(workflow.firstRed),
      episode: workflow.episode && {
        id: workflow.episode.id,
        status: workflow.episode.status,
        likelyFlaky: workflow.episode.likelyFlaky,
        openedAt: iso(workflow.episode.openedAt),
        redCommits: workflow.episode.redCommits,
        range: {
          size: workflow.episode.range.size,
          truncated: workflow.episode.range.truncated,
          incomplete: workflow.episode.range.incomplete,
          base: workflow.episode.range.base,
          commits: workflow.episode.range.commits.map(presentCommit),
        },
        suspectsUrl: `/api/v1/episodes/${workflow.episode.id}/suspects`,
      },
      pendingRuns: workflow.pendingRuns,
    })),
  }
}

export function presentEpisode(episode: EpisodeView) {
  return {
    id: episode.id,
    repository: { id: episode.repositoryId, name: episode.repository },
    branch: episode.branch,
    workflow: episode.name,
    status: episode.status,
    likelyFlaky: episode.likelyFlaky,
    base: episode.base,
    lastGreen: presentRun(episode.lastGreen),
    firstRed: presentRun(episode.firstRed),
    closing: presentRun(episode.closing),
    openedAt: iso(episode.openedAt),
    closedAt: iso(episode.closedAt),
    redCommits: episode.redCommits,
    range: { size: episode.rangeSize, truncated: episode.rangeTruncated, incomplete: episode.rangeIncomplete },
  }
}

export const presentSuspect = (suspect: SuspectView) => ({
  ...presentCommit(suspect),
  rank: suspect.rank,
  score: suspect.score,
  reasons: suspect.reasons,
  status: suspect.status,
  decidedBy: suspect.decidedBy,
  decidedAt: iso(suspect.decidedAt),
  inRange: suspect.inRange,
})

export const presentFlakyTest = (test: FlakyTestSummary, evidence?: FlakeEvidence[]) => ({
  id: test.id,
  repository: { id: test.repositoryId, name: test.repository },
  scope: test.scope,
  name: test.name,
  file: test.file,
  rate: test.rate,
  flakyCommits: test.flakyCommits,
  commits: test.commits,
  firstFlakyAt: iso(test.firstFlakyAt),
  lastFlakyAt: iso(test.lastFlakyAt),
  lastRunAt: iso(test.lastRunAt),
  ...(evidence
    ? {
        flakes: evidence.map((flake) => ({
          sha: flake.sha,
          at: iso(flake.at),
          runs: flake.runs.map((run) => ({ ...run, at: iso(run.at) })),
        })),
      }
    : {}),
})

export const presentLink = (link: LinkView) => ({
  ...link,
  decidedAt: iso(link.decidedAt),
  createdAt: iso(link.createdAt),
})

/** A JSON body checked against `schema`, or the API's error response to return. */
export async function readJsonBody<T>(request: Request, schema: ZodType<T>): Promise<{ ok: true; data: T } | { ok: false; response: Response }> {
  const contentType = request.headers.get('content-type') ?? ''
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
    return { ok: false, response: apiError(415, 'unsupported_media_type', 'Send JSON with Content-Type: application/json.') }
  }
  let body: unknown
  try {
    body = JSON.parse(await request.text())
  } catch {
    return { ok: false, response: apiError(400, 'bad_request', 'The body is not valid JSON.') }
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    return {
      ok: false,
      response: apiError(400, 'validation_failed', 'The body is not valid.', {}, parsed.error.flatten().fieldErrors as Record<string, string[]>),
    }
  }
  return { ok: true, data: parsed.data }
}

/** A positive integer route parameter, or null. */
export function idParam(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,15}$/.test(raw)) return null
  const id = Number(raw)
  return id > 0 ? id : null
}
