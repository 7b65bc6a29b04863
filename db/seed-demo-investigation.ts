// The demo workspace's investigation: the demo repository's red streak on main, framed as an engineer
// would in the wizard, with the last green and first red runs, the ranked suspects, the failing test,
// a deploy and a note. Its canvas is what the browser test looks at.
import { sql } from 'drizzle-orm'
import { findUserByEmail } from '../app/auth/users.server'
import { getDb } from '../app/db.server'
import { HELD_ELSEWHERE } from '../app/jobs/workers.server'
import { createInvestigation, type EvidenceInput } from '../app/investigations/investigations.server'
import { addNote } from '../app/investigations/notes.server'
import { releaseLinkerLease, runLinkerRound } from '../app/linker/worker.server'
import { firstRow } from '../app/linker/sql.server'

export const DEMO_INVESTIGATION_TITLE = 'Cart totals are off by rounding on main'

interface RunRow {
  id: number
  sha: string
  name: string
  externalId: string
  completedAt: number
}

export async function seedDemoInvestigation(repositoryId: string): Promise<number | null> {
  // The linker finds the red episode; the server's worker is not running yet during the seed.
  for (let round = 0; round < 20; round++) {
    const handled = await runLinkerRound()
    if (handled === 0 || handled === HELD_ELSEWHERE) break
  }
  // The server that starts next takes the linker over at once.
  await releaseLinkerLease()
  const db = getDb()
  const episode = await firstRow<{ id: number; firstRedRunId: number; lastGreenRunId: number | null; branch: string; name: string }>(
    db,
    sql`select id, first_red_run_id as firstRedRunId, last_green_run_id as lastGreenRunId, branch, name from episodes
        where repository_id = ${repositoryId} and status = 'open' order by opened_at desc limit 1`,
  )
  const engineer = await findUserByEmail('engineer@example.com')
  if (!episode || !engineer) return null

  const runOf = (id: number | null) =>
    id === null
      ? undefined
      : firstRow<RunRow>(db, sql`select id, head_sha as sha, name, external_id as externalId, completed_at as completedAt from ci_runs where id = ${id}`)
  const firstRed = (await runOf(episode.firstRedRunId))!
  const lastGreen = await runOf(episode.lastGreenRunId)
  const suspects = await db.all<{ sha: string; subject: string | null; committedAt: number | null }>(sql`
    select s.sha, c.subject, c.committed_at as committedAt from suspects s
    left join commits c on c.repository_id = ${repositoryId} and c.sha = s.sha
    where s.episode_id = ${episode.id} and s.status != 'rejected' order by s.score desc`)
  const failing = await db.all<{ scope: string; name: string }>(sql`
    select coalesce(classname, suite) as scope, name from test_results
    where ci_run_id = ${firstRed.id} and status in ('failed', 'error') order by id limit 1`)

  const evidence: EvidenceInput[] = [
    { kind: 'ci_run', ref: String(firstRed.id), repositoryId, label: `First red: ${firstRed.name} #${firstRed.externalId}`, occurredAt: firstRed.completedAt },
    ...(lastGreen
      ? [{ kind: 'ci_run' as const, ref: String(lastGreen.id), repositoryId, label: `Last green: ${lastGreen.name} #${lastGreen.externalId}`, occurredAt: lastGreen.completedAt }]
      : []),
    ...suspects.map((suspect) => ({
      kind: 'suspect' as const,
      ref: `${episode.id}:${suspect.sha}`,
      repositoryId,
      label: suspect.subject ?? suspect.sha.slice(0, 10),
      occurredAt: suspect.committedAt,
    })),
    ...failing.map((test) => ({ kind: 'test' as const, ref: `${test.scope}\t${test.name}`, repositoryId, label: `${test.scope} › ${test.name}`, occurredAt: firstRed.completedAt })),
    {
      kind: 'deploy',
      ref: 'https://deploy.example.com/acme/shop/releases/2026.11.23-2',
      repositoryId,
      label: 'Release 2026.11.23-2 to production',
      occurredAt: firstRed.completedAt + 30 * 60 * 1000,
      note: 'Went out with the red build: customers see totals a cent off.',
    },
  ]

  const id = await createInvestigation(
    {
      title: DEMO_INVESTIGATION_TITLE,
      description: 'The `cart › total` test fails since *Round discounted totals*: 2.97 where 3 is expected. Production has it since release 2026.11.23-2.',
      kind: 'regression',
      severity: 'sev2',
      repositoryId,
      branch: episode.branch,
      workflow: episode.name,
      firstSeenAt: firstRed.completedAt,
      lastKnownGoodAt: lastGreen?.completedAt ?? null,
      episodeId: episode.id,
      firstRedRunId: firstRed.id,
      lastGreenRunId: lastGreen?.id ?? null,
      ownerId: engineer.id,
      evidence,
    },
    engineer.id,
  )
  await addNote(id, 'Rounding after the discount looks wrong: the total loses its cents. Checking *Add discount codes to the cart* next.', engineer.id)
  return id
}
