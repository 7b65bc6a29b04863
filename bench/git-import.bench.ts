// Git import against git itself: a generated history of 50,000 commits, `git log --numstat` printing
// it to /dev/null, and the whole import job (claim, count, log, parse, batched writes, branches) into
// a fresh embedded database, rounds interleaved. Target: the import takes at most 2× git log.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { progress, summarize } from './lib/stats'
import type { BenchRow } from './lib/types'

export const name = 'git-import'

const envNumber = (key: string, fallback: number) => {
  const value = Number(process.env[key])
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback
}

const COMMITS = envNumber('BENCH_GIT_COMMITS', 50_000)
const ROUNDS = envNumber('BENCH_GIT_ROUNDS', 3)
/** The target from the issue: a full import costs at most twice what git log alone does. */
const TARGET_RATIO = 2
/** Bump when the generated history changes, so that a cached repository is not reused. */
const GENERATOR_VERSION = 1

const FILES = 300
const AUTHORS = 20
/** Every this many commits, a side branch of three commits is merged into main. */
const MERGE_EVERY = 500

/** A small deterministic PRNG (LCG): the same history on every machine. */
function random(seed: number) {
  let state = seed
  return (below: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state % below
  }
}

/**
 * Writes a `git fast-import` stream of `total` commits to `repo`: commits by 20 authors each change
 * 1 to 3 of 300 small text files (a line changed, added or removed, so numstat has content), and
 * every 500 commits a three-commit side branch is merged back. fast-import writes straight to a
 * pack, about a hundred times faster than `git commit`.
 */
async function generateRepository(repo: string, total: number) {
  const git = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: repo, stdio: ['pipe', 'ignore', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => git.on('close', resolve))
  const next = random(1)
  const files = Array.from({ length: FILES }, (_, file) => Array.from({ length: 6 }, (_, line) => `file ${file} line ${line}`))
  let buffered: string[] = []
  let size = 0
  const write = async (text: string) => {
    buffered.push(text)
    size += text.length
    if (size < 1 << 20) return
    const chunk = buffered.join('')
    buffered = []
    size = 0
    if (!git.stdin.write(chunk)) await new Promise((resolve) => git.stdin.once('drain', resolve))
  }
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`
  let mark = 0
  let time = 1_600_000_000
  let mainHead = 0
  let made = 0

  const commit = async (ref: string, from: number, merge = 0) => {
    mark++
    made++
    time += 60
    const author = next(AUTHORS)
    const who = `Author ${author} <author${author}@example.com> ${time} +0000`
    let text = `commit ${ref}\nmark :${mark}\nauthor ${who}\ncommitter ${who}\n${data(`Change ${made}: adjust things\n\nWhy change ${made} was made.\n`)}`
    if (from) text += `from :${from}\n`
    if (merge) text += `merge :${merge}\n`
    for (let changes = 1 + next(3); changes > 0; changes--) {
      const file = next(FILES)
      const lines = files[file]
      const op = next(4)
      if (op === 0 && lines.length < 12) lines.push(`added in ${made}`)
      else if (op === 1 && lines.length > 3) lines.splice(next(lines.length), 1)
      else lines[next(lines.length)] = `file ${file} changed in ${made}`
      text += `M 100644 inline src/dir${file % 20}/file${file}.txt\n${data(`${lines.join('\n')}\n`)}`
    }
    await write(text)
    return mark
  }

  while (made < total) {
    if (made > 0 && made % MERGE_EVERY === 0 && total - made >= 4) {
      let side = mainHead
      for (let i = 0; i < 3; i++) side = await commit(`refs/heads/topic-${made}`, side)
      mainHead = await commit('refs/heads/main', mainHead, side)
    } else {
      mainHead = await commit('refs/heads/main', mainHead)
    }
  }
  await write('done\n')
  git.stdin.end(buffered.join(''))
  const code = await exited
  if (code !== 0) throw new Error(`git fast-import exited with ${code}`)
}

/** The generated repository, made once per machine and kept in the temporary directory. */
async function benchRepository(): Promise<string> {
  const dir = path.join(tmpdir(), `inquest-bench-git-v${GENERATOR_VERSION}-${COMMITS}`)
  const repo = path.join(dir, 'history.git')
  const complete = path.join(dir, 'complete')
  if (existsSync(complete)) return repo
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(repo, { recursive: true })
  await exec('git', ['init', '--quiet', '--bare', repo])
  const started = performance.now()
  progress(`git-import: generating ${COMMITS} commits with git fast-import (once; kept in ${dir})`)
  await generateRepository(repo, COMMITS)
  progress(`git-import: generated in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  writeFileSync(complete, '')
  return repo
}

function exec(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))))
  })
}

/**
 * Wall time of git log printing the whole history to /dev/null, and git's CPU time (user + system,
 * from the shell's `times`), which leaves out the time git waited for a core on a busy machine.
 */
function timeGitLog(repo: string, args: string[]): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn('sh', ['-c', 'git log --all "$@" > /dev/null && times', 'sh', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const wall = performance.now() - started
      // The second line of `times`: the children's user and system time, as 0m1.234s 0m0.056s.
      const children = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(output.trim())
      if (code !== 0 || !children) return reject(new Error(`git log exited with ${code}`))
      const [, um, us, sm, ss] = children
      resolve({ wall, cpu: (Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss)) * 1000 })
    })
  })
}

export async function run(): Promise<BenchRow[]> {
  const repo = await benchRepository()
  const work = mkdtempSync(path.join(tmpdir(), 'inquest-bench-import-'))
  process.env.NODE_ENV = 'test'
  process.env.LOG_LEVEL = 'silent'
  process.env.GIT_IMPORT_ROOT = path.dirname(repo)
  for (const key of ['DATABASE_AUTH_TOKEN', 'DATABASE_SYNC_URL', 'DATABASE_ENCRYPTION_KEY']) delete process.env[key]

  const { closeDatabase, configureDatabase, getClient, getDb } = await import('../app/db.server')
  const { migrateDatabase } = await import('../db/migrate')
  const { forgetSingleton } = await import('../app/utils/singleton.server')
  const { repositories } = await import('../db/schema')
  const { GIT_LOG_OPTIONS } = await import('../app/connectors/git-log-parser.server')
  const { latestGitImport, runNextGitImport, startGitImport } = await import('../app/connectors/git-import.server')
  const { leaveCheckpointsToOthers, startBackgroundCheckpoints } = await import('../app/db-checkpoints.server')
  const { getEnv } = await import('../app/env.server')
  const { tuneGarbageCollector } = await import('../app/gc-tuning.server')
  let checkpoints: Awaited<ReturnType<typeof startBackgroundCheckpoints>> = null
  // The server's process collects garbage so (app/gc-tuning.server.ts): so does this one.
  tuneGarbageCollector()

  async function closeAll() {
    await checkpoints?.stop()
    checkpoints = null
    closeDatabase()
  }

  /**
   * A fresh database file with the repository registered (the app reads its environment once, so
   * forget it), with checkpoints in their own thread, as the server runs them.
   */
  async function freshDatabase(round: number) {
    await closeAll()
    process.env.DATABASE_URL = `file:${path.join(work, `round-${round}.db`)}`
    forgetSingleton('env')
    await configureDatabase(getClient(), process.env.DATABASE_URL)
    await migrateDatabase(getDb())
    checkpoints = await startBackgroundCheckpoints(getClient(), getEnv())
    // The server imports in its background thread, whose connection leaves checkpoints to that thread.
    await leaveCheckpointsToOthers(getClient(), getEnv())
    await getDb().insert(repositories).values({ id: 'bench-repo', name: 'bench', provider: 'git', gitPath: path.basename(repo) })
  }

  async function timeImport() {
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    const queued = await startGitImport('bench-repo', { label: 'bench' })
    if (!queued.ok) throw new Error(queued.message)
    if ((await runNextGitImport()) !== 1) throw new Error('the worker found no import to run')
    const elapsed = performance.now() - started
    const cpu = process.cpuUsage(cpuBefore)
    const job = await latestGitImport('bench-repo')
    if (job?.status !== 'succeeded') throw new Error(`the import ${job?.status ?? 'vanished'}: ${job?.error ?? ''}`)
    return { elapsed, cpu: (cpu.user + cpu.system) / 1000, done: job.done }
  }

  const plain: number[] = []
  const plainCpu: number[] = []
  const ours: number[] = []
  const imports: number[] = []
  const importsCpu: number[] = []
  const again: number[] = []
  try {
    progress(`git-import: ${ROUNDS} rounds of git log --numstat, git log as the import runs it, and the import into a fresh database`)
    for (let round = 0; round < ROUNDS; round++) {
      const log = await timeGitLog(repo, ['--numstat'])
      plain.push(log.wall)
      plainCpu.push(log.cpu)
      ours.push((await timeGitLog(repo, [...GIT_LOG_OPTIONS])).wall)
      await freshDatabase(round)
      const first = await timeImport()
      if (first.done !== COMMITS) throw new Error(`imported ${first.done} commits, expected ${COMMITS}`)
      imports.push(first.elapsed)
      importsCpu.push(first.cpu)
      const second = await timeImport()
      if (second.done !== 0) throw new Error(`a second import with nothing new imported ${second.done} commits`)
      again.push(second.elapsed)
      progress(
        `  round ${round + 1}: git log ${(plain[round] / 1000).toFixed(2)} s, as the import runs it ${(ours[round] / 1000).toFixed(2)} s, import ${(imports[round] / 1000).toFixed(2)} s (${(imports[round] / plain[round]).toFixed(2)}×)`,
      )
    }
  } finally {
    await closeAll()
    rmSync(work, { recursive: true, force: true })
  }

  const base = summarize(plain)
  const baseCpu = summarize(plainCpu).p50
  const importCpu = summarize(importsCpu).p50
  const logged = summarize(ours)
  const imported = summarize(imports)
  const ratio = imported.p50 / base.p50
  const perSecond = Math.round(COMMITS / (imported.p50 / 1000))
  return [
    {
      case: `git log --all --numstat > /dev/null (${COMMITS} commits)`,
      p50: base.p50,
      mean: base.mean,
      unit: 'ms',
      n: base.n,
      ratio: 1,
      note: `the base; git cpu ${Math.round(baseCpu)} ms`,
    },
    {
      case: 'git log as the import runs it (-z, format)',
      p50: logged.p50,
      mean: logged.mean,
      unit: 'ms',
      n: logged.n,
      ratio: logged.p50 / base.p50,
    },
    {
      case: 'import into a fresh database (whole job)',
      p50: imported.p50,
      mean: imported.mean,
      unit: 'ms',
      n: imported.n,
      ratio,
      check: ratio <= TARGET_RATIO ? `ok: ≤ ${TARGET_RATIO}× git log` : `MISSED: ≤ ${TARGET_RATIO}× git log`,
      // This process's CPU (main thread and git reader) beside git's own: on a machine whose other
      // core is free for git, the import takes about the larger of the two.
      note: `${perSecond} commits/s; cpu of this process ${Math.round(importCpu)} ms = ${(importCpu / baseCpu).toFixed(2)}× git's, git running beside it`,
    },
    { case: 'import again, nothing new', p50: summarize(again).p50, mean: summarize(again).mean, unit: 'ms', n: again.length, note: 'git stops at the heads it imported' },
  ]
}
