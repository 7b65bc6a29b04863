// Imports a repository's history from a git repository on the server's disk, as a background job.
//
// The path must resolve under GIT_IMPORT_ROOT. Real `git` runs in a child process: `for-each-ref`
// fixes the tips once, `rev-list --count` over them gives the total for the progress bar, and
// `git log --numstat` streams the history through GitLogParser into batched writes, one transaction
// per batch, so memory stays flat whatever the history's length. A second import passes the branch
// heads the last successful import recorded as `^sha` exclusions, so git walks only new commits.
//
// Jobs are git_imports rows. A worker claims a queued row (or a running one whose lease has lapsed:
// its process died) by setting a lease; every batch renews it in the batch's own transaction, and
// only while the stored lease is still the one this worker set, so two workers never write one
// import. The partial unique index `git_imports_one_active` allows one queued or running import per
// repository.
import { spawn } from 'node:child_process'
import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { Worker as Thread } from 'node:worker_threads'
import { and, count, desc, eq, inArray, isNotNull, lt, or, sql } from 'drizzle-orm'
import { branches, commits, gitImports, repositories } from '../../db/schema'
import { recordAudit, type AuditActor } from '../auth/audit.server'
import { getDb, type Database } from '../db.server'
import { getEnv } from '../env.server'
import { isShuttingDown, nudgeWorker, type Worker } from '../jobs/workers.server'
import { getLogger } from '../observability/logger.server'
import { isUniqueViolation } from '../utils/db-errors.server'
import { rowsTable } from '../utils/json-rows.server'
import { GIT_LOG_OPTIONS, GitLogParser, type ParsedCommit } from './git-log-parser.server'
import type { Tx } from './timeline.server'

export const GIT_IMPORT_WORKER = 'git-import'

/**
 * Commits per transaction. The embedded database is synchronous, so a transaction holds this
 * thread (and the write lock) from start to commit: 5,000 commits take a few tenths of a second,
 * and cost about a third less per commit than 1,000 (fewer commits, and fewer index pages written again).
 */
export const IMPORT_BATCH_COMMITS = 5000
/** Commits sorted together and written as consecutive sha ranges (see streamHistory); about 30 MB of parsed commits at most. */
export const IMPORT_WINDOW_COMMITS = 25_000
/**
 * A window is written early when git has nothing more yet, once it has a batch's worth: smaller
 * batches cost more per commit (each rewrites index pages a bigger one would share), and the
 * writer, not git, is the slower side.
 */
const MIN_BATCH_COMMITS = IMPORT_BATCH_COMMITS
/** When git is slow, what has arrived is written once this long has passed, so that progress moves. */
const FLUSH_INTERVAL_MS = 1000
/** A claim lasts this long; each batch renews it. A process that dies leaves its import to be claimed again after this. */
const LEASE_MS = 2 * 60 * 1000
/** Raw git output buffered ahead of the writer (bytes): git keeps running while a batch is written. */
const GIT_OUTPUT_BUFFER_BYTES = 16 * 1024 * 1024
const MAX_ERROR_LENGTH = 1000

/** A reason an import cannot run, worded for the person looking at the import page. */
export class GitImportError extends Error {
  name = 'GitImportError'
}

class LeaseLostError extends Error {
  name = 'LeaseLostError'
}

/** The server is shutting down: the import stops between two batches and waits in the queue. */
class ImportInterruptedError extends Error {
  name = 'ImportInterruptedError'
}

/**
 * The repository's directory: `gitPath` (relative to GIT_IMPORT_ROOT, or absolute) with every
 * symlink resolved, which must be a directory strictly under the root's own real path.
 */
export async function resolveRepositoryPath(gitPath: string | null, root = getEnv().GIT_IMPORT_ROOT): Promise<string> {
  if (!gitPath) throw new GitImportError('This repository has no path on the server to import from.')
  let realRoot: string
  try {
    realRoot = await realpath(path.resolve(root))
  } catch {
    throw new GitImportError(`The import root (GIT_IMPORT_ROOT=${root}) does not exist on the server.`)
  }
  let real: string
  try {
    real = await realpath(path.resolve(realRoot, gitPath))
  } catch {
    throw new GitImportError(`The path ${gitPath} does not exist under the import root.`)
  }
  if (!isInside(realRoot, real)) {
    throw new GitImportError(`The path ${gitPath} resolves outside the import root (GIT_IMPORT_ROOT); only repositories under it can be imported.`)
  }
  if (!(await stat(real)).isDirectory()) throw new GitImportError(`The path ${gitPath} is not a directory.`)
  return real
}

function isInside(root: string, candidate: string) {
  const relative = path.relative(root, candidate)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}

// --- git --------------------------------------------------------------------------------------

/** git's environment: nothing inherited that could point it at another repository, and no discovery above `dir`. */
function gitEnvironment(dir: string): NodeJS.ProcessEnv {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LC_ALL: 'C',
    GIT_CEILING_DIRECTORIES: path.dirname(dir),
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    // Into a pipe, git log flushes after every commit (a write of ~300 bytes, and a wake-up of
    // the reader for each); fully buffered, it writes 4 KB at a time, as it does into a file.
    GIT_FLUSH: '0',
  }
  return env as NodeJS.ProcessEnv
}

function gitFailure(args: string[], code: number | null, stderr: string) {
  const reason = stderr.trim().split('\n').slice(0, 3).join(' ') || `exit code ${code}`
  return new GitImportError(`git ${args[0]} failed: ${reason}`)
}

/** Runs a short git command and returns its output. */
async function git(dir: string, args: string[], input = ''): Promise<string> {
  const child = spawn('git', args, { cwd: dir, env: gitEnvironment(dir), stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => {
    if (stderr.length < 4000) stderr += text
  })
  child.stdin.on('error', () => {}) // git may exit before reading its input; the exit code says why
  child.stdin.end(input)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new GitImportError('git is not installed on the server.') : error),
    )
    child.once('close', resolve)
  })
  if (code !== 0) throw gitFailure(args, code, stderr)
  return stdout
}

/** Checks that `dir` itself is a git repository (bare or not) whose git directory is under the root too. */
async function checkRepository(dir: string, root = getEnv().GIT_IMPORT_ROOT) {
  let gitDir: string
  try {
    gitDir = (await git(dir, ['rev-parse', '--absolute-git-dir'])).trim()
  } catch (error) {
    if (error instanceof GitImportError && /not a git repository/i.test(error.message)) {
      throw new GitImportError(`${path.basename(dir)} is not a git repository.`)
    }
    throw error
  }
  // A `.git` file may point anywhere: the repository it names must be under the root as well.
  const realGitDir = await realpath(gitDir)
  if (realGitDir !== dir && !isInside(dir, realGitDir) && !isInside(await realpath(path.resolve(root)), realGitDir)) {
    throw new GitImportError('The repository\'s git directory is outside the import root.')
  }
}

export interface RefTips {
  /** Commits at the tips of branches, tags and remote-tracking branches (tags peeled). */
  tips: string[]
  /** Local branches and the commit each points at. */
  branches: Array<{ name: string; sha: string }>
}

export async function readRefs(dir: string): Promise<RefTips> {
  const output = await git(dir, [
    'for-each-ref',
    '--format=%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00%(refname)',
    'refs/heads',
    'refs/tags',
    'refs/remotes',
  ])
  const tips = new Set<string>()
  const heads: RefTips['branches'] = []
  for (const line of output.split('\n')) {
    if (!line) continue
    const [type, sha, peeledType, peeledSha, refname] = line.split('\0')
    const commit = type === 'commit' ? sha : peeledType === 'commit' ? peeledSha : null
    if (!commit) continue // a tag of a tree or a blob
    tips.add(commit)
    if (refname.startsWith('refs/heads/')) heads.push({ name: refname.slice('refs/heads/'.length), sha: commit })
  }
  return { tips: [...tips], branches: heads }
}

// --- writing ----------------------------------------------------------------------------------

/**
 * Writes one batch of parsed commits in the caller's transaction, with one statement per table:
 * rows go in as one JSON parameter that SQLite unpacks with json_each, so a batch costs a handful
 * of statements whatever its size, and nothing in it is bound value by value. (`where true` is how
 * SQLite tells an upsert's ON CONFLICT from a join's ON after a SELECT.)
 *
 * A commit not stored yet is stored whole, with a `commit` event. A commit already stored (a push
 * webhook brought it) keeps its row but gets what only git knows: its other parents (a push lists
 * one), line counts per file (a push lists paths only), author and committer times.
 */
export async function writeCommitBatch(tx: Tx, repositoryId: string, batch: ParsedCommit[]) {
  if (batch.length === 0) return 0
  // In key order, each index page a batch touches is visited once, front to back.
  batch = [...batch].sort((a, b) => (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0))
  const rows = batch.map((commit) => {
    let additions = 0
    let deletions = 0
    for (const file of commit.files) {
      additions += file.additions ?? 0
      deletions += file.deletions ?? 0
    }
    return [
      commit.sha,
      commit.authorName,
      commit.authorEmail,
      commit.authoredAt,
      commit.committerName,
      commit.committerEmail,
      commit.committedAt,
      commit.subject,
      commit.body,
      additions,
      deletions,
      commit.files.length,
    ]
  })
  // Which are stored already (a push brought them, or an import that failed half-way): usually
  // none. Asked first rather than with RETURNING, whose rows cost more than these lookups.
  const stored = await tx.all<{ sha: string }>(
    sql`select sha from commits where repository_id = ${repositoryId} and sha in (select value from json_each(${JSON.stringify(batch.map((commit) => commit.sha))}))`,
  )
  await tx.run(sql`
    with ${rowsTable(rows)}
    insert into commits (repository_id, sha, author_name, author_email, authored_at, committer_name, committer_email,
      committed_at, subject, body, additions, deletions, files_changed)
    select ${repositoryId}, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
      value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11
    from rows where true
    on conflict do nothing`)

  const parents: Array<[string, string, number]> = []
  for (const commit of batch) commit.parents.forEach((parent, position) => parents.push([commit.sha, parent, position]))
  if (parents.length > 0) {
    await tx.run(sql`
      insert into commit_parents (repository_id, sha, parent_sha, position)
      select ${repositoryId}, value ->> 0, value ->> 1, value ->> 2 from json_each(${JSON.stringify(parents)}) where true
      on conflict do nothing`)
  }

  const known = new Set(stored.map((row) => row.sha))
  if (known.size > 0) {
    await completeKnownCommits(
      tx,
      repositoryId,
      batch.filter((commit) => known.has(commit.sha)),
      rows.filter((row) => known.has(row[0] as string)),
    )
  }

  const files: Array<[string, string, number | null, number | null]> = []
  for (const commit of batch) for (const file of commit.files) files.push([commit.sha, file.path, file.additions, file.deletions])
  if (files.length > 0) {
    // A commit lists a path once, but a rename's new path could repeat a path git also lists as changed: keep the first.
    await tx.run(sql`
      insert into commit_files (repository_id, sha, path, additions, deletions)
      select ${repositoryId}, value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each(${JSON.stringify(files)}) where true
      on conflict do nothing`)
  }

  if (known.size < batch.length) {
    const eventRows: Array<[string, number, string]> = []
    for (const commit of batch) if (!known.has(commit.sha)) eventRows.push([commit.sha, commit.committedAt, commit.subject])
    await tx.run(sql`
      insert into events (kind, at, repository_id, sha, title, ref_id)
      select 'commit', value ->> 1, ${repositoryId}, value ->> 0, value ->> 2, value ->> 0 from json_each(${JSON.stringify(eventRows)}) where true
      on conflict do nothing`)
  }
  return batch.length - known.size
}

async function completeKnownCommits(tx: Tx, repositoryId: string, known: ParsedCommit[], rows: unknown[][]) {
  const shas = JSON.stringify(known.map((commit) => commit.sha))
  // git's per-file counts replace the paths-only list a push brought.
  await tx.run(sql`delete from commit_files where repository_id = ${repositoryId} and sha in (select value from json_each(${shas}))`)
  await tx.run(sql`
    update commits set author_name = value ->> 1, author_email = value ->> 2, authored_at = value ->> 3,
      committer_name = value ->> 4, committer_email = value ->> 5, committed_at = value ->> 6,
      additions = value ->> 9, deletions = value ->> 10, files_changed = value ->> 11
    from json_each(${JSON.stringify(rows)})
    where commits.repository_id = ${repositoryId} and commits.sha = value ->> 0`)
}

// --- jobs -------------------------------------------------------------------------------------

export type GitImport = typeof gitImports.$inferSelect

export type StartResult = { ok: true; importId: number } | { ok: false; status: 404 | 409 | 422; message: string }

/** Queues an import of the repository; refuses while one is queued or running. */
export async function startGitImport(repositoryId: string, actor: AuditActor): Promise<StartResult> {
  const db = getDb()
  const [repository] = await db
    .select({ id: repositories.id, gitPath: repositories.gitPath })
    .from(repositories)
    .where(eq(repositories.id, repositoryId))
  if (!repository) return { ok: false, status: 404, message: 'No such repository.' }
  if (!repository.gitPath) return { ok: false, status: 422, message: 'This repository has no path on the server to import from.' }
  try {
    const importId = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(gitImports)
        .values({ repositoryId, status: 'queued', requestedBy: actor.userId ?? null, createdAt: Date.now() })
        .returning({ id: gitImports.id })
      await recordAudit(
        { action: 'git_import.start', actor, targetType: 'repository', targetId: repositoryId, detail: { importId: row.id, gitPath: repository.gitPath } },
        tx,
      )
      return row.id
    })
    nudgeWorker(GIT_IMPORT_WORKER)
    return { ok: true, importId }
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, status: 409, message: 'An import of this repository is already queued or running; wait for it to finish.' }
    throw error
  }
}

/** The newest import of a repository, or null. */
export async function latestGitImport(repositoryId: string): Promise<GitImport | null> {
  const [row] = await getDb()
    .select()
    .from(gitImports)
    .where(eq(gitImports.repositoryId, repositoryId))
    .orderBy(desc(gitImports.createdAt), desc(gitImports.id))
    .limit(1)
  return row ?? null
}

/** What the import page shows: the repository, its latest import, and what is stored so far. */
export async function gitImportOverview(repositoryId: string) {
  const db = getDb()
  const [repository] = await db
    .select({ id: repositories.id, name: repositories.name, provider: repositories.provider, gitPath: repositories.gitPath })
    .from(repositories)
    .where(eq(repositories.id, repositoryId))
  if (!repository) return null
  const [latest, [stored], [branchCount]] = await Promise.all([
    latestGitImport(repositoryId),
    db.select({ commits: count() }).from(commits).where(eq(commits.repositoryId, repositoryId)),
    db.select({ branches: count() }).from(branches).where(eq(branches.repositoryId, repositoryId)),
  ])
  return { repository, latest: latest ? describeProgress(latest) : null, commits: stored.commits, branches: branchCount.branches }
}

export interface ImportProgress {
  id: number
  status: GitImport['status']
  done: number
  total: number | null
  error: string | null
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
  /** Commits per second since the import started. */
  rate: number | null
  /** Estimated seconds to go, while running. */
  secondsLeft: number | null
}

export function describeProgress(row: GitImport, now = Date.now()): ImportProgress {
  const elapsed = row.startedAt ? ((row.finishedAt ?? now) - row.startedAt) / 1000 : 0
  const rate = elapsed > 0 && row.done > 0 ? row.done / elapsed : null
  const secondsLeft = row.status === 'running' && rate && row.total !== null ? Math.max(0, (row.total - row.done) / rate) : null
  return {
    id: row.id,
    status: row.status,
    done: row.done,
    total: row.total,
    error: row.error,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    rate,
    secondsLeft,
  }
}

/** Claims the oldest queued import, or a running one whose worker stopped renewing its lease. */
async function claimImport(db: Database): Promise<GitImport | null> {
  const now = Date.now()
  const claimable = or(eq(gitImports.status, 'queued'), and(eq(gitImports.status, 'running'), lt(gitImports.leasedUntil, now)))
  const [row] = await db
    .update(gitImports)
    .set({ status: 'running', startedAt: now, leasedUntil: now + LEASE_MS, done: 0, total: null, error: null })
    .where(
      and(
        eq(gitImports.id, sql`(select ${gitImports.id} from ${gitImports} where ${claimable} order by ${gitImports.id} limit 1)`),
        claimable,
      ),
    )
    .returning()
  return row ?? null
}

/** Holds an import's lease: each renewal succeeds only while the stored lease is the one it set last. */
class Lease {
  constructor(
    private readonly importId: number,
    private until: number,
  ) {}

  async progress(tx: Tx, change: { done: number; total?: number | null }) {
    const next = Date.now() + LEASE_MS
    const updated = await tx
      .update(gitImports)
      .set({ done: change.done, ...(change.total !== undefined ? { total: change.total } : {}), leasedUntil: next })
      .where(and(eq(gitImports.id, this.importId), eq(gitImports.status, 'running'), eq(gitImports.leasedUntil, this.until)))
      .returning({ id: gitImports.id })
    if (updated.length === 0) throw new LeaseLostError('Another worker took this import over.')
    this.until = next
  }

  /** Hands the import back to the queue (shutdown): any worker, this one after a restart, picks it up. */
  async requeue(tx: Tx) {
    await tx
      .update(gitImports)
      .set({ status: 'queued', leasedUntil: null })
      .where(and(eq(gitImports.id, this.importId), eq(gitImports.status, 'running'), eq(gitImports.leasedUntil, this.until)))
  }

  async finish(tx: Tx, outcome: { status: 'succeeded'; done: number; total: number } | { status: 'failed'; error: string }) {
    const updated = await tx
      .update(gitImports)
      .set({
        status: outcome.status,
        finishedAt: Date.now(),
        leasedUntil: null,
        ...(outcome.status === 'succeeded' ? { done: outcome.done, total: outcome.total, error: null } : { error: outcome.error.slice(0, MAX_ERROR_LENGTH) }),
      })
      .where(and(eq(gitImports.id, this.importId), eq(gitImports.status, 'running'), eq(gitImports.leasedUntil, this.until)))
      .returning({ id: gitImports.id })
    if (updated.length === 0) throw new LeaseLostError('Another worker took this import over.')
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Heads that an earlier successful import recorded: each branch row an import writes carries that
 * import's start time as `updated_at`. Their history is stored whole, so git may stop there. (A
 * head a push webhook wrote may sit above commits never stored, so it is not used.)
 */
async function importedHeads(db: Database, repositoryId: string): Promise<string[]> {
  const succeededStarts = db
    .select({ startedAt: gitImports.startedAt })
    .from(gitImports)
    .where(and(eq(gitImports.repositoryId, repositoryId), eq(gitImports.status, 'succeeded'), isNotNull(gitImports.startedAt)))
  const rows = await db
    .select({ sha: branches.headSha })
    .from(branches)
    .where(and(eq(branches.repositoryId, repositoryId), inArray(branches.updatedAt, succeededStarts)))
  return [...new Set(rows.map((row) => row.sha))]
}

// git writes its output into a socket of about 200 KB; while the main thread writes a batch (its
// database calls are synchronous), git would fill that and stop. A reader thread, whose event loop
// the database never blocks, keeps draining git into a bounded buffer instead, and hands the chunks
// over without copying: git runs on the other core at full speed while batches are written.
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { spawn } = require('node:child_process')
const { args, cwd, env, input, maxBuffered } = workerData
const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
let buffered = 0
let paused = false
let stderr = ''
// git writes a commit at a time: gather its small writes into chunks worth a message.
let gathered = []
let gatheredBytes = 0
let timer = null
function send() {
  if (timer) { clearTimeout(timer); timer = null }
  if (gatheredBytes === 0) return
  const bytes = new Uint8Array(gatheredBytes)
  let offset = 0
  for (const chunk of gathered) { bytes.set(chunk, offset); offset += chunk.length }
  gathered = []
  gatheredBytes = 0
  buffered += bytes.length
  parentPort.postMessage({ type: 'data', bytes }, [bytes.buffer])
  if (buffered > maxBuffered && !paused) { paused = true; child.stdout.pause() }
}
child.stdin.on('error', () => {})
child.stdin.end(input)
child.stderr.setEncoding('utf8')
child.stderr.on('data', (text) => { if (stderr.length < 4000) stderr += text })
child.stdout.on('data', (chunk) => {
  gathered.push(chunk)
  gatheredBytes += chunk.length
  if (gatheredBytes >= 256 * 1024) send()
  else if (!timer) timer = setTimeout(send, 5)
})
child.on('error', (error) => parentPort.postMessage({ type: 'error', code: error.code, message: error.message }))
child.on('close', (code) => { send(); parentPort.postMessage({ type: 'end', code, stderr }) })
parentPort.on('message', (message) => {
  if (message.type === 'consumed') {
    buffered -= message.bytes
    if (paused && buffered < maxBuffered / 2) { paused = false; child.stdout.resume() }
  } else if (message.type === 'stop') {
    child.kill()
  }
})
`

type ReaderMessage =
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'error'; code?: string; message: string }
  | { type: 'end'; code: number | null; stderr: string }

/** Runs git in a reader thread and yields its stdout chunk by chunk; throws if git fails. */
async function* gitOutput(dir: string, args: string[], input: string): AsyncGenerator<{ chunk: Buffer; more: boolean }> {
  const worker = new Thread(READER_SOURCE, {
    eval: true,
    workerData: { args, cwd: dir, env: gitEnvironment(dir), input, maxBuffered: GIT_OUTPUT_BUFFER_BYTES },
  })
  const queue: ReaderMessage[] = []
  let wake: (() => void) | null = null
  let failure: Error | null = null
  worker.on('message', (message: ReaderMessage) => {
    queue.push(message)
    wake?.()
  })
  worker.on('error', (error) => {
    failure = error
    wake?.()
  })
  try {
    for (;;) {
      if (failure) throw failure
      const message = queue.shift()
      if (!message) {
        await new Promise<void>((resolve) => (wake = resolve))
        wake = null
        continue
      }
      if (message.type === 'data') {
        worker.postMessage({ type: 'consumed', bytes: message.bytes.length })
        yield { chunk: Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.length), more: queue.length > 0 }
      } else if (message.type === 'error') {
        throw message.code === 'ENOENT' ? new GitImportError('git is not installed on the server.') : new Error(message.message)
      } else {
        if (message.code !== 0) throw gitFailure(args, message.code, message.stderr)
        return
      }
    }
  } finally {
    worker.postMessage({ type: 'stop' })
    await worker.terminate()
  }
}

const bySha = (a: ParsedCommit, b: ParsedCommit) => (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0)

/**
 * Streams `git log` over `revisions` through the parser and hands the commits to `write` in
 * batches of at most IMPORT_BATCH_COMMITS, a transaction each.
 *
 * Commits gather in a window of up to IMPORT_WINDOW_COMMITS, which is sorted by sha and written as
 * consecutive sha ranges. Shas are random, so a batch of arbitrary commits dirties pages all over
 * every sha-keyed index (commits, parents, files, events) and each transaction writes nearly all
 * of them again; a batch of one sha range dirties only its share. The window is written early when
 * the writer would otherwise wait for git (once it holds MIN_BATCH_COMMITS, or once a second has
 * passed), so that the two work side by side and progress moves when git is slow.
 * Returns how many commits it read.
 */
async function streamHistory(dir: string, revisions: string[], write: (batch: ParsedCommit[]) => Promise<void>): Promise<number> {
  const parser = new GitLogParser()
  let pending: ParsedCommit[] = []
  let read = 0
  let lastWrite = Date.now()
  const flush = async () => {
    const window = pending.sort(bySha)
    pending = []
    // Even batches: 5,200 commits go as two of 2,600, not as 5,000 and a costly 200.
    const size = Math.ceil(window.length / Math.ceil(window.length / IMPORT_BATCH_COMMITS))
    for (let start = 0; start < window.length; start += size) {
      const batch = window.slice(start, start + size)
      await write(batch)
      read += batch.length
      // Let requests in between two batches.
      await yieldToEventLoop()
    }
    lastWrite = Date.now()
  }
  for await (const { chunk, more } of gitOutput(dir, ['log', '--stdin', '--ignore-missing', ...GIT_LOG_OPTIONS], revisions.join('\n') + '\n')) {
    parser.push(chunk, pending)
    const waitingForGit = !more && (pending.length >= MIN_BATCH_COMMITS || (pending.length > 0 && Date.now() - lastWrite >= FLUSH_INTERVAL_MS))
    if (pending.length >= IMPORT_WINDOW_COMMITS || waitingForGit) await flush()
  }
  parser.end(pending)
  await flush()
  return read
}

/** Runs one claimed import to its end: succeeded, or failed with the reason. */
async function runImport(job: GitImport) {
  const db = getDb()
  const lease = new Lease(job.id, job.leasedUntil!)
  const logger = getLogger().child({ importId: job.id, repositoryId: job.repositoryId })
  const startedAt = job.startedAt!
  try {
    const [repository] = await db
      .select({ gitPath: repositories.gitPath })
      .from(repositories)
      .where(eq(repositories.id, job.repositoryId))
    if (!repository) throw new GitImportError('The repository was deleted.')
    const dir = await resolveRepositoryPath(repository.gitPath)
    await checkRepository(dir)
    const refs = await readRefs(dir)
    const exclusions = await importedHeads(db, job.repositoryId)
    const revisions = [...refs.tips, ...exclusions.map((sha) => `^${sha}`)]

    let done = 0
    if (refs.tips.length > 0) {
      // The count runs beside the log, on git's side of the machine, and the total goes to the
      // progress bar as soon as it is known (its own turn of the event loop, between two batches).
      let total: number | null = null
      const counting = git(dir, ['rev-list', '--count', '--stdin', '--ignore-missing'], revisions.join('\n') + '\n').then(async (output) => {
        total = Number(output.trim())
        await lease.progress(db, { done, total })
      })
      counting.catch(() => {}) // awaited below: a failed count fails the import
      done = await streamHistory(dir, revisions, async (batch) => {
        if (isShuttingDown()) throw new ImportInterruptedError('The server is shutting down.')
        await db.transaction(async (tx) => {
          await writeCommitBatch(tx, job.repositoryId, batch)
          await lease.progress(tx, { done: done + batch.length, total })
        })
        done += batch.length
      })
      await counting
    }

    await db.transaction(async (tx) => {
      await recordBranches(tx, job.repositoryId, refs.branches, startedAt)
      await lease.finish(tx, { status: 'succeeded', done, total: done })
    })
    logger.info({ commits: done, branches: refs.branches.length, ms: Date.now() - startedAt }, 'git import finished')
  } catch (error) {
    if (error instanceof LeaseLostError) {
      logger.warn('git import lease lost; another worker has it')
      return
    }
    if (error instanceof ImportInterruptedError) {
      // Batches written so far stay; the next run skips the commits it finds stored.
      await lease.requeue(db).catch(() => {})
      logger.info('git import paused for shutdown; it resumes on the next start')
      return
    }
    const reason = error instanceof GitImportError ? error.message : `Unexpected error: ${(error as Error).message?.split('\n')[0] ?? String(error)}`
    if (!(error instanceof GitImportError)) logger.error({ err: error }, 'git import failed')
    await lease.finish(db, { status: 'failed', error: reason }).catch(() => {})
  }
}

/**
 * Points each branch at the head the import read. `updated_at` is the import's start: a push
 * webhook newer than that keeps its head, and the next import knows which heads were its own.
 * Branches the import recorded earlier that are gone from the repository are dropped.
 */
async function recordBranches(tx: Tx, repositoryId: string, heads: RefTips['branches'], importStartedAt: number) {
  // 4 values a row: well under SQLite's 32,766 bound parameters per statement.
  for (let start = 0; start < heads.length; start += 1000) {
    await tx
      .insert(branches)
      .values(heads.slice(start, start + 1000).map((head) => ({ repositoryId, name: head.name, headSha: head.sha, updatedAt: importStartedAt })))
      .onConflictDoUpdate({
        target: [branches.repositoryId, branches.name],
        set: { headSha: sql`excluded.head_sha`, updatedAt: sql`excluded.updated_at` },
        setWhere: sql`excluded.updated_at >= ${branches.updatedAt}`,
      })
  }
  const importStarts = tx.select({ startedAt: gitImports.startedAt }).from(gitImports).where(eq(gitImports.repositoryId, repositoryId))
  const names = JSON.stringify(heads.map((head) => head.name))
  await tx
    .delete(branches)
    .where(
      and(
        eq(branches.repositoryId, repositoryId),
        inArray(branches.updatedAt, importStarts),
        sql`${branches.name} not in (select value from json_each(${names}))`,
      ),
    )
}

/** Claims and runs one import; returns 1 if there was one. */
export async function runNextGitImport(): Promise<number> {
  const job = await claimImport(getDb())
  if (!job) return 0
  await runImport(job)
  return 1
}

export const gitImportWorker: Worker = {
  name: GIT_IMPORT_WORKER,
  idleIntervalMs: 5000,
  runOnce: runNextGitImport,
}
