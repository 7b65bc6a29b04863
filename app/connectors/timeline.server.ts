// Writes commits and timeline events. Shared by webhooks (push), git import and the CI API, so that
// every path that brings a commit in stores it the same way and puts it on the one timeline.
import { commitFiles, commitParents, commits, events } from '../../db/schema'
import type { Database } from '../db.server'

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0] | Database

export interface CommitInput {
  sha: string
  parents: string[]
  authorName: string
  authorEmail: string
  authoredAt: number
  committerName: string
  committerEmail: string
  committedAt: number
  subject: string
  body: string
  url?: string | null
  /** Changed files; null when the source does not say (a push webhook lists paths without line counts). */
  files: Array<{ path: string; additions: number | null; deletions: number | null }>
}

export interface EventInput {
  kind: 'commit' | 'push' | 'ci_run' | 'test_result'
  at: number
  repositoryId: string
  branch?: string | null
  sha?: string | null
  title: string
  link?: string | null
  refId?: string | null
  sourceDeliveryId?: number | null
}

// SQLite allows 32,766 bound parameters per statement; stay well under it.
const MAX_PARAMETERS = 30_000

function chunks<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns))
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}

/**
 * Stores commits (with parents and changed files) that are not stored yet, and a `commit` event for
 * each new one. Known commits are left as they are. Returns the shas that were new.
 */
export async function upsertCommits(
  tx: Tx,
  repositoryId: string,
  input: CommitInput[],
  options: { branch?: string | null; sourceDeliveryId?: number | null; events?: boolean } = {},
): Promise<string[]> {
  if (input.length === 0) return []
  const inserted: string[] = []
  for (const batch of chunks(input, 14)) {
    const rows = await tx
      .insert(commits)
      .values(
        batch.map((commit) => {
          const additions = commit.files.reduce((sum, file) => sum + (file.additions ?? 0), 0)
          const deletions = commit.files.reduce((sum, file) => sum + (file.deletions ?? 0), 0)
          return {
            repositoryId,
            sha: commit.sha,
            authorName: commit.authorName,
            authorEmail: commit.authorEmail,
            authoredAt: commit.authoredAt,
            committerName: commit.committerName,
            committerEmail: commit.committerEmail,
            committedAt: commit.committedAt,
            subject: commit.subject,
            body: commit.body,
            additions,
            deletions,
            filesChanged: commit.files.length,
            url: commit.url ?? null,
          }
        }),
      )
      .onConflictDoNothing()
      .returning({ sha: commits.sha })
    inserted.push(...rows.map((row) => row.sha))
  }
  if (inserted.length === 0) return []
  const fresh = new Set(inserted)
  const newCommits = input.filter((commit) => fresh.has(commit.sha))

  const parents = newCommits.flatMap((commit) =>
    commit.parents.map((parentSha, position) => ({ repositoryId, sha: commit.sha, parentSha, position })),
  )
  for (const batch of chunks(parents, 4)) await tx.insert(commitParents).values(batch).onConflictDoNothing()

  const files = newCommits.flatMap((commit) =>
    commit.files.map((file) => ({ repositoryId, sha: commit.sha, path: file.path, additions: file.additions, deletions: file.deletions })),
  )
  for (const batch of chunks(files, 5)) await tx.insert(commitFiles).values(batch).onConflictDoNothing()

  if (options.events !== false) {
    await insertEvents(
      tx,
      newCommits.map((commit) => ({
        kind: 'commit',
        at: commit.committedAt,
        repositoryId,
        branch: options.branch ?? null,
        sha: commit.sha,
        title: commit.subject,
        link: commit.url ?? null,
        refId: commit.sha,
        sourceDeliveryId: options.sourceDeliveryId ?? null,
      })),
    )
  }
  return inserted
}

/** Adds events to the timeline; an event already recorded for the same thing (kind, repository, ref) is kept. */
export async function insertEvents(tx: Tx, input: EventInput[]) {
  for (const batch of chunks(input, 9)) {
    await tx
      .insert(events)
      .values(
        batch.map((event) => ({
          kind: event.kind,
          at: event.at,
          repositoryId: event.repositoryId,
          branch: event.branch ?? null,
          sha: event.sha ?? null,
          title: event.title,
          link: event.link ?? null,
          refId: event.refId ?? null,
          sourceDeliveryId: event.sourceDeliveryId ?? null,
        })),
      )
      .onConflictDoNothing()
  }
}
