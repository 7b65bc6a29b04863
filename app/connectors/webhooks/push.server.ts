// A push from any provider: its commits, where the branch now points, and one `push` event.
import { and, eq, lte, sql } from 'drizzle-orm'
import { branches } from '../../../db/schema'
import { insertEvents, upsertCommits, type CommitInput, type Tx } from '../timeline.server'
import { describeRef, pluralize, ZERO_SHA } from './normalize.server'

export interface PushInput {
  repositoryId: string
  ref: string
  before: string
  after: string
  /** Oldest first, as both providers list them. Parents are filled in here. */
  commits: Array<Omit<CommitInput, 'parents'>>
  /** True when the payload lists every commit of the push (GitLab sends only the newest 20). */
  complete: boolean
  forced: boolean
  pusher: string
  /** The provider's time of the push; orders two pushes of one branch. */
  pushedAt: number
  link: string | null
  deliveryRowId: number
}

/**
 * Each commit's parent is the one listed before it, and the first one's is `before`, unless the
 * push created the ref (all zeros), was forced (`before` is then not an ancestor), or the list is cut.
 * A merge commit's second parent is not in a push payload: the git import fills those in.
 */
export function chainParents(input: Pick<PushInput, 'before' | 'commits' | 'complete' | 'forced'>): CommitInput[] {
  const firstParentKnown = input.complete && !input.forced && !ZERO_SHA.test(input.before)
  return input.commits.map((commit, index) => {
    const parent = index > 0 ? input.commits[index - 1].sha : firstParentKnown ? input.before : null
    return { ...commit, parents: parent ? [parent] : [] }
  })
}

export async function applyPush(tx: Tx, input: PushInput) {
  const { branch, tag } = describeRef(input.ref)
  const created = ZERO_SHA.test(input.before)
  const deleted = ZERO_SHA.test(input.after)
  const commits = chainParents(input)
  await upsertCommits(tx, input.repositoryId, commits, { branch, sourceDeliveryId: input.deliveryRowId })

  if (branch && deleted) {
    // Only if no newer push has moved the branch since.
    await tx
      .delete(branches)
      .where(and(eq(branches.repositoryId, input.repositoryId), eq(branches.name, branch), lte(branches.updatedAt, input.pushedAt)))
  } else if (branch) {
    await tx
      .insert(branches)
      .values({ repositoryId: input.repositoryId, name: branch, headSha: input.after, updatedAt: input.pushedAt })
      .onConflictDoUpdate({
        target: [branches.repositoryId, branches.name],
        set: { headSha: sql`excluded.head_sha`, updatedAt: sql`excluded.updated_at` },
        // A push delivered late never moves the branch back.
        setWhere: sql`excluded.updated_at >= branches.updated_at`,
      })
  }

  const target = branch ?? (tag ? `tag ${tag}` : input.ref)
  const title = deleted
    ? `${input.pusher} deleted ${target}`
    : created
      ? `${input.pusher} created ${target}${commits.length ? ` with ${pluralize(commits.length, 'commit')}` : ''}`
      : `${input.pusher} pushed ${pluralize(commits.length, 'commit')} to ${target}${input.forced ? ' (forced)' : ''}`
  await insertEvents(tx, [
    {
      kind: 'push',
      at: input.pushedAt,
      repositoryId: input.repositoryId,
      branch,
      sha: deleted ? input.before : input.after,
      title,
      link: input.link,
      // One push is one ref moving from `before` to `after`, however many times it is delivered.
      refId: `${input.ref}:${input.before}..${input.after}`,
      sourceDeliveryId: input.deliveryRowId,
    },
  ])
  return { branch, commits: commits.length }
}
