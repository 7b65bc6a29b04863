// The event linker. For each (repository, branch, workflow) it keeps the completed runs in commit
// order (generation numbers of the commit graph, never arrival order), finds red streaks between
// greens, and stores each streak as an episode with its range (`git rev-list LAST_GREEN..FIRST_RED`)
// and ranked suspects.
//
// Caches (commit graphs, sequences, stored episodes) make one new run cost a few queries; they are
// rebuilt from the database whenever this process was not the one writing (the worker clears them
// when it takes the lease over), so nothing that matters lives only in memory. Every change in one
// round is written in one transaction; if that fails the caches are dropped.
import { randomUUID } from 'node:crypto'
import { sql, type SQL } from 'drizzle-orm'
import type { episodes } from '../../db/schema'
import { getClient, getDb } from '../db.server'
import { callBeside, canReadBeside, readTextBeside, type Arg, type BesideFunction, type BesideReader } from '../db-reader.server'
import { notifyBranchWatchers, recordNewTopSuspects, topSuspectsBefore } from '../notifications/linker-events.server'
import { rowsTable, rowsTableOfJson } from '../utils/json-rows.server'
import { CommitGraph } from './commit-graph'
import { GREEN_CONCLUSIONS, RED_CONCLUSIONS, verdictOf } from './conclusions'
import { foldTestResults, isLikelyFlaky, loadFailingKeys, loadFlakyKnowledge, rebuildTestOutcomes, readTestFeed, writeTestOutcomes, type FlakyKnowledge, type FoldedTests } from './flaky.server'
import { chunked, firstRow, json, readTuples, tuplesOn, type Tx } from './sql.server'
import { enqueueDependentRescores } from './queue.server'
import { readRunsAndFindCommits, readRunsAndGraph, type RunsAndGraph } from './runs-and-graph'
import { compareRunsLatestFirst, planEpisodes, type CommitVerdict, type PlannedEpisode, type RunFacts } from './streaks'
import { loadSuspectInputs, readAheadBeside, scoreBeside, scoredRows, type EpisodeForScoring, type ScoreRequest, type SuspectInputs } from './suspects.server'

/** Commits kept for one range (the newest); a longer range is marked truncated. */
export const RANGE_LIMIT = 2000
/** Commits walked looking for the default branch's last green under a branch with no green yet. */
export const BASE_SEARCH_LIMIT = 20_000
/** Commits linked to one push by `before..after`. */
export const PUSH_LINK_LIMIT = 1000

const QUEUE_BATCH = 2000
const EVENTS_BATCH = 5000
const TESTS_BATCH = 20_000
/** More commits than this moving in one round: reconcile every sequence of the repository. */
const MANY_CHANGED_COMMITS = 2000
const CHUNK = 5000

const DECISIVE_LIST = [...GREEN_CONCLUSIONS, ...RED_CONCLUSIONS].map((conclusion) => `'${conclusion}'`).join(', ')
const DECISIVE = sql.raw(DECISIVE_LIST)
const COMMON_FIELDS = [...GREEN_CONCLUSIONS, ...RED_CONCLUSIONS, 'github', 'gitlab']
const ZERO_SHA = /^0+$/

export type EpisodeRow = typeof episodes.$inferSelect

/** How a planned episode finds its stored row, most telling first: same first red, first red inside the streak, same closing commit. */
const MATCH_RULES: Array<(plan: PlannedEpisode<OrderedSlot>, row: EpisodeRow) => boolean> = [
  (plan, row) => row.firstRedSha === plan.firstRed.sha,
  (plan, row) => plan.streak.some((entry) => entry.sha === row.firstRedSha),
  (plan, row) => (row.closingSha ?? null) === (plan.closing?.sha ?? null),
]

interface Slot {
  sha: string
  /** Graph id of the commit; -1 while the linker has not seen the commit (its runs wait). */
  commit: number
  /** The deciding run (0: none) and what orders it among the commit's runs. */
  runId: number
  at: number
  attempt: number
  provider: string
  externalId: string
  verdict: CommitVerdict | null
}
type OrderedSlot = Slot & { verdict: CommitVerdict }

interface Sequence {
  id: number
  repo: RepoState
  branch: string
  name: string
  slots: Map<string, Slot>
  /** Slots with a verdict and a known commit, in commit order. */
  order: OrderedSlot[]
  /** The stored episodes (kept in step with what this round will write). */
  episodes: EpisodeRow[]
  /** Green commits (graph id -> run id), built when a branch's base is looked up. */
  greens: Map<number, number> | null
  /** Slots with a verdict whose commit the linker has not seen yet. */
  pending: number
  /** What the database holds of its state (see sequenceValues). */
  written: readonly unknown[]
}

/** Slots made by a full recompute's pass over the runs, with their sequences and the numbers of the runs that made them. */
interface CreatedSlots {
  slots: Slot[]
  sequences: Sequence[]
  runs: number[]
}

interface RepoState {
  id: string
  defaultBranch: string
  graph: CommitGraph
  rejectedRuns: Set<number>
  flaky: FlakyKnowledge
  failing: Map<number, string[]>
  sequences: Map<string, Sequence>
  /**
   * Per workflow name, the loaded sequences with an episode based on the default branch (or on
   * nothing), and a summary: the highest generation among their first reds and their base shas.
   */
  borrowing: Map<string, { sequences: Set<Sequence>; summary: { top: number; bases: Set<string> } | null }>
  /** Every sequence of the repository is loaded (after a full recompute). */
  complete: boolean
}

interface LinkRow {
  repositoryId: string
  fromKind: 'ci_run' | 'push'
  fromRef: string
  toRef: string
  rule: 'run-head-sha' | 'push-head' | 'push-range' | 'push-payload'
  confidence: number
}

interface Round {
  changedEpisodes: Set<EpisodeRow>
  deletedEpisodes: Set<EpisodeRow>
  /** Episodes whose range was recomputed (newest first). */
  ranges: Map<EpisodeRow, string[]>
  rescore: Set<EpisodeRow>
  sequences: Set<Sequence>
  /**
   * Default-branch sequences whose green commits changed (those commits, or all): branches with no
   * green of their own take their base from them.
   */
  greensChanged: Map<Sequence, Set<string> | 'all'>
  /** Every range is walked again (a full recompute); unchanged ones are not rewritten. */
  forceRanges: boolean
  /** The stored ranges (episode id -> shas, newest first), loaded for a full recompute. */
  storedRanges: Map<number, string[]> | null
  /** The token under which scoring inputs were read ahead on the reader thread (see readAheadForScoring). */
  readAhead: string | undefined
  links: LinkRow[]
  /** Repositories some of whose runs have no link: each of their runs is linked (those that are, again as nothing). */
  runLinkRepositories: string[]
  tests: Pick<FoldedTests, 'outcomes' | 'flaky'>
  queueIds: number[]
  state: Map<string, number>
  /** Temporary ids for episodes not inserted yet. */
  nextTempId: number
  /** Milliseconds per phase, for benchmarks and logs. */
  timings: Timings
}

/** Milliseconds spent per phase; `lap(name)` adds the time since the previous lap. */
export class Timings {
  readonly phases: Record<string, number> = {}
  private last = performance.now()
  lap(name: string) {
    const now = performance.now()
    this.phases[name] = (this.phases[name] ?? 0) + (now - this.last)
    this.last = now
  }
}

export interface RoundStats {
  handled: number
  runs: number
  commits: number
  testResults: number
  episodesWritten: number
  episodesDeleted: number
  recomputed: string[]
  /** Milliseconds per phase of the incremental part. */
  timings: Record<string, number>
}

export class LeaseLostError extends Error {
  name = 'LeaseLostError'
}

const key = (branch: string, name: string) => `${branch}\n${name}`

function newRound(): Round {
  return {
    changedEpisodes: new Set(),
    deletedEpisodes: new Set(),
    ranges: new Map(),
    rescore: new Set(),
    sequences: new Set(),
    greensChanged: new Map(),
    forceRanges: false,
    storedRanges: null,
    readAhead: undefined,
    links: [],
    runLinkRepositories: [],
    tests: { outcomes: [], flaky: [] },
    queueIds: [],
    state: new Map(),
    nextTempId: -1,
    timings: new Timings(),
  }
}

/** A linker_sequences row: [id, branch, name, state, head sha, head run, last green sha, last green run, open episode, commits, pending runs] */
type SequenceTuple = [number, string, string, string, string | null, number | null, string | null, number | null, number | null, number, number]

/** [id, branch, name, sha, attempt, conclusion, at, provider, external id] */
type RunTuple = [number, string | null, string, string, number, string, number, string, string]

const RUN_COLUMNS = sql`json_group_array(json_array(id, branch, name, head_sha, attempt, conclusion, coalesce(completed_at, source_updated_at), provider, external_id))`

// Text, one run per record (fields split by \x1f, records by \x1e, the last field the run's sequence
// key: see key()), of the runs whose ids lie between the second and third arguments: the fastest
// way to read 200,000 runs. Written out, not built with drizzle: it may run on the reader thread's
// connection. Through the (repository) index, whose entries for one repository are in table order,
// so the table is read front to back; SQLite would pick (repository, branch, name), which visits its
// pages in branch order (200,000 runs: ~140 ms against ~200). One concat_ws per record rather than
// sixteen `||` (each a new string): ~25% less time for the reader thread; no field can be null here
// (concat_ws would leave it out).
const ALL_RUNS_SQL = `select group_concat(concat_ws(char(31), id, attempt, coalesce(completed_at, source_updated_at), head_sha, conclusion,
    provider, external_id, branch || char(10) || name), char(30)) as j
  from ci_runs indexed by ci_runs_repository_idx where repository_id = ? and id between ? and ? and status = 'completed' and branch is not null
    and conclusion in (${DECISIVE_LIST})`

/** How many more runs a repository has than links from runs (two repository id arguments). */
const RUNS_WITHOUT_LINK_SQL = `select (select count(*) from ci_runs where repository_id = ?) -
  (select count(*) from links where repository_id = ? and from_kind = 'ci_run')`

// Two flat text reads ("sha time" lines; "sha parent" lines in primary-key order, so a commit's
// parents come together and in order): several times faster than JSON, row objects or a join.
const GRAPH_COMMITS_SQL = "select group_concat(sha || ' ' || committed_at, char(10)) from commits where repository_id = ?"
const GRAPH_EDGES_SQL = "select group_concat(sha || ' ' || parent_sha, char(10)) from commit_parents where repository_id = ?"

/** A repository's commit graph, read and built on this thread: for a round that needs it before it can go on. */
async function loadGraphHere(repositoryId: string): Promise<CommitGraph> {
  const commits = await readTextHere(GRAPH_COMMITS_SQL, [repositoryId])
  const edges = await readTextHere(GRAPH_EDGES_SQL, [repositoryId])
  return CommitGraph.fromText(commits ?? '', edges ?? '')
}

/** A graph that arrives for a full recompute, and with it each run's commit id in the order of the runs' text. */
interface GraphArrival {
  graph: CommitGraph
  runCommits: Int32Array
}

/**
 * The runs (see ALL_RUNS_SQL, one text per element of `parts`) and then the commit graph, read on
 * the reader thread, where the graph is also built and each run's commit found in it (see
 * runs-and-graph.ts): the runs' texts come back part by part as they are read, the graph's arrays
 * moved, not copied.
 */
function loadRunsAndGraphBeside(repositoryId: string, parts: Arg[][]): RunsLoading {
  const args: [string, Arg[][], string, string, Arg[]] = [ALL_RUNS_SQL, parts, GRAPH_COMMITS_SQL, GRAPH_EDGES_SQL, [repositoryId]]
  return handingBackRuns(parts, (onHand) =>
    callBeside<RunsAndGraph>(READ_RUNS_AND_GRAPH, [...args], async () => (await readRunsAndGraph({ ...hereReader, hand: onHand }, ...args)).value, onHand).then(
      ({ store, shas, commits }) => ({ graph: CommitGraph.fromStore(store, shas), runCommits: commits }),
    ),
  )
}

/**
 * The runs, read on the reader thread as loadRunsAndGraphBeside reads them, for a graph this thread
 * holds: each run's commit is found there too, in the graph's shas (sent along, a line each).
 */
function loadRunsBeside(parts: Arg[][], graph: CommitGraph): RunsLoading {
  const args: [string, Arg[][], string, Uint8Array] = [ALL_RUNS_SQL, parts, graph.shas.join('\n'), graph.known.slice(0, graph.size)]
  return handingBackRuns(parts, (onHand) =>
    callBeside<Int32Array>(READ_RUNS_AND_FIND_COMMITS, [...args], async () => (await readRunsAndFindCommits({ ...hereReader, hand: onHand }, ...args)).value, onHand).then(
      (runCommits) => ({ graph, runCommits }),
    ),
  )
}

/** The runs' texts as the reader thread hands them back, and the graph that comes after them. */
interface RunsLoading {
  texts: Array<Promise<string | null>>
  graph: Promise<GraphArrival>
}

/** Starts `load`, whose `onHand` takes each part's text in turn; a load that fails fails the parts not handed back yet too. */
function handingBackRuns(parts: Arg[][], load: (onHand: (text: unknown) => void) => Promise<GraphArrival>): RunsLoading {
  const texts = parts.map(() => settleLater<string | null>())
  let handed = 0
  const graph = load((text) => texts[handed++]?.resolve(text as string))
  graph.catch((error: unknown) => {
    for (const text of texts.slice(handed)) text.reject(error)
  })
  return { texts: texts.map((text) => text.promise), graph }
}

/** A promise and the two functions that settle it. */
function settleLater<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)))
  promise.catch(() => {})
  return { promise, resolve, reject }
}

const READ_RUNS_AND_GRAPH: BesideFunction = { module: new URL('./runs-and-graph.ts', import.meta.url), name: 'readRunsAndGraph' }
const READ_RUNS_AND_FIND_COMMITS: BesideFunction = { module: new URL('./runs-and-graph.ts', import.meta.url), name: 'readRunsAndFindCommits' }
const SCORE_BESIDE: BesideFunction = { module: new URL('./suspects.server.ts', import.meta.url), name: 'scoreBeside' }
const READ_AHEAD_BESIDE: BesideFunction = { module: new URL('./suspects.server.ts', import.meta.url), name: 'readAheadBeside' }

/** Reads on this thread's connection, for a function meant to run beside when there is no reader thread. */
const hereReader: BesideReader = { readText: (query, args) => readTextHere(query, args), hand: () => {} }

/** Rows a write takes from scoring: file authors (known before the scores) and suspects, each as JSON chunks. */
interface RowsToWrite {
  fileAuthors: string[] | Promise<string[]>
  suspects: string[] | Promise<string[]>
}

async function readTextHere(query: string, args: Array<string | number | null>): Promise<string | null> {
  const value = (await getClient().execute({ sql: query, args })).rows[0]?.[0]
  return value === null || value === undefined ? null : String(value)
}

/** A full recompute reads the runs in this many parts (by id), so that this thread turns the first into records while the next are read. */
const RUN_PARTS = 4

/** The arguments of ALL_RUNS_SQL for each part of a repository's runs (by id, oldest first); none when it has no run. */
async function runParts(repositoryId: string): Promise<Arg[][]> {
  // Two subqueries: SQLite finds a lone min() or max() at one end of the index, but walks every
  // entry of the repository for both in one select (200,000 runs: ~12 ms).
  const bounds = await firstRow<{ low: number | null; high: number | null }>(
    getDb(),
    sql`select (select min(id) from ci_runs where repository_id = ${repositoryId}) as low,
          (select max(id) from ci_runs where repository_id = ${repositoryId}) as high`,
  )
  if (bounds?.low == null || bounds.high == null) return []
  const { low, high } = bounds
  const step = Math.ceil((high - low + 1) / RUN_PARTS)
  return Array.from({ length: RUN_PARTS }, (_, part) => [repositoryId, low + part * step, Math.min(high, low + (part + 1) * step - 1)])
}

/** Every decisive completed run of a repository on a branch, as text (see ALL_RUNS_SQL), part by part, each read beside this thread's work. */
function readRunParts(parts: Arg[][]): Array<Promise<string | null>> {
  return parts.map((args) => {
    const text = readTextBeside(ALL_RUNS_SQL, args, () => readTextHere(ALL_RUNS_SQL, args))
    text.catch(() => {})
    return text
  })
}

export class Linker {
  private repos = new Map<string, RepoState>()
  private lastStamp = 0

  /** Forgets every cache: the next use reloads from the database. */
  reset() {
    this.repos.clear()
  }

  // --- loading -----------------------------------------------------------------------------------

  private async repoState(repositoryId: string, given?: CommitGraph): Promise<RepoState | null> {
    const cached = this.repos.get(repositoryId)
    if (cached) return cached
    const db = getDb()
    const repository = await firstRow<{ default_branch: string }>(db, sql`select default_branch from repositories where id = ${repositoryId}`)
    if (!repository) return null
    const graph = given ?? (await loadGraphHere(repositoryId))
    const rejected = await readTuples<[string]>(
      db,
      sql`select json_group_array(json_array(from_ref)) as j from links where repository_id = ${repositoryId} and from_kind = 'ci_run' and status = 'rejected'`,
    )
    const state: RepoState = {
      id: repositoryId,
      defaultBranch: repository.default_branch,
      graph,
      rejectedRuns: new Set(rejected.map(([ref]) => Number(ref))),
      flaky: await loadFlakyKnowledge(db, repositoryId),
      failing: new Map(),
      sequences: new Map(),
      borrowing: new Map(),
      complete: false,
    }
    this.repos.set(repositoryId, state)
    return state
  }

  /** Creates the sequence rows asked for that do not exist yet and returns them all (with 'all', those there are). */
  private async sequenceIds(repositoryId: string, keys: Array<[string, string]> | 'all') {
    const db = getDb()
    const now = Date.now()
    // All of a repository's: those there are (a sequence whose runs were stored behind the linker's
    // back gets its row when a full recompute meets its runs, see loadSequences).
    if (keys !== 'all') {
      for (const part of chunked(keys, CHUNK)) {
        await db.run(sql`
          insert into linker_sequences (repository_id, branch, name, updated_at)
          select ${repositoryId}, value ->> 0, value ->> 1, ${now} from json_each(${json(part)}) where true
          on conflict do nothing`)
      }
    }
    type Row = SequenceTuple
    const columns = sql`json_group_array(json_array(s.id, s.branch, s.name, s.state, s.head_sha, s.head_run_id, s.last_green_sha,
      s.last_green_run_id, s.open_episode_id, s.commit_count, s.pending_runs))`
    if (keys === 'all') return readTuples<Row>(db, sql`select ${columns} as j from linker_sequences s where s.repository_id = ${repositoryId}`)
    const rows: Row[] = []
    for (const part of chunked(keys, CHUNK)) {
      rows.push(
        ...(await readTuples<Row>(
          db,
          // The keys drive (a cross join keeps them outside): SQLite would otherwise walk every sequence of
          // the repository for each key (2,000 keys of 26,762 sequences: 17 s, against 3 ms).
          sql`select ${columns} as j from json_each(${json(part)}) k
              cross join linker_sequences s on s.repository_id = ${repositoryId} and s.branch = k.value ->> 0 and s.name = k.value ->> 1`,
        )),
      )
    }
    return rows
  }

  /**
   * Loads sequences from the database (their runs, their stored episodes) and reconciles each in
   * full: what the database holds afterwards is what these runs say, whatever happened before.
   */
  private async loadSequences(
    repo: RepoState,
    keys: Array<[string, string]> | 'all',
    round: Round,
    allRuns?: Array<Promise<string | null>>,
    graphLoading?: Promise<GraphArrival>,
  ): Promise<Sequence[]> {
    const db = getDb()
    const wanted = keys === 'all' ? 'all' : keys.filter(([branch, name]) => !repo.sequences.has(key(branch, name)))
    if (wanted !== 'all' && wanted.length === 0) return []
    round.timings.lap('other')
    const loaded = this.addSequences(repo, await this.sequenceIds(repo.id, wanted), wanted === 'all')
    round.timings.lap('sequence rows')
    if (loaded.length === 0 && wanted !== 'all') return []

    // Their stored episodes first: in a full recompute, while the reader thread still reads the runs
    // (all of the repository's at once, rather than by 26,762 sequence ids).
    const stored: EpisodeRow[] = []
    const episodesOf = (where: SQL) => readTuples<EpisodeTuple>(db, sql`select json_group_array(json_array(${EPISODE_COLUMNS})) as j from episodes where ${where}`)
    if (wanted === 'all') stored.push(...(await episodesOf(sql`repository_id = ${repo.id}`)).map(episodeFromTuple))
    else {
      for (const part of chunked(loaded.map((sequence) => sequence.id), CHUNK)) {
        stored.push(...(await episodesOf(sql`sequence_id in (select value from json_each(${json(part)}))`)).map(episodeFromTuple))
      }
    }
    const byId = new Map(loaded.map((sequence) => [sequence.id, sequence]))
    for (const row of stored) byId.get(row.sequenceId)?.episodes.push(row)
    round.timings.lap('read episodes')

    // In a full recompute: the records made, each with its sequence and the number of the run that made it.
    const created: CreatedSlots = { slots: [], sequences: [], runs: [] }
    let runCount = 0
    if (wanted === 'all') {
      // Each part as it arrives, while the reader thread reads the next.
      const texts: string[] = []
      const firstRuns: number[] = []
      const strays = new Set<string>()
      for (const part of allRuns ?? readRunParts(await runParts(repo.id))) {
        texts.push((await part) ?? '')
        firstRuns.push(runCount)
        runCount += this.offerRunsText(repo, repo.sequences, texts[texts.length - 1], runCount, created, strays)
      }
      if (strays.size > 0) {
        // Runs stored behind the linker's back (before it followed the repository): their sequences
        // get their rows now, and their runs are offered again.
        const keys = [...strays].map((stray) => stray.split('\n') as [string, string])
        const added = this.addSequences(repo, await this.sequenceIds(repo.id, keys), false)
        loaded.push(...added)
        const byNewKey = new Map(added.map((sequence) => [key(sequence.branch, sequence.name), sequence]))
        texts.forEach((text, index) => this.offerRunsText(repo, byNewKey, text, firstRuns[index], created))
      }
    } else {
      for (const sequence of loaded) {
        const runs = await readTuples<RunTuple>(
          db,
          sql`select ${RUN_COLUMNS} as j from ci_runs
              where repository_id = ${repo.id} and branch = ${sequence.branch} and name = ${sequence.name}
                and status = 'completed' and conclusion in (${DECISIVE})`,
        )
        for (const [id, , , sha, attempt, conclusion, at, provider, externalId] of runs) {
          if (!repo.rejectedRuns.has(id)) offer(this.slot(sequence, sha), id, conclusion, at, attempt, provider, externalId)
        }
      }
    }
    round.timings.lap('read runs')
    // Which red commits are likely flaky needs no graph: decided while the reader thread builds it.
    // (A full recompute made every slot of its sequences in its pass over the runs.)
    const slots: Slot[] = wanted === 'all' ? created.slots : loaded.flatMap((sequence) => [...sequence.slots.values()])
    await this.classify(repo, slots)
    round.timings.lap('flaky classification')
    let runCommits: Int32Array | null = null
    if (graphLoading) {
      const arrival = await graphLoading
      repo.graph = arrival.graph
      runCommits = arrival.runCommits
      round.timings.lap('commit graph')
    }
    if (runCommits?.length === runCount) {
      // Each record's commit, found where the graph was built, by the number of the run that made it.
      for (let i = 0; i < created.slots.length; i++) {
        const slot = created.slots[i]
        slot.commit = runCommits[created.runs[i]]
        if (slot.verdict !== null && slot.commit < 0) created.sequences[i].pending++
      }
    } else {
      for (const sequence of loaded) for (const slot of sequence.slots.values()) this.placeSlot(sequence, slot, false)
    }
    round.timings.lap('decide commits')

    // Every order first, and the default branch's sequences first: a branch with no green of its own
    // takes its base from them.
    for (const sequence of loaded) this.rebuildOrder(sequence)
    const first = loaded.filter((sequence) => sequence.branch === repo.defaultBranch)
    round.timings.lap('order')
    for (const sequence of [...first, ...loaded.filter((sequence) => sequence.branch !== repo.defaultBranch)]) await this.reconcileAll(sequence, round)
    round.timings.lap('episodes and ranges')
    return loaded
  }

  /** Sequences for these rows, in the repository's state (`replace`: in place of those it holds). */
  private addSequences(repo: RepoState, rows: SequenceTuple[], replace: boolean): Sequence[] {
    const added: Sequence[] = []
    for (const [id, branch, name, state, headSha, headRunId, lastGreenSha, lastGreenRunId, openEpisodeId, commitCount, pendingRuns] of rows) {
      const existing = repo.sequences.get(key(branch, name))
      if (existing) {
        if (replace) this.forgetSequence(existing)
        else continue
      }
      const sequence: Sequence = {
        id,
        repo,
        branch,
        name,
        slots: new Map(),
        order: [],
        episodes: [],
        greens: null,
        pending: 0,
        written: [state, headSha, headRunId, lastGreenSha, lastGreenRunId, openEpisodeId, commitCount, pendingRuns],
      }
      repo.sequences.set(key(branch, name), sequence)
      added.push(sequence)
    }
    return added
  }

  /**
   * Offers the runs of `all` (see ALL_RUNS_SQL) to their sequences' slots, parsed in place (no array
   * per record); the keys (see key()) of runs whose sequence is not in `byKey` go to `strays`. Runs
   * are numbered from `firstRun` on; each slot made goes to `created` with the number of its run.
   * Returns how many runs `all` holds.
   */
  private offerRunsText(repo: RepoState, byKey: Map<string, Sequence>, all: string, firstRun: number, created: CreatedSlots, strays?: Set<string>) {
    let at = 0
    const number = (end: number) => {
      let value = 0
      for (let i = at; i < end; i++) value = value * 10 + (all.charCodeAt(i) - 48)
      at = end + 1
      return value
    }
    const field = (end: number) => {
      const value = all.slice(at, end)
      at = end + 1
      return value
    }
    // Conclusions and providers come from a handful of values: the same strings for every run,
    // rather than 200,000 copies each (which the garbage collector would move about).
    const common = (end: number) => {
      for (const value of COMMON_FIELDS) {
        if (value.length === end - at && all.startsWith(value, at)) {
          at = end + 1
          return value
        }
      }
      return field(end)
    }
    let run = firstRun
    for (; at < all.length; run++) {
      let end = all.indexOf('\x1e', at)
      if (end < 0) end = all.length
      const id = number(all.indexOf('\x1f', at))
      const attempt = number(all.indexOf('\x1f', at))
      const time = number(all.indexOf('\x1f', at))
      const sha = field(all.indexOf('\x1f', at))
      const conclusion = common(all.indexOf('\x1f', at))
      const provider = common(all.indexOf('\x1f', at))
      const externalId = field(all.indexOf('\x1f', at))
      const sequenceKey = field(end)
      const sequence = byKey.get(sequenceKey)
      if (!sequence) {
        strays?.add(sequenceKey)
        continue
      }
      if (repo.rejectedRuns.has(id)) continue
      let slot = sequence.slots.get(sha)
      if (!slot) {
        slot = this.newSlot(sequence, sha)
        created.slots.push(slot)
        created.sequences.push(sequence)
        created.runs.push(run)
      }
      offer(slot, id, conclusion, time, attempt, provider, externalId)
    }
    return run - firstRun
  }

  private forgetSequence(sequence: Sequence) {
    const repo = sequence.repo
    repo.sequences.delete(key(sequence.branch, sequence.name))
    const borrowing = repo.borrowing.get(sequence.name)
    if (borrowing?.sequences.delete(sequence)) borrowing.summary = null
  }

  private slot(sequence: Sequence, sha: string): Slot {
    return sequence.slots.get(sha) ?? this.newSlot(sequence, sha)
  }

  private newSlot(sequence: Sequence, sha: string): Slot {
    const slot: Slot = { sha, commit: -1, runId: 0, at: 0, attempt: 0, provider: '', externalId: '', verdict: null }
    sequence.slots.set(sha, slot)
    return slot
  }

  /** Decides a commit's slot from its runs; the verdict is final once `classify` has run. */
  private setSlot(sequence: Sequence, sha: string, runs: RunFacts[]): Slot {
    const slot = this.slot(sequence, sha)
    const wasPending = slot.verdict !== null && slot.commit < 0
    slot.runId = 0
    slot.verdict = null
    for (const run of runs) if (!run.rejected) offer(slot, run.id, run.conclusion, run.at, run.attempt, run.provider, run.externalId)
    this.placeSlot(sequence, slot, wasPending)
    return slot
  }

  /** After the slot's runs were offered: where its commit is, and the pending count. */
  private placeSlot(sequence: Sequence, slot: Slot, wasPending: boolean) {
    const graph = sequence.repo.graph
    const id = graph.idOf(slot.sha)
    slot.commit = id !== undefined && graph.known[id] ? id : -1
    sequence.pending += (slot.verdict !== null && slot.commit < 0 ? 1 : 0) - (wasPending ? 1 : 0)
  }

  /** Red slots whose run failed only known-flaky tests become `flaky`. */
  private async classify(repo: RepoState, slots: Slot[]) {
    if (repo.flaky.size === 0) return
    const red = slots.filter((slot) => slot.verdict === 'red' || slot.verdict === 'flaky')
    const missing = red.map((slot) => slot.runId).filter((id) => !repo.failing.has(id))
    if (missing.length) for (const [id, keys] of await loadFailingKeys(getDb(), missing)) repo.failing.set(id, keys)
    for (const slot of red) slot.verdict = isLikelyFlaky(repo.failing.get(slot.runId) ?? [], slot.at, repo.flaky) ? 'flaky' : 'red'
  }

  private rebuildOrder(sequence: Sequence) {
    const graph = sequence.repo.graph
    sequence.order = [...sequence.slots.values()].filter((slot): slot is OrderedSlot => slot.verdict !== null && slot.commit >= 0)
    sequence.order.sort((a, b) => graph.compare(a.commit, b.commit))
    sequence.greens = null
  }

  // --- reconciling ---------------------------------------------------------------------------------

  private async reconcileAll(sequence: Sequence, round: Round) {
    await this.applyPlan(sequence, sequence.order, [...sequence.episodes], round)
  }

  /** After slots changed: re-plan the stretch between the nearest unchanged greens around them. */
  private async reconcileTouched(sequence: Sequence, touched: Set<string>, round: Round) {
    const graph = sequence.repo.graph
    const order = sequence.order
    const lowerBound = (commit: number) => {
      let lo = 0
      let hi = order.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (graph.compare(order[mid].commit, commit) < 0) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    const commits: number[] = []
    for (const sha of touched) {
      const slot = sequence.slots.get(sha)
      const id = graph.idOf(sha)
      if (id === undefined || !graph.known[id]) continue
      commits.push(id)
      const index = lowerBound(id)
      const present = index < order.length && order[index].commit === id
      const belongs = !!slot && slot.verdict !== null && slot.commit >= 0
      if (present && !belongs) order.splice(index, 1)
      else if (!present && belongs) order.splice(index, 0, slot as OrderedSlot)
      else if (present && belongs) order[index] = slot as OrderedSlot
    }
    if (commits.length === 0) return
    let from = Number.POSITIVE_INFINITY
    let to = Number.NEGATIVE_INFINITY
    for (const id of commits) {
      const index = lowerBound(id)
      const present = index < order.length && order[index].commit === id
      from = Math.min(from, index)
      to = Math.max(to, present ? index + 1 : index)
    }
    let lower = from - 1
    while (lower >= 0 && order[lower].verdict !== 'green') lower--
    let upper = to
    while (upper < order.length && order[upper].verdict !== 'green') upper++
    const window = order.slice(Math.max(lower, 0), Math.min(upper, order.length - 1) + 1)
    const lowerCommit = lower >= 0 ? order[lower].commit : null
    const upperCommit = upper < order.length ? order[upper].commit : null
    const old = sequence.episodes.filter((episode) => {
      const id = graph.idOf(episode.firstRedSha)
      if (id === undefined) return true
      return (lowerCommit === null || graph.compare(id, lowerCommit) > 0) && (upperCommit === null || graph.compare(id, upperCommit) < 0)
    })
    await this.applyPlan(sequence, window, old, round)
  }

  /**
   * Plans the episodes of `window` (entries in commit order, bounded by greens or the ends) and
   * matches them with `old`, the stored episodes of the same stretch: the same first red keeps its
   * episode (and so its decisions); failing that, an old episode whose first red is in the streak, or
   * that ended at the same green (or is open).
   */
  /** Plans the window's episodes and matches them to the stored ones (by MATCH_RULES), which keep their ids. */
  private async applyPlan(sequence: Sequence, window: OrderedSlot[], old: EpisodeRow[], round: Round) {
    const planned = planEpisodes(window)
    const unmatched = new Set(old)
    const matches = new Map<PlannedEpisode<OrderedSlot>, EpisodeRow>()
    for (const rule of MATCH_RULES) {
      for (const plan of planned) {
        if (matches.has(plan)) continue
        for (const row of unmatched) {
          if (rule(plan, row)) {
            matches.set(plan, row)
            unmatched.delete(row)
            break
          }
        }
      }
    }
    for (const row of unmatched) this.deleteEpisode(sequence, row, round)
    for (const plan of planned) await this.upsertEpisode(sequence, plan, matches.get(plan) ?? null, round)
    round.sequences.add(sequence)
    this.noteBorrowing(sequence)
  }

  private noteBorrowing(sequence: Sequence) {
    const repo = sequence.repo
    const borrows = sequence.branch !== repo.defaultBranch && sequence.episodes.some((row) => row.base !== 'sequence')
    let entry = repo.borrowing.get(sequence.name)
    if (!entry) repo.borrowing.set(sequence.name, (entry = { sequences: new Set(), summary: null }))
    if (borrows) {
      entry.sequences.add(sequence)
      // The summary is a bound (see borrowingSummary): widened by this sequence's episodes, it still is
      // one, and a branch's new red does not cost the next green on the default branch a pass over
      // every borrowing branch (~1,600 in the benchmark: 3 ms).
      if (entry.summary) widenSummary(repo, entry.summary, sequence)
    } else if (entry.sequences.delete(sequence)) {
      entry.summary = null
    }
  }

  /**
   * For the default branch's sequence `name`: the branches whose episodes borrow their base from it,
   * the highest generation of their first reds (`top`) and their bases. A bound, not an exact
   * summary: a new green below `top` or on a base may move a borrowed base, one above and elsewhere
   * cannot; a bound that is too wide only costs a closer look.
   */
  private borrowingSummary(repo: RepoState, name: string) {
    const entry = repo.borrowing.get(name)
    if (!entry) return { sequences: new Set<Sequence>(), top: 0, bases: new Set<string>() }
    if (!entry.summary) {
      const summary = { top: 0, bases: new Set<string>() }
      for (const sequence of entry.sequences) widenSummary(repo, summary, sequence)
      entry.summary = summary
    }
    return { sequences: entry.sequences, ...entry.summary }
  }

  private deleteEpisode(sequence: Sequence, row: EpisodeRow, round: Round) {
    sequence.episodes = sequence.episodes.filter((episode) => episode !== row)
    round.changedEpisodes.delete(row)
    round.ranges.delete(row)
    round.rescore.delete(row)
    if (row.id > 0) round.deletedEpisodes.add(row)
  }

  private async baseOf(sequence: Sequence, firstRed: OrderedSlot, lastGreen: OrderedSlot | null, round: Round) {
    if (lastGreen) return { base: 'sequence' as const, sha: lastGreen.sha, runId: lastGreen.runId, commit: lastGreen.commit }
    const repo = sequence.repo
    if (sequence.branch !== repo.defaultBranch) {
      const main = await this.sequence(repo, repo.defaultBranch, sequence.name, round)
      if (main) {
        if (!main.greens) {
          main.greens = new Map()
          for (const slot of main.order) if (slot.verdict === 'green') main.greens.set(slot.commit, slot.runId)
        }
        const greens = main.greens
        if (greens.size > 0) {
          const found = repo.graph.newestAncestorWhere(firstRed.commit, (id) => greens.has(id), BASE_SEARCH_LIMIT)
          if (found !== null) return { base: 'default_branch' as const, sha: repo.graph.shas[found], runId: greens.get(found)!, commit: found }
        }
      }
    }
    return { base: 'none' as const, sha: null, runId: null, commit: null }
  }

  private async upsertEpisode(sequence: Sequence, plan: PlannedEpisode<OrderedSlot>, existing: EpisodeRow | null, round: Round) {
    const base = await this.baseOf(sequence, plan.firstRed, plan.lastGreen, round)
    const now = Date.now()
    const values = {
      status: plan.closing ? ('closed' as const) : ('open' as const),
      likelyFlaky: plan.likelyFlaky,
      firstRedSha: plan.firstRed.sha,
      firstRedRunId: plan.firstRed.runId,
      base: base.base,
      lastGreenSha: base.sha,
      lastGreenRunId: base.runId,
      closingSha: plan.closing?.sha ?? null,
      closingRunId: plan.closing?.runId ?? null,
      redCommits: plan.streak.length,
      openedAt: plan.firstRed.at,
      closedAt: plan.closing?.at ?? null,
    }
    const row: EpisodeRow =
      existing ??
      ({
        id: round.nextTempId--,
        repositoryId: sequence.repo.id,
        sequenceId: sequence.id,
        branch: sequence.branch,
        name: sequence.name,
        rangeSize: 0,
        rangeTruncated: false,
        rangeIncomplete: false,
        createdAt: now,
        updatedAt: now,
        ...values,
      } satisfies EpisodeRow)
    if (!existing) sequence.episodes.push(row)
    const needsRange =
      !existing ||
      round.forceRanges ||
      existing.rangeIncomplete ||
      existing.firstRedSha !== values.firstRedSha ||
      existing.lastGreenSha !== values.lastGreenSha ||
      existing.base !== values.base
    const rescore = needsRange || existing.firstRedRunId !== values.firstRedRunId || existing.likelyFlaky !== values.likelyFlaky
    let differs = !existing || (Object.keys(values) as Array<keyof typeof values>).some((field) => existing[field] !== values[field])
    if (needsRange) {
      const range = sequence.repo.graph.range(base.commit, plan.firstRed.commit, RANGE_LIMIT)
      const shas = range.ids.map((id) => sequence.repo.graph.shas[id])
      // A full recompute walks every range again; one that came out the same is not rewritten.
      const stored = existing ? round.storedRanges?.get(existing.id) : undefined
      const same =
        !!existing &&
        !!stored &&
        stored.length === shas.length &&
        stored.every((sha, index) => sha === shas[index]) &&
        existing.rangeTruncated === range.truncated &&
        existing.rangeIncomplete === range.incomplete
      if (!same) {
        round.ranges.set(row, shas)
        row.rangeSize = shas.length
        row.rangeTruncated = range.truncated
        row.rangeIncomplete = range.incomplete
        differs = true
      }
    }
    if (!differs && !rescore) return
    Object.assign(row, values)
    if (rescore) round.rescore.add(row)
    if (differs) {
      row.updatedAt = now
      round.changedEpisodes.add(row)
    }
  }

  /**
   * Branches without a green of their own start their range at the default branch's newest green
   * that their first red contains. When greens of the default branch change, re-plan the branches
   * whose base may move: a changed green can only be an ancestor of a first red with a higher
   * generation, and an episode based on a green that changed must be looked at again.
   */
  private async rebaseDependents(round: Round) {
    const done = new Set<Sequence>()
    while (round.greensChanged.size > 0) {
      const [[main, changed]] = round.greensChanged
      round.greensChanged.delete(main)
      if (done.has(main)) continue
      done.add(main)
      const repo = main.repo
      if (main.branch !== repo.defaultBranch) continue
      const graph = repo.graph
      let lowest = Number.POSITIVE_INFINITY
      if (changed !== 'all') {
        for (const sha of changed) {
          const id = graph.idOf(sha)
          if (id !== undefined) lowest = Math.min(lowest, graph.generation[id])
        }
      }
      const affected = (firstRedSha: string, baseSha: string | null) => {
        if (changed === 'all' || (baseSha !== null && changed.has(baseSha))) return true
        const id = graph.idOf(firstRedSha)
        return id === undefined || graph.generation[id] > lowest
      }
      const loadedNow = new Set<Sequence>()
      if (!repo.complete) {
        const rows = await readTuples<[string, string, string | null]>(
          getDb(),
          sql`select json_group_array(json_array(branch, first_red_sha, last_green_sha)) as j from episodes
              where repository_id = ${repo.id} and name = ${main.name} and base != 'sequence'`,
        )
        const branches = new Set(
          rows
            .filter(([branch, firstRed, base]) => branch !== main.branch && !repo.sequences.has(key(branch, main.name)) && affected(firstRed, base))
            .map(([branch]) => branch),
        )
        for (const sequence of await this.loadSequences(repo, [...branches].map((branch) => [branch, main.name]), round)) loadedNow.add(sequence)
      }
      const borrowing = this.borrowingSummary(repo, main.name)
      // Usually a new green at the tip, above every borrowed first red: nothing to do.
      if (changed !== 'all' && lowest >= borrowing.top && ![...changed].some((sha) => borrowing.bases.has(sha))) continue
      for (const sequence of [...borrowing.sequences]) {
        if (sequence === main || loadedNow.has(sequence)) continue
        if (sequence.episodes.some((row) => row.base !== 'sequence' && affected(row.firstRedSha, row.lastGreenSha))) await this.reconcileAll(sequence, round)
      }
    }
  }

  /** A loaded sequence, or the one loaded now (and reconciled in `round`); null when it has no runs. */
  private async sequence(repo: RepoState, branch: string, name: string, round: Round): Promise<Sequence | null> {
    const cached = repo.sequences.get(key(branch, name))
    if (cached || repo.complete) return cached ?? null
    const exists = await firstRow<{ id: number }>(
      getDb(),
      sql`select id from ci_runs where repository_id = ${repo.id} and branch = ${branch} and name = ${name}
          and status = 'completed' and conclusion in (${DECISIVE}) limit 1`,
    )
    if (!exists) return null
    const [loaded] = await this.loadSequences(repo, [[branch, name]], round)
    return loaded ?? null
  }

  // --- a round of incremental work -------------------------------------------------------------

  /** Scores these episodes again in this round (their reasons may cite an episode that changed). */
  private async rescoreEpisodes(ids: number[], round: Round) {
    if (ids.length === 0) return
    const rows = await getDb().all<{ id: number; repository_id: string; branch: string; name: string }>(
      sql`select id, repository_id, branch, name from episodes where id in (select value from json_each(${json(ids)}))`,
    )
    for (const row of rows) {
      const repo = await this.repoState(row.repository_id)
      const sequence = repo ? await this.sequence(repo, row.branch, row.name, round) : null
      const episode = sequence?.episodes.find((candidate) => candidate.id === row.id)
      if (episode) round.rescore.add(episode)
    }
  }

  /** Re-reads runs and updates their commits' slots and the episodes around them. */
  private async applyRuns(runIds: number[], round: Round) {
    if (runIds.length === 0) return
    const db = getDb()
    const rows: Array<[number, string, string | null, string, string, string, string | null, string | null]> = []
    for (const part of chunked(runIds, CHUNK)) {
      rows.push(
        ...(await readTuples<(typeof rows)[number]>(
          db,
          sql`select json_group_array(json_array(r.id, r.repository_id, r.branch, r.name, r.head_sha, r.status, r.conclusion,
                (select l.status from links l where l.from_kind = 'ci_run' and l.from_ref = cast(r.id as text) and l.to_kind = 'commit' and l.to_ref = r.head_sha))) as j
              from ci_runs r where r.id in (select value from json_each(${json(part)}))`,
        )),
      )
    }
    // repository -> sequence key -> shas
    const touched = new Map<string, Map<string, Set<string>>>()
    for (const [id, repositoryId, branch, name, sha, status, , linkStatus] of rows) {
      if (linkStatus === null) round.links.push({ repositoryId, fromKind: 'ci_run', fromRef: String(id), toRef: sha, rule: 'run-head-sha', confidence: 1 })
      const repo = await this.repoState(repositoryId)
      if (!repo) continue
      if (linkStatus === 'rejected') repo.rejectedRuns.add(id)
      else repo.rejectedRuns.delete(id)
      if (status !== 'completed' || !branch) continue
      let sequences = touched.get(repositoryId)
      if (!sequences) touched.set(repositoryId, (sequences = new Map()))
      const shas = sequences.get(key(branch, name)) ?? new Set<string>()
      shas.add(sha)
      sequences.set(key(branch, name), shas)
    }
    for (const [repositoryId, sequences] of touched) {
      const repo = (await this.repoState(repositoryId))!
      const cold = [...sequences.keys()].filter((k) => !repo.sequences.has(k)).map((k) => k.split('\n') as [string, string])
      // A sequence loaded now is reconciled in full: these runs are already in it.
      const loadedNow = new Set(await this.loadSequences(repo, cold, round))
      const shas = new Set<string>()
      for (const [k, set] of sequences) {
        const sequence = repo.sequences.get(k)
        if (sequence && !loadedNow.has(sequence)) for (const sha of set) shas.add(sha)
      }
      await this.refreshSlots(repo, shas, sequences, loadedNow, round)
    }
  }

  /** Re-decides the slots of `shas` in the given sequences from every decisive run on those commits. */
  private async refreshSlots(repo: RepoState, shas: Set<string>, only: Map<string, Set<string>>, skip: Set<Sequence>, round: Round) {
    if (shas.size === 0) return
    const runs: RunTuple[] = []
    for (const part of chunked([...shas], CHUNK)) {
      runs.push(
        ...(await readTuples<RunTuple>(
          getDb(),
          // No "branch is not null" here: SQLite would then scan the branch index instead of looking up by sha.
          sql`select ${RUN_COLUMNS} as j from ci_runs
              where repository_id = ${repo.id} and head_sha in (select value from json_each(${json(part)}))
                and status = 'completed' and conclusion in (${DECISIVE})`,
        )),
      )
    }
    const grouped = new Map<string, Map<string, RunFacts[]>>()
    for (const [id, branch, name, sha, attempt, conclusion, at, provider, externalId] of runs) {
      if (branch === null) continue
      const k = key(branch, name)
      if (!only.get(k)?.has(sha)) continue
      let bySha = grouped.get(k)
      if (!bySha) grouped.set(k, (bySha = new Map()))
      const list = bySha.get(sha) ?? []
      list.push({ id, attempt, conclusion, at, provider, externalId, rejected: repo.rejectedRuns.has(id) })
      bySha.set(sha, list)
    }
    const targets: Array<{ sequence: Sequence; sha: string }> = []
    for (const [k, set] of only) {
      const sequence = repo.sequences.get(k)
      if (!sequence || skip.has(sequence)) continue
      for (const sha of set) targets.push({ sequence, sha })
    }
    const slots: Array<{ sequence: Sequence; slot: Slot; was: string; wasGreen: boolean }> = []
    for (const { sequence, sha } of targets) {
      const previous = sequence.slots.get(sha)
      const was = previous ? `${previous.commit}:${previous.runId}:${previous.verdict}` : ''
      const wasGreen = previous?.verdict === 'green'
      const slot = this.setSlot(sequence, sha, grouped.get(key(sequence.branch, sequence.name))?.get(sha) ?? [])
      slots.push({ sequence, slot, was, wasGreen })
    }
    await this.classify(
      repo,
      slots.map((entry) => entry.slot),
    )
    const bySequence = new Map<Sequence, Set<string>>()
    for (const { sequence, slot, was, wasGreen } of slots) {
      if (`${slot.commit}:${slot.runId}:${slot.verdict}` === was) continue
      const set = bySequence.get(sequence) ?? new Set<string>()
      set.add(slot.sha)
      bySequence.set(sequence, set)
      if (wasGreen || slot.verdict === 'green') {
        keepGreen(sequence, slot)
        if (sequence.branch === repo.defaultBranch) noteGreens(round, sequence, [slot.sha])
      }
    }
    for (const [sequence, set] of bySequence) await this.reconcileTouched(sequence, set, round)
  }

  /** New commits: extend the graph, let waiting runs in, and re-sort sequences whose commits moved. */
  /** Returns false when so much moved that the repository is better recomputed whole. */
  private async applyCommits(repositoryId: string, shas: string[], round: Round): Promise<boolean> {
    const fresh = !this.repos.has(repositoryId)
    const repo = await this.repoState(repositoryId)
    if (!repo) return true
    const graph = repo.graph
    let changed: string[]
    if (fresh) {
      changed = shas
      graph.takeHolesFilled()
    } else {
      const db = getDb()
      const wanted = shas.filter((sha) => !graph.has(sha))
      for (const part of chunked(wanted, CHUNK)) {
        const commits = await readTuples<[string, number]>(
          db,
          sql`select json_group_array(json_array(sha, committed_at)) as j from commits
              where repository_id = ${repositoryId} and sha in (select value from json_each(${json(part)}))`,
        )
        const parents = await readTuples<[string, string, number]>(
          db,
          sql`select json_group_array(json_array(sha, parent_sha, position)) as j from commit_parents
              where repository_id = ${repositoryId} and sha in (select value from json_each(${json(part)}))`,
        )
        parents.sort((a, b) => a[2] - b[2])
        const parentsOf = new Map<string, string[]>()
        for (const [sha, parent] of parents) parentsOf.set(sha, [...(parentsOf.get(sha) ?? []), parent])
        for (const [sha, committedAt] of commits) graph.addCommit(sha, parentsOf.get(sha) ?? [], committedAt)
      }
      changed = graph.ensureGenerations().map((id) => graph.shas[id])
    }
    if (changed.length === 0) return true
    if (changed.length > MANY_CHANGED_COMMITS) return false
    // A hole in the history was filled: ranges marked incomplete are walked again (their red
    // commit may not have moved). New commits on top of a shallow history fill no hole.
    const holes = graph.takeHolesFilled() > 0
    const incomplete = new Set<Sequence>()
    if (holes) for (const sequence of repo.sequences.values()) if (sequence.episodes.some((row) => row.rangeIncomplete)) incomplete.add(sequence)
    // Sequences with runs on these commits (by the sha index): loaded ones take the commit in (a
    // commit that was waiting joins the order; one that moved re-sorts the sequence), others load.
    const holding: Array<[string, string, string]> = []
    for (const part of chunked(changed, CHUNK)) {
      holding.push(
        ...(await readTuples<[string | null, string, string]>(
          getDb(),
          sql`select json_group_array(json_array(branch, name, head_sha)) as j from (select distinct branch, name, head_sha from ci_runs
              where repository_id = ${repositoryId} and head_sha in (select value from json_each(${json(part)}))
                and status = 'completed' and conclusion in (${DECISIVE}))`,
        )).filter((row): row is [string, string, string] => row[0] !== null),
      )
    }
    const resort = new Set<Sequence>()
    const waiting = new Map<Sequence, Set<string>>()
    const cold = new Set<string>()
    for (const [branch, name, sha] of holding) {
      const sequence = repo.sequences.get(key(branch, name))
      if (!sequence) {
        cold.add(key(branch, name))
        continue
      }
      const slot = sequence.slots.get(sha)
      if (!slot) continue
      if (slot.commit < 0) {
        slot.commit = graph.idOf(sha)!
        if (slot.verdict !== null) sequence.pending--
        keepGreen(sequence, slot)
        const set = waiting.get(sequence) ?? new Set<string>()
        set.add(sha)
        waiting.set(sequence, set)
      } else resort.add(sequence)
    }
    // Re-sorted, or holding a range to walk again: the whole sequence (waiting commits included).
    const whole = new Set([...resort, ...incomplete])
    for (const sequence of whole) {
      this.rebuildOrder(sequence)
      await this.reconcileAll(sequence, round)
      if (sequence.branch === repo.defaultBranch) noteGreens(round, sequence, resort.has(sequence) ? 'all' : (waiting.get(sequence) ?? []))
    }
    for (const [sequence, set] of waiting) {
      if (whole.has(sequence)) continue
      await this.reconcileTouched(sequence, set, round)
      if (sequence.branch === repo.defaultBranch) noteGreens(round, sequence, [...set])
    }
    // Sequences not loaded with runs on these commits, or with a range that met a commit not seen yet.
    if (holes && !repo.complete) {
      const rows = await readTuples<[string, string]>(
        getDb(),
        sql`select json_group_array(json_array(branch, name)) as j from (select distinct branch, name from episodes
            where repository_id = ${repositoryId} and range_incomplete = 1)`,
      )
      for (const [branch, name] of rows) if (!repo.sequences.has(key(branch, name))) cold.add(key(branch, name))
    }
    await this.loadSequences(
      repo,
      [...cold].map((k) => k.split('\n') as [string, string]),
      round,
    )
    return true
  }

  private pushLinks(repo: RepoState, pushes: Array<{ id: number; ref: string; sha: string | null; deliveryCommits: string[] }>, round: Round) {
    for (const push of pushes) {
      const match = /^(.*):([0-9a-f]+)\.\.([0-9a-f]+)$/i.exec(push.ref)
      if (!match) continue
      const [, , before, after] = match
      if (ZERO_SHA.test(after)) continue
      const link = (sha: string, rule: LinkRow['rule'], confidence: number) =>
        round.links.push({ repositoryId: repo.id, fromKind: 'push', fromRef: String(push.id), toRef: sha, rule, confidence })
      link(after, 'push-head', 1)
      const graph = repo.graph
      const beforeId = ZERO_SHA.test(before) ? undefined : graph.idOf(before)
      const afterId = graph.idOf(after)
      if (beforeId !== undefined && graph.known[beforeId] && afterId !== undefined && graph.known[afterId]) {
        const range = graph.range(beforeId, afterId, PUSH_LINK_LIMIT)
        for (const id of range.ids) if (id !== afterId) link(graph.shas[id], 'push-range', range.incomplete ? 0.8 : 1)
      } else {
        for (const sha of push.deliveryCommits) if (sha !== after) link(sha, 'push-payload', 0.9)
      }
    }
  }

  // --- entry points ----------------------------------------------------------------------------

  /**
   * One round: the queue (changed runs, recompute requests), new commits and pushes from the
   * timeline, new test results, finished git imports. Returns what it handled (0: nothing to do).
   */
  async runRound(options: { holder?: string } = {}): Promise<RoundStats> {
    const db = getDb()
    const stats: RoundStats = { handled: 0, runs: 0, commits: 0, testResults: 0, episodesWritten: 0, episodesDeleted: 0, recomputed: [], timings: {} }
    const state = await readState(db)
    if (!state.has('initialized')) {
      // First run over a database that already holds history: derive everything once, then follow the feeds.
      const marks = await db.get<{ events: number | null; tests: number | null; imports: number | null }>(sql`
        select (select max(id) from events) as events, (select max(id) from test_results) as tests,
          (select max(finished_at) from git_imports where status = 'succeeded') as imports`)
      const repositories = await db.all<{ id: string }>(sql`select id from repositories order by id`)
      for (const { id } of repositories) {
        await this.recomputeRepository(id, options)
        stats.recomputed.push(id)
      }
      const round = newRound()
      round.state.set('initialized', Date.now())
      round.state.set('events_after', marks?.events ?? 0)
      round.state.set('tests_after', marks?.tests ?? 0)
      round.state.set('imports_after', marks?.imports ?? 0)
      await this.write(round, options.holder)
      stats.handled = repositories.length + 1
      return stats
    }

    const round = newRound()
    try {
      const queue = await db.all<{ id: number; kind: string; repository_id: string; ref: string | null }>(
        sql`select id, kind, repository_id, ref from linker_queue order by id limit ${QUEUE_BATCH}`,
      )
      round.queueIds = queue.map((item) => item.id)
      const recompute = new Set(queue.filter((item) => item.kind === 'recompute').map((item) => item.repository_id))
      round.timings.lap('read queue')

      const imports = await db.all<{ repository_id: string; finished: number }>(
        sql`select repository_id, max(finished_at) as finished from git_imports
            where status = 'succeeded' and finished_at > ${state.get('imports_after') ?? 0} group by repository_id`,
      )
      for (const item of imports) recompute.add(item.repository_id)
      if (imports.length) round.state.set('imports_after', Math.max(...imports.map((item) => item.finished)))

      for (const repositoryId of recompute) {
        await this.recomputeRepository(repositoryId, options)
        stats.recomputed.push(repositoryId)
      }

      // Commits and pushes, in timeline order.
      const eventsAfter = state.get('events_after') ?? 0
      const eventsUpto = (await db.get<{ id: number | null }>(sql`select max(id) as id from events`))?.id ?? 0
      const events =
        eventsUpto > eventsAfter
          ? await readTuples<[number, string, string, string | null, string | null, number | null]>(
              db,
              sql`select json_group_array(json_array(id, kind, repository_id, sha, ref_id, source_delivery_id)) as j from (
                    select id, kind, repository_id, sha, ref_id, source_delivery_id from events
                    where id > ${eventsAfter} and id <= ${eventsUpto} and kind in ('commit', 'push') order by id limit ${EVENTS_BATCH})`,
            )
          : []
      if (eventsUpto > eventsAfter) round.state.set('events_after', events.length === EVENTS_BATCH ? events[events.length - 1][0] : eventsUpto)
      const commitsByRepo = new Map<string, string[]>()
      const deliveryCommits = new Map<number, string[]>()
      const pushesByRepo = new Map<string, Array<{ id: number; ref: string; sha: string | null; deliveryCommits: string[] }>>()
      for (const [id, kind, repositoryId, sha, ref, delivery] of events) {
        if (recompute.has(repositoryId)) continue
        if (kind === 'commit' && sha) {
          commitsByRepo.set(repositoryId, [...(commitsByRepo.get(repositoryId) ?? []), sha])
          if (delivery !== null) deliveryCommits.set(delivery, [...(deliveryCommits.get(delivery) ?? []), sha])
        } else if (kind === 'push' && ref) {
          const list = pushesByRepo.get(repositoryId) ?? []
          list.push({ id, ref, sha, deliveryCommits: delivery !== null ? (deliveryCommits.get(delivery) ?? []) : [] })
          pushesByRepo.set(repositoryId, list)
        }
      }
      const later = new Set<string>()
      for (const [repositoryId, shas] of commitsByRepo) {
        if (!(await this.applyCommits(repositoryId, shas, round))) later.add(repositoryId)
        stats.commits += shas.length
      }
      for (const [repositoryId, pushes] of pushesByRepo) {
        const repo = await this.repoState(repositoryId)
        if (repo) this.pushLinks(repo, pushes, round)
      }
      round.timings.lap('commits and pushes')

      // Test results: outcomes per commit, flaky tests, and runs whose classification may change.
      const testsAfter = state.get('tests_after') ?? 0
      const testsUpto = (await db.get<{ id: number | null }>(sql`select max(id) as id from test_results`))?.id ?? 0
      const testRows = testsUpto > testsAfter ? await readTestFeed(db, testsAfter, testsUpto, TESTS_BATCH) : []
      if (testsUpto > testsAfter) round.state.set('tests_after', testRows.length === TESTS_BATCH ? testRows[testRows.length - 1][0] : testsUpto)
      const relevant = testRows.filter((row) => !recompute.has(row[2]))
      const runIds = new Set(queue.filter((item) => item.kind === 'run' && !recompute.has(item.repository_id)).map((item) => Number(item.ref)))
      if (relevant.length) {
        const folded = await foldTestResults(db, relevant, async (repositoryId) => (await this.repoState(repositoryId))?.flaky ?? new Map())
        round.tests = folded
        for (const id of folded.changedRuns) {
          for (const repo of this.repos.values()) repo.failing.delete(id)
          runIds.add(id)
        }
        for (const id of folded.affectedRuns) runIds.add(id)
        stats.testResults = relevant.length
      }

      round.timings.lap('test results')
      await this.applyRuns([...runIds], round)
      round.timings.lap('runs')
      await this.rescoreEpisodes(
        queue.filter((item) => item.kind === 'rescore' && !recompute.has(item.repository_id)).map((item) => Number(item.ref)),
        round,
      )
      stats.runs = runIds.size
      await this.rebaseDependents(round)
      round.timings.lap('branch bases')
      stats.episodesWritten = round.changedEpisodes.size
      stats.episodesDeleted = round.deletedEpisodes.size
      await this.write(round, options.holder)
      // Many commits moved at once (history imported out of order): derive the repository again.
      for (const repositoryId of later) {
        await this.recomputeRepository(repositoryId, options)
        stats.recomputed.push(repositoryId)
      }
      stats.handled = queue.length + events.length + testRows.length + imports.length
      stats.timings = round.timings.phases
      return stats
    } catch (error) {
      this.reset()
      throw error
    }
  }

  /** Rebuilds everything the linker derived for a repository; decisions stay. Returns ms per phase. */
  async recomputeRepository(repositoryId: string, options: { holder?: string } = {}): Promise<Record<string, number>> {
    try {
      const db = getDb()
      const round = newRound()
      // The commit graph is an index of commits, which never change once stored (they only gain a
      // parent or a corrected time): a cached one is reused while it still adds up the same.
      const cached = this.repos.get(repositoryId)
      this.repos.delete(repositoryId)
      const graph = await this.graphStillValid(cached)
      // Every run, then the graph (unless there is one to reuse), read on the reader thread, where the
      // graph is also built and each run's commit found (in the one reused, if so): this thread
      // rebuilds the test outcomes meanwhile, then turns the runs into one record per commit and
      // workflow while the graph is built (only placing the records in commit order needs it).
      const parts = await runParts(repositoryId)
      const { texts: allRuns, graph: graphLoading } = graph ? loadRunsBeside(parts, graph) : loadRunsAndGraphBeside(repositoryId, parts)
      graphLoading.catch(() => {})
      // Runs normally get their link as they arrive: all are linked again only when some are missing
      // (a first recompute). Counted beside, after the graph: the reader thread would wait meanwhile.
      const runsWithoutLink = readTextBeside(RUNS_WITHOUT_LINK_SQL, [repositoryId, repositoryId], () => readTextHere(RUNS_WITHOUT_LINK_SQL, [repositoryId, repositoryId]))
      runsWithoutLink.catch(() => {})
      round.timings.lap('other')
      // Test outcomes are rebuilt unless no test result of the repository changed since the last rebuild.
      const fingerprint = await firstRow<{ value: string }>(
        db,
        sql`select count(*) || ':' || coalesce(max(t.id), 0) || ':' || coalesce(sum(t.id), 0) as value
            from test_results t join ci_runs r on r.id = t.ci_run_id where r.repository_id = ${repositoryId}`,
      )
      const stateKey = `tests_rebuilt:${repositoryId}`
      const previous = await firstRow<{ text_value: string | null }>(db, sql`select text_value from linker_state where key = ${stateKey}`)
      if (previous?.text_value !== fingerprint?.value) {
        await db.transaction(async (tx) => {
          await checkLease(tx, options.holder)
          await rebuildTestOutcomes(tx, repositoryId, Date.now())
          await tx.run(sql`insert into linker_state (key, text_value, updated_at) values (${stateKey}, ${fingerprint?.value ?? ''}, ${Date.now()})
            on conflict (key) do update set text_value = excluded.text_value, updated_at = excluded.updated_at`)
        })
      }
      round.timings.lap('test outcomes')
      // The graph comes in loadSequences; until then the repository's is empty.
      const repo = await this.repoState(repositoryId, new CommitGraph())
      round.timings.lap('other')
      if (!repo) return round.timings.phases
      round.forceRanges = true
      round.storedRanges = new Map()
      const stored = await readTuples<[number, string]>(
        db,
        sql`select json_group_array(json_array(episode_id, sha)) as j from (
              select c.episode_id, c.sha from episode_commits c join episodes e on e.id = c.episode_id
              where e.repository_id = ${repositoryId} order by c.episode_id, c.position)`,
      )
      for (const [episodeId, sha] of stored) {
        const list = round.storedRanges.get(episodeId)
        if (list) list.push(sha)
        else round.storedRanges.set(episodeId, [sha])
      }
      round.timings.lap('read ranges')
      // Once the graph is in, the reader thread is idle while this one plans: it reads what scoring
      // the stored episodes again needs (most come out the same), so that scoring starts on it.
      if (round.storedRanges.size > 0 && canReadBeside()) graphLoading.then(() => this.readAheadForScoring(repo, round)).catch(() => {})
      await this.loadSequences(repo, 'all', round, allRuns, graphLoading)
      if (Number(await runsWithoutLink) > 0) round.runLinkRepositories.push(repositoryId)
      repo.complete = true
      await this.write(round, options.holder)
      return round.timings.phases
    } catch (error) {
      this.reset()
      throw error
    }
  }

  /** A cached graph, if it still matches the database (same commits, parents and times). */
  private async graphStillValid(cached: RepoState | undefined): Promise<CommitGraph | null> {
    if (!cached) return null
    const check = await firstRow<{ commits: number; times: number; parents: number }>(
      getDb(),
      sql`select (select count(*) from commits where repository_id = ${cached.id}) as commits,
            (select coalesce(sum(committed_at % 1000003), 0) from commits where repository_id = ${cached.id}) as times,
            (select count(*) from commit_parents where repository_id = ${cached.id}) as parents`,
    )
    const graph = cached.graph
    const { known, committedAt } = graph
    let commits = 0
    let times = 0
    for (let id = 0; id < graph.size; id++) {
      if (known[id] === 0) continue
      commits++
      times += committedAt[id] % 1000003
    }
    if (!check || check.commits !== commits || check.parents !== graph.parentLinks || check.times !== times) return null
    return graph
  }

  // --- writing -----------------------------------------------------------------------------------

  private async write(round: Round, holder: string | undefined) {
    const db = getDb()
    // Strictly increasing: suspects not rewritten by this write are told apart by their stamp.
    const now = (this.lastStamp = Math.max(Date.now(), this.lastStamp + 1))
    const changed = [...round.changedEpisodes]
    const scoring = [...round.rescore].filter((row) => !row.likelyFlaky)
    const byRepository = new Map<string, EpisodeRow[]>()
    for (const row of scoring) {
      const rows = byRepository.get(row.repositoryId)
      if (rows) rows.push(row)
      else byRepository.set(row.repositoryId, [row])
    }
    round.timings.lap('other')
    const storedRanges = new Map<EpisodeRow, string[]>()
    for (const row of scoring) if (!round.ranges.has(row)) storedRanges.set(row, round.storedRanges?.get(row.id) ?? (await storedRange(row.id)))
    // Inputs for scoring are read before the transaction, so that it holds the write lock briefly;
    // a full recompute reads them and scores on the reader thread while the transaction writes.
    const beside = round.forceRanges && canReadBeside()
    const inputs = beside ? null : await this.suspectInputs(byRepository, round, storedRanges)
    // Episodes stored before this round (their ids are known now): their own history does not count.
    const rewritten = new Set(scoring.filter((row) => row.id > 0).map((row) => row.id))
    round.timings.lap('suspect inputs')

    // Another episode's suspects may cite one whose range changes or that goes as "an earlier red
    // episode": in an incremental round they are scored again in the next (a full recompute scores all).
    const rescoreDependents = (tx: Tx, ids: number[]) =>
      round.forceRanges ? undefined : enqueueDependentRescores(tx, ids, { except: [...round.rescore].map((row) => row.id), now })
    await db.transaction(async (tx) => {
      await checkLease(tx, holder)
      const deleted = [...round.deletedEpisodes].map((row) => row.id)
      await rescoreDependents(tx, [...deleted, ...[...round.ranges.keys()].map((row) => row.id).filter((id) => id > 0)])
      for (const part of chunked(deleted, CHUNK)) await tx.run(sql`delete from episodes where id in (select value from json_each(${json(part)}))`)

      const fields = (row: EpisodeRow) => [
        row.status,
        row.likelyFlaky ? 1 : 0,
        row.firstRedSha,
        row.firstRedRunId,
        row.base,
        row.lastGreenSha,
        row.lastGreenRunId,
        row.closingSha,
        row.closingRunId,
        row.redCommits,
        row.rangeSize,
        row.rangeTruncated ? 1 : 0,
        row.rangeIncomplete ? 1 : 0,
        row.openedAt,
        row.closedAt,
      ]
      const inserts = changed.filter((row) => row.id < 0)
      const updates = changed.filter((row) => row.id > 0)
      // New episodes get their ids first (this transaction holds the write lock, so no one else takes
      // them), and scoring, which names episodes by id, need not wait for them to be written.
      if (inserts.length > 0) {
        const last = await tx.get<{ id: number }>(sql`
          select max(coalesce((select seq from sqlite_sequence where name = 'episodes'), 0), coalesce((select max(id) from episodes), 0)) as id`)
        inserts.forEach((row, index) => (row.id = (last?.id ?? 0) + index + 1))
      }
      const rangedIds = new Set([...round.ranges.keys()].map((row) => row.id))
      const scoring = beside ? this.scoreBeside(byRepository, round, storedRanges, rewritten, rangedIds) : null
      for (const part of chunked(inserts, 1000)) {
        await tx.run(sql`
          with ${rowsTable(part.map((row) => [row.id, row.repositoryId, row.sequenceId, row.branch, row.name, ...fields(row)]))}
          insert into episodes (id, repository_id, sequence_id, branch, name, status, likely_flaky, first_red_sha, first_red_run_id, base,
            last_green_sha, last_green_run_id, closing_sha, closing_run_id, red_commits, range_size, range_truncated, range_incomplete,
            opened_at, closed_at, created_at, updated_at)
          select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8,
            value ->> 9, value ->> 10, value ->> 11, value ->> 12, value ->> 13, value ->> 14, value ->> 15, value ->> 16,
            value ->> 17, value ->> 18, value ->> 19, ${now}, ${now}
          from rows`)
      }
      // "A branch I watch went red": one query when nobody watches the branches of new open episodes.
      await notifyBranchWatchers(tx, inserts, now)
      for (const part of chunked(updates, 1000)) {
        await tx.run(sql`
          with ${rowsTable(part.map((row) => [row.id, ...fields(row)]))}
          update episodes set status = value ->> 1, likely_flaky = value ->> 2, first_red_sha = value ->> 3, first_red_run_id = value ->> 4,
            base = value ->> 5, last_green_sha = value ->> 6, last_green_run_id = value ->> 7, closing_sha = value ->> 8,
            closing_run_id = value ->> 9, red_commits = value ->> 10, range_size = value ->> 11, range_truncated = value ->> 12,
            range_incomplete = value ->> 13, opened_at = value ->> 14, closed_at = value ->> 15, updated_at = ${now}
          from rows
          where episodes.id = value ->> 0`)
      }

      const ranged = [...round.ranges.keys()]
      for (const part of chunked(ranged.map((row) => row.id), CHUNK)) {
        await tx.run(sql`delete from episode_commits where episode_id in (select value from json_each(${json(part)}))`)
      }
      const commitRows: Array<[number, string, number]> = []
      for (const [row, shas] of round.ranges) shas.forEach((sha, position) => commitRows.push([row.id, sha, position]))
      for (const part of chunked(commitRows, 10_000)) {
        await tx.run(sql`insert into episode_commits (episode_id, sha, position)
          select value ->> 0, value ->> 1, value ->> 2 from json_each(${json(part)})`)
      }

      round.timings.lap('write episodes and ranges')
      // Rows as text, [id, ...values], of the sequences whose values changed.
      const sequenceRows: string[] = []
      for (const sequence of round.sequences) {
        const values = sequenceValues(sequence)
        if (values.every((value, index) => value === sequence.written[index])) continue
        sequence.written = values
        sequenceRows.push(JSON.stringify([sequence.id, ...values]))
      }
      for (const part of chunked(sequenceRows, 2000)) {
        await tx.run(sql`
          with ${rowsTableOfJson(`[${part.join(',')}]`)}
          update linker_sequences set state = value ->> 1, head_sha = value ->> 2, head_run_id = value ->> 3, last_green_sha = value ->> 4,
            last_green_run_id = value ->> 5, open_episode_id = value ->> 6, commit_count = value ->> 7, pending_runs = value ->> 8,
            updated_at = ${now}
          from rows where linker_sequences.id = value ->> 0`)
      }

      for (const repositoryId of round.runLinkRepositories) {
        await tx.run(sql`
          insert into links (repository_id, from_kind, from_ref, to_kind, to_ref, rule, confidence, status, created_at)
          select repository_id, 'ci_run', cast(id as text), 'commit', head_sha, 'run-head-sha', 1, 'suggested', ${now}
          from ci_runs where repository_id = ${repositoryId}
          on conflict do nothing`)
      }
      for (const part of chunked(round.links, 3000)) {
        await tx.run(sql`
          insert into links (repository_id, from_kind, from_ref, to_kind, to_ref, rule, confidence, status, created_at)
          select value ->> 0, value ->> 1, value ->> 2, 'commit', value ->> 3, value ->> 4, value ->> 5, 'suggested', ${now}
          from json_each(${json(part.map((link) => [link.repositoryId, link.fromKind, link.fromRef, link.toRef, link.rule, link.confidence]))}) where true
          on conflict do nothing`)
      }

      round.timings.lap('write sequences and links')
      // Suspects: scored beside meanwhile (who changed what in the ranges comes first, and is written
      // while the scoring goes on), or here now that every episode has its id.
      const rows = scoring ?? this.scoreHere(byRepository, round, storedRanges, inputs!, rangedIds)
      for (const part of chunked([...rangedIds], CHUNK)) {
        await tx.run(sql`delete from episode_file_authors where episode_id in (select value from json_each(${json(part)}))`)
      }
      for (const part of await rows.fileAuthors) {
        await tx.run(sql`
          with ${rowsTableOfJson(part)}
          insert into episode_file_authors (episode_id, repository_id, author_email, path, sha, opened_at)
          select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 from rows where true
          on conflict do nothing`)
      }
      round.timings.lap('write file authors')
      const suspects = await rows.suspects
      round.timings.lap('score suspects')
      const rescored = [...round.rescore].map((row) => row.id)
      // "New suspect found" for investigations about these episodes (one indexed query when there are none).
      const topBefore = await topSuspectsBefore(tx, rescored)
      for (const part of suspects) {
        await tx.run(sql`
          insert into suspects (episode_id, sha, score, reasons, in_range, status, updated_at)
          select value ->> 0, value ->> 1, value ->> 2, value ->> 3, 1, 'suggested', ${now} from json_each(${part}) where true
          on conflict (episode_id, sha) do update set score = excluded.score, reasons = excluded.reasons, in_range = 1, updated_at = excluded.updated_at`)
      }
      for (const part of chunked(rescored, CHUNK)) {
        const ids = json(part)
        // Out of the range now (or the episode turned likely flaky): undecided suspects go, decided ones stay, out of range.
        await tx.run(sql`
          delete from suspects where episode_id in (select value from json_each(${ids})) and status = 'suggested'
            and (updated_at != ${now} or episode_id in (select id from episodes where id in (select value from json_each(${ids})) and likely_flaky = 1))`)
        await tx.run(sql`
          update suspects set in_range = 0 where episode_id in (select value from json_each(${ids})) and status != 'suggested'
            and (updated_at != ${now} or episode_id in (select id from episodes where id in (select value from json_each(${ids})) and likely_flaky = 1))`)
      }
      await recordNewTopSuspects(tx, topBefore, now)
      await rescoreDependents(tx, [...rangedIds])

      round.timings.lap('write suspects')
      await writeTestOutcomes(tx, round.tests, now)

      for (const part of chunked(round.queueIds, CHUNK)) await tx.run(sql`delete from linker_queue where id in (select value from json_each(${json(part)}))`)
      for (const [name, value] of round.state) {
        await tx.run(sql`insert into linker_state (key, int_value, updated_at) values (${name}, ${value}, ${now})
          on conflict (key) do update set int_value = excluded.int_value, updated_at = excluded.updated_at`)
      }
    })
    round.timings.lap('commit')
  }

  /** What scoring needs, per repository, read before the transaction (the episodes stored before have their ids). */
  private async suspectInputs(byRepository: Map<string, EpisodeRow[]>, round: Round, storedRanges: Map<EpisodeRow, string[]>) {
    const read = tuplesOn(getDb())
    const inputs = new Map<string, SuspectInputs>()
    for (const [repositoryId, rows] of byRepository) {
      const shas = rows.flatMap((row) => this.forScoring(row, round, storedRanges).range)
      const rewritten = new Set(rows.filter((row) => row.id > 0).map((row) => row.id))
      const options = { storedHistory: !round.forceRanges }
      inputs.set(repositoryId, await loadSuspectInputs(read, repositoryId, shas, rows.map((row) => row.firstRedRunId), rewritten, options))
    }
    return inputs
  }

  /** Scores on this thread, from inputs read before the transaction. */
  private scoreHere(byRepository: Map<string, EpisodeRow[]>, round: Round, storedRanges: Map<EpisodeRow, string[]>, inputs: Map<string, SuspectInputs>, ranged: Set<number>): RowsToWrite {
    const rows = [...byRepository].map(([repositoryId, list]) =>
      scoredRows(repositoryId, list.map((row) => this.forScoring(row, round, storedRanges)), inputs.get(repositoryId)!, ranged),
    )
    return { fileAuthors: rows.flatMap((item) => item.fileAuthors), suspects: rows.flatMap((item) => item.suspects) }
  }

  /** Starts reading on the reader thread what scoring the repository's stored episodes needs (see readAheadBeside). */
  private readAheadForScoring(repo: RepoState, round: Round) {
    const token = randomUUID()
    const runIds: number[] = []
    for (const sequence of repo.sequences.values()) for (const row of sequence.episodes) if (!row.likelyFlaky) runIds.push(row.firstRedRunId)
    const shas = [...round.storedRanges!.values()].flat()
    round.readAhead = token
    const args = [token, repo.id, shas, runIds]
    callBeside(READ_AHEAD_BESIDE, args, async () => (await readAheadBeside(hereReader, token, repo.id, shas, runIds)).value).catch(() => {})
  }

  /**
   * Reads what scoring needs and scores on the reader thread (see scoreBeside), every episode with
   * its id: the file-author rows come as soon as the inputs are read, the suspect rows when scored.
   */
  private scoreBeside(byRepository: Map<string, EpisodeRow[]>, round: Round, storedRanges: Map<EpisodeRow, string[]>, rewritten: Set<number>, ranged: Set<number>) {
    const calls = [...byRepository].map(([repositoryId, rows]) => {
      const request: ScoreRequest = {
        repositoryId,
        episodes: rows.map((row) => this.forScoring(row, round, storedRanges)),
        runIds: rows.map((row) => row.firstRedRunId),
        rewritten: rows.filter((row) => rewritten.has(row.id)).map((row) => row.id),
        ranged: rows.filter((row) => ranged.has(row.id)).map((row) => row.id),
        // A full recompute scores every episode of the repository: they are the whole history.
        storedHistory: !round.forceRanges,
        readAhead: round.readAhead,
      }
      const fileAuthors = settleLater<string[]>()
      const onHand = (rows: unknown) => fileAuthors.resolve(rows as string[])
      const here = async () => (await scoreBeside({ ...hereReader, hand: onHand }, request)).value
      const suspects = callBeside<string[]>(SCORE_BESIDE, [request], here, onHand)
      // Scoring that fails before handing its file authors fails them too.
      suspects.catch(() => fileAuthors.resolve([]))
      return { fileAuthors: fileAuthors.promise, suspects }
    })
    const settled = <T>(parts: Array<Promise<T[]>>) => {
      const all = Promise.all(parts).then((lists) => lists.flat())
      all.catch(() => {})
      return all
    }
    return { fileAuthors: settled(calls.map((call) => call.fileAuthors)), suspects: settled(calls.map((call) => call.suspects)) }
  }

  private forScoring(row: EpisodeRow, round: Round, storedRanges: Map<EpisodeRow, string[]>): EpisodeForScoring {
    return {
      id: row.id,
      openedAt: row.openedAt,
      firstRedRunId: row.firstRedRunId,
      name: row.name,
      branch: row.branch,
      provider: this.providerOf(row),
      range: round.ranges.get(row) ?? storedRanges.get(row) ?? [],
    }
  }

  private providerOf(row: EpisodeRow): string {
    const sequence = this.repos.get(row.repositoryId)?.sequences.get(key(row.branch, row.name))
    return sequence?.slots.get(row.firstRedSha)?.provider ?? ''
  }
}

/** Widens a borrowing summary (see Linker.borrowingSummary) by one sequence's borrowed episodes. */
function widenSummary(repo: RepoState, summary: { top: number; bases: Set<string> }, sequence: Sequence) {
  for (const row of sequence.episodes) {
    if (row.base === 'sequence') continue
    const id = repo.graph.idOf(row.firstRedSha)
    summary.top = Math.max(summary.top, id === undefined ? Number.POSITIVE_INFINITY : repo.graph.generation[id])
    if (row.lastGreenSha) summary.bases.add(row.lastGreenSha)
  }
}

/** Keeps a sequence's green commits (when built) in step with one slot, instead of rebuilding them from the whole order. */
function keepGreen(sequence: Sequence, slot: Slot) {
  if (!sequence.greens || slot.commit < 0) return
  if (slot.verdict === 'green') sequence.greens.set(slot.commit, slot.runId)
  else sequence.greens.delete(slot.commit)
}

/** Offers a decisive run to a commit's slot: the latest (see compareRunsLatestFirst) decides. */
function offer(slot: Slot, id: number, conclusion: string | null, at: number, attempt: number, provider: string, externalId: string) {
  const verdict = verdictOf(conclusion)
  if (!verdict) return
  if (slot.runId !== 0) {
    const order = compareRunsLatestFirst(
      { id, at, attempt, provider, externalId, conclusion, rejected: false },
      { id: slot.runId, at: slot.at, attempt: slot.attempt, provider: slot.provider, externalId: slot.externalId, conclusion: null, rejected: false },
    )
    if (order >= 0) return
  }
  slot.runId = id
  slot.at = at
  slot.attempt = attempt
  slot.provider = provider
  slot.externalId = externalId
  slot.verdict = verdict
}

function noteGreens(round: Round, sequence: Sequence, shas: Iterable<string> | 'all') {
  const current = round.greensChanged.get(sequence)
  if (current === 'all') return
  if (shas === 'all') return void round.greensChanged.set(sequence, 'all')
  const set = current ?? new Set<string>()
  for (const sha of shas) set.add(sha)
  round.greensChanged.set(sequence, set)
}

function sequenceValues(sequence: Sequence) {
  const order = sequence.order
  const head = order[order.length - 1]
  let lastGreen: OrderedSlot | undefined
  for (let i = order.length - 1; i >= 0; i--) {
    if (order[i].verdict === 'green') {
      lastGreen = order[i]
      break
    }
  }
  const open = sequence.episodes.find((row) => row.status === 'open')
  const pending = sequence.pending
  const state = open ? (open.likelyFlaky ? 'likely_flaky' : 'red') : order.length ? 'green' : 'unknown'
  return [state, head?.sha ?? null, head?.runId ?? null, lastGreen?.sha ?? null, lastGreen?.runId ?? null, open?.id ?? null, order.length, pending]
}

async function storedRange(episodeId: number): Promise<string[]> {
  if (episodeId <= 0) return []
  const rows = await readTuples<[string]>(
    getDb(),
    sql`select json_group_array(json_array(sha)) as j from (select sha from episode_commits where episode_id = ${episodeId} order by position)`,
  )
  return rows.map(([sha]) => sha)
}

async function readState(db: Tx) {
  const rows = await db.all<{ key: string; int_value: number | null }>(sql`select key, int_value from linker_state`)
  return new Map(rows.map((row) => [row.key, row.int_value ?? 0]))
}

/** Inside a write transaction: refuses to write once another process holds the linker's lease. */
async function checkLease(tx: Tx, holder: string | undefined) {
  if (!holder) return
  const row = await firstRow<{ key: string }>(
    tx,
    sql`select key from linker_state where key = 'lease' and text_value = ${holder} and int_value > ${Date.now()}`,
  )
  if (!row) throw new LeaseLostError('the linker lease passed to another process')
}

const EPISODE_COLUMNS = sql.raw(
  [
    'id',
    'repository_id',
    'sequence_id',
    'branch',
    'name',
    'status',
    'likely_flaky',
    'first_red_sha',
    'first_red_run_id',
    'base',
    'last_green_sha',
    'last_green_run_id',
    'closing_sha',
    'closing_run_id',
    'red_commits',
    'range_size',
    'range_truncated',
    'range_incomplete',
    'opened_at',
    'closed_at',
    'created_at',
    'updated_at',
  ].join(', '),
)

type EpisodeTuple = [
  number,
  string,
  number,
  string,
  string,
  EpisodeRow['status'],
  number,
  string,
  number,
  EpisodeRow['base'],
  string | null,
  number | null,
  string | null,
  number | null,
  number,
  number,
  number,
  number,
  number,
  number | null,
  number,
  number,
]

function episodeFromTuple(row: EpisodeTuple): EpisodeRow {
  const [id, repositoryId, sequenceId, branch, name, status, likelyFlaky, firstRedSha, firstRedRunId, base, lastGreenSha, lastGreenRunId] = row
  const [closingSha, closingRunId, redCommits, rangeSize, rangeTruncated, rangeIncomplete, openedAt, closedAt, createdAt, updatedAt] = row.slice(12) as [
    string | null,
    number | null,
    number,
    number,
    number,
    number,
    number,
    number | null,
    number,
    number,
  ]
  return {
    id,
    repositoryId,
    sequenceId,
    branch,
    name,
    status,
    likelyFlaky: likelyFlaky === 1,
    firstRedSha,
    firstRedRunId,
    base,
    lastGreenSha,
    lastGreenRunId,
    closingSha,
    closingRunId,
    redCommits,
    rangeSize,
    rangeTruncated: rangeTruncated === 1,
    rangeIncomplete: rangeIncomplete === 1,
    openedAt,
    closedAt,
    createdAt,
    updatedAt,
  }
}
