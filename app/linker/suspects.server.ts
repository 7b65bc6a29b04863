// Gathers what suspect scoring needs from the database (the range's commits and files, the first
// red run's failing tests, who changed the same files in earlier red episodes) and turns scored
// suspects into rows.
import { sql } from 'drizzle-orm'
import type { BesideReader, BesideResult } from '../db-reader.server'
import { json, chunked, tuplesFrom, type TupleReader } from './sql.server'
import { scoreSuspects, type EarlierEpisodeTouch, type FailingTest, type ScoredSuspect, type SuspectCommit } from './suspect-scoring'

/** Ranges longer than this are too vague to blame anyone in them: they do not feed author history. */
export const HISTORY_RANGE_LIMIT = 100
/** Failing tests read per run for evidence (a run where everything failed says little more). */
const FAILING_TESTS_PER_RUN = 200
const SHA_CHUNK = 5000
/** Earlier episodes read per (author, file): enough to find one opened before any episode being scored. */
const HISTORY_PER_PAIR = 4

export interface SuspectInputs {
  commits: Map<string, SuspectCommit>
  failing: Map<number, FailingTest[]>
  /** Earlier episodes' file authors stored in the database, by `author \n path`: accepted first, then newest. */
  history: Map<string, Array<EarlierEpisodeTouch & { openedAt: number }>>
  /** `episodeId:sha` of accepted suspects among the episodes being rescored. */
  accepted: Set<string>
}

export interface EpisodeForScoring {
  id: number
  openedAt: number
  firstRedRunId: number
  name: string
  branch: string
  provider: string
  /** Newest first. */
  range: string[]
}

/**
 * Reads what scoring needs for the commits `shas`, the first red runs `runIds` and the episodes
 * being rescored (`rewritten`: their own history does not count). Every read is independent and all
 * are sent at once: on the reader thread they run back to back while the caller goes on.
 *
 * `storedHistory: false` when the batch holds every episode of the repository (a full recompute):
 * the batch is then the whole history (see scoreEpisodes), and what is stored is about to be
 * replaced, so it is not read.
 */
export async function loadSuspectInputs(
  read: TupleReader,
  repositoryId: string,
  shas: string[],
  runIds: number[],
  rewritten: ReadonlySet<number>,
  { storedHistory = true }: { storedHistory?: boolean } = {},
): Promise<SuspectInputs> {
  const unique = [...new Set(shas)]
  const shaParts = chunked(unique, SHA_CHUNK)
  const [commitRows, fileRows, failingRows, historyRows, acceptedRows] = await Promise.all([
    Promise.all(
      shaParts.map((part) =>
        read<[string, string, string]>(
          sql`select json_group_array(json_array(sha, author_name, lower(author_email))) as j from commits
              where repository_id = ${repositoryId} and sha in (select value from json_each(${json(part)}))`,
        ),
      ),
    ),
    Promise.all(
      shaParts.map((part) =>
        read<[string, string, number | null, number | null]>(
          sql`select json_group_array(json_array(sha, path, additions, deletions)) as j from commit_files
              where repository_id = ${repositoryId} and sha in (select value from json_each(${json(part)}))`,
        ),
      ),
    ),
    Promise.all(
      chunked([...new Set(runIds)], SHA_CHUNK).map((part) =>
        read<[number, string, string | null, string, string | null, string | null]>(
          // Each run's first few by id, looked up through the run index (a window over them all sorts them: ~1.6x slower).
          sql`select json_group_array(json_array(t.ci_run_id, t.suite, t.classname, t.name, t.file, substr(t.failure_message, 1, 4000))) as j
              from json_each(${json(part)}) r cross join test_results t on t.id in (
                select x.id from test_results x where x.ci_run_id = r.value and x.status in ('failed', 'error') order by x.id limit ${FAILING_TESTS_PER_RUN})`,
        ),
      ),
    ),
    // Earlier episodes where the same author changed the same file: a few per (author, file),
    // accepted causes and the latest first. One read, so that each pair's few are its first few.
    unique.length === 0 || !storedHistory
      ? Promise.resolve([])
      : read<[number, string, string, number, string, string, string | null]>(
          sql`select json_group_array(json_array(episode_id, author_email, path, opened_at, name, branch, status)) as j from (
                select h.episode_id, h.author_email, h.path, h.opened_at, e.name, e.branch, s.status,
                  row_number() over (partition by h.author_email, h.path order by s.status = 'accepted' desc, h.opened_at desc) as n
                from (select distinct lower(c.author_email) as author_email, f.path from commits c
                      join commit_files f on f.repository_id = c.repository_id and f.sha = c.sha
                      where c.repository_id = ${repositoryId} and c.sha in (select value from json_each(${json(unique)})) and c.author_email != '') k
                cross join episode_file_authors h on h.repository_id = ${repositoryId} and h.path = k.path and h.author_email = k.author_email
                join episodes e on e.id = h.episode_id
                left join suspects s on s.episode_id = h.episode_id and s.sha = h.sha
                where h.episode_id not in (select value from json_each(${json([...rewritten])})))
              where n <= ${HISTORY_PER_PAIR}`,
        ),
    Promise.all(
      chunked([...rewritten], SHA_CHUNK).map((part) =>
        read<[number, string]>(
          sql`select json_group_array(json_array(episode_id, sha)) as j from suspects
              where episode_id in (select value from json_each(${json(part)})) and status = 'accepted'`,
        ),
      ),
    ),
  ])

  const commits = new Map<string, SuspectCommit>()
  for (const rows of commitRows) {
    for (const [sha, authorName, authorEmail] of rows) commits.set(sha, { sha, authorName, authorEmail, additions: null, deletions: null, files: [] })
  }
  for (const rows of fileRows) {
    for (const [sha, path, additions, deletions] of rows) {
      const commit = commits.get(sha)
      if (!commit) continue
      commit.files.push(path)
      // Line counts are known when any file has them (a push lists paths without counts).
      if (additions !== null || deletions !== null) {
        commit.additions = (commit.additions ?? 0) + (additions ?? 0)
        commit.deletions = (commit.deletions ?? 0) + (deletions ?? 0)
      }
    }
  }
  for (const commit of commits.values()) {
    if (commit.files.length === 0) {
      commit.additions = 0
      commit.deletions = 0
    }
  }

  const failing = new Map<number, FailingTest[]>()
  for (const rows of failingRows) {
    for (const [runId, suite, classname, name, file, message] of rows) {
      const list = failing.get(runId) ?? []
      list.push({ suite, classname, name, file, message })
      failing.set(runId, list)
    }
  }

  const history: SuspectInputs['history'] = new Map()
  for (const [episodeId, author, path, openedAt, name, branch, status] of historyRows) {
    const id = `${author}\n${path}`
    const list = history.get(id) ?? []
    list.push({ episodeId, path, openedAt, label: `${name} on ${branch}`, accepted: status === 'accepted' })
    history.set(id, list)
  }

  const accepted = new Set<string>()
  for (const rows of acceptedRows) for (const [episodeId, sha] of rows) accepted.add(`${episodeId}:${sha}`)
  return { commits, failing, history, accepted }
}

/**
 * Scores episodes oldest first, so that an episode's "earlier red episode" history includes the
 * ones scored before it in the same batch.
 */
export function scoreEpisodes(list: EpisodeForScoring[], inputs: SuspectInputs) {
  const scored = new Map<number, ScoredSuspect[]>()
  // Episodes scored in this batch, by `author \n path`, in the order they were scored (oldest first).
  const batch = new Map<string, Array<EarlierEpisodeTouch & { openedAt: number }>>()
  const sorted = [...list].sort((a, b) => a.openedAt - b.openedAt || a.id - b.id)
  for (const episode of sorted) {
    const commits = commitsOf(episode, inputs)
    const earlier = (touch: { openedAt: number; episodeId: number }) => touch.openedAt < episode.openedAt && touch.episodeId !== episode.id
    const history = (author: string, path: string): EarlierEpisodeTouch | undefined => {
      const id = `${author}\n${path}`
      const stored = inputs.history.get(id)?.find(earlier)
      if (stored?.accepted) return stored
      const own = batch.get(id)
      let mine: (EarlierEpisodeTouch & { openedAt: number }) | undefined
      if (own) {
        for (let i = own.length - 1; i >= 0; i--) {
          if (!earlier(own[i])) continue
          if (own[i].accepted) return own[i]
          mine ??= own[i]
        }
      }
      if (!stored) return mine
      if (!mine) return stored
      return mine.openedAt > stored.openedAt ? mine : stored
    }
    scored.set(
      episode.id,
      scoreSuspects({
        commits,
        failingTests: inputs.failing.get(episode.firstRedRunId) ?? [],
        workflow: { name: episode.name, provider: episode.provider },
        history,
      }),
    )
    const label = `${episode.name} on ${episode.branch}`
    for (const { commit, path } of fileAuthorsOf(episode, commits)) {
      const id = `${commit.authorEmail}\n${path}`
      const own = batch.get(id) ?? []
      own.push({ episodeId: episode.id, path, openedAt: episode.openedAt, label, accepted: inputs.accepted.has(`${episode.id}:${commit.sha}`) })
      batch.set(id, own)
    }
  }
  return scored
}

/** The range's commits as scoring sees them (one the database does not know is by nobody and changes nothing). */
function commitsOf(episode: EpisodeForScoring, inputs: SuspectInputs): SuspectCommit[] {
  return episode.range.map((sha) => inputs.commits.get(sha) ?? { sha, authorName: 'unknown', authorEmail: '', additions: null, deletions: null, files: [] })
}

/** Who changed which file in an episode's range, for later episodes' author history (ranges short enough to blame anyone in). */
function* fileAuthorsOf(episode: EpisodeForScoring, commits: SuspectCommit[]) {
  if (episode.range.length > HISTORY_RANGE_LIMIT) return
  for (const commit of commits) {
    if (!commit.authorEmail) continue
    for (const path of new Set(commit.files)) yield { commit, path }
  }
}

/** Rows per statement when scored suspects and file authors are written. */
const SCORED_ROWS_CHUNK = 5000

/**
 * Scored episodes as the rows to write, in JSON chunks of SCORED_ROWS_CHUNK: suspects
 * [episode id, sha, score, reasons], and file authors (see fileAuthorRows). Text, because it goes
 * straight into the statements (and crosses threads as one copy).
 */
export interface ScoredRows {
  suspects: string[]
  fileAuthors: string[]
}

export function scoredRows(repositoryId: string, list: EpisodeForScoring[], inputs: SuspectInputs, ranged: ReadonlySet<number>): ScoredRows {
  return { suspects: suspectRows(list, inputs), fileAuthors: fileAuthorRows(repositoryId, list, inputs, ranged) }
}

function suspectRows(list: EpisodeForScoring[], inputs: SuspectInputs): string[] {
  const suspects: Array<[number, string, number, unknown]> = []
  for (const [episodeId, scored] of scoreEpisodes(list, inputs)) for (const suspect of scored) suspects.push([episodeId, suspect.sha, suspect.score, suspect.reasons])
  return chunked(suspects, SCORED_ROWS_CHUNK).map(json)
}

/**
 * File-author rows [episode id, repository id, author email, path, sha, opened at] of the episodes
 * in `ranged` (who changed what in a range changes only with the range), in JSON chunks. They need
 * no score: a full recompute writes them while the suspects are still being scored.
 */
function fileAuthorRows(repositoryId: string, list: EpisodeForScoring[], inputs: SuspectInputs, ranged: ReadonlySet<number>): string[] {
  const rows: Array<[number, string, string, string, string, number]> = []
  for (const episode of list) {
    if (!ranged.has(episode.id)) continue
    for (const { commit, path } of fileAuthorsOf(episode, commitsOf(episode, inputs))) {
      rows.push([episode.id, repositoryId, commit.authorEmail, path, commit.sha, episode.openedAt])
    }
  }
  return chunked(rows, SCORED_ROWS_CHUNK).map(json)
}

/** What scoring a repository's episodes beside needs (see scoreBeside); the episodes have their ids. */
export interface ScoreRequest {
  repositoryId: string
  episodes: EpisodeForScoring[]
  /** First red runs, for their failing tests. */
  runIds: number[]
  /** Episodes scored again, whose own history does not count. */
  rewritten: number[]
  /** Episodes whose range was computed again. */
  ranged: number[]
  /** False when `episodes` are every episode of the repository (see loadSuspectInputs). */
  storedHistory: boolean
  /** The token of inputs read ahead for this scoring (see readAheadBeside), if any. */
  readAhead?: string
}

/**
 * Inputs read ahead on the reader thread (readAheadBeside), by token, until the scoring they were
 * read for takes them: what shas and runs they cover, and the inputs.
 */
const readAhead = new Map<string, { shas: Set<string>; runIds: Set<number>; inputs: Promise<SuspectInputs> }>()

/**
 * Starts reading, on the reader thread, what scoring will need for a range's commits `shas` and the
 * first red runs `runIds` already known (a full recompute's stored episodes, while the caller
 * plans, with that thread idle), and returns at once: the scoring with the same token (see
 * scoreBeside) reads only what is missing. Only for a batch that is the whole history (no stored
 * history is read ahead).
 */
export async function readAheadBeside(reader: BesideReader, token: string, repositoryId: string, shas: string[], runIds: number[]): Promise<BesideResult<null>> {
  const inputs = loadSuspectInputs(tuplesFrom(reader), repositoryId, shas, runIds, new Set(), { storedHistory: false })
  // A read that fails fails the scoring that takes it.
  inputs.catch(() => {})
  // One recompute at a time: whatever an earlier one read ahead and never took is stale now.
  readAhead.clear()
  readAhead.set(token, { shas: new Set(shas), runIds: new Set(runIds), inputs })
  return { value: null }
}

/** What scoring needs (see loadSuspectInputs), from what was read ahead under `token` when there is any, plus what is missing. */
async function inputsFor(read: TupleReader, request: ScoreRequest, shas: string[]): Promise<SuspectInputs> {
  const rewritten = new Set(request.rewritten)
  const options = { storedHistory: request.storedHistory }
  const ahead = request.readAhead !== undefined && !request.storedHistory ? readAhead.get(request.readAhead) : undefined
  if (request.readAhead !== undefined) readAhead.delete(request.readAhead)
  if (!ahead) return loadSuspectInputs(read, request.repositoryId, shas, request.runIds, rewritten, options)
  const missingShas = shas.filter((sha) => !ahead.shas.has(sha))
  const missingRuns = request.runIds.filter((id) => !ahead.runIds.has(id))
  const [known, rest] = await Promise.all([ahead.inputs, loadSuspectInputs(read, request.repositoryId, missingShas, missingRuns, rewritten, options)])
  for (const [sha, commit] of rest.commits) known.commits.set(sha, commit)
  for (const [runId, tests] of rest.failing) known.failing.set(runId, tests)
  return { commits: known.commits, failing: known.failing, history: rest.history, accepted: rest.accepted }
}

/**
 * Reads what scoring needs and scores, on the reader thread (called by name, see callBeside): a
 * full recompute writes its episodes meanwhile. Reads see what was committed before the caller's
 * transaction, as the inputs read before it in an incremental round do. The file-author rows
 * (fileAuthorRows) are handed back first, as soon as the inputs are read; the suspect rows are the
 * value.
 */
export async function scoreBeside(reader: BesideReader, request: ScoreRequest): Promise<BesideResult<string[]>> {
  const inputs = await inputsFor(tuplesFrom(reader), request, request.episodes.flatMap((episode) => episode.range))
  reader.hand(fileAuthorRows(request.repositoryId, request.episodes, inputs, new Set(request.ranged)))
  return { value: suspectRows(request.episodes, inputs) }
}
