// npm run bench [-- filter ...]: runs every bench/*.bench.ts (or those whose name or file name
// contains a filter), each in a child process of its own, prints one table on stdout and writes
// bench/results/latest.json.
//
// A child per benchmark: the app keeps its database client, environment and logger in per-process
// singletons, so one benchmark's scratch database cannot leak into the next, and a hung benchmark
// can be ended without ending the run.
import { execFileSync, fork } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { formatTable } from './lib/table'
import type { BenchmarkModule, BenchRow } from './lib/types'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const RESULTS_FILE = path.join(BENCH_DIR, 'results', 'latest.json')
/** A benchmark that takes longer than this is stopped; the default run takes about a minute. */
const BENCHMARK_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS) || 150_000

type ChildMessage = { ok: true; rows: BenchRow[] } | { ok: false; error: string }

interface Outcome {
  name: string
  file: string
  seconds: number
  rows: BenchRow[]
  error?: string
}

async function loadModule(file: string): Promise<BenchmarkModule> {
  const mod = (await import(pathToFileURL(path.join(BENCH_DIR, file)).href)) as Partial<BenchmarkModule>
  if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
    throw new Error(`bench/${file} must export \`name\` (a string) and \`run()\` (async, returning rows)`)
  }
  return mod as BenchmarkModule
}

/** Child mode: run one benchmark and send its rows to the parent. */
async function runChild(file: string) {
  const stopOnSignal = () => process.exit(130) // 'exit' handlers stop any server the benchmark started
  process.on('SIGTERM', stopOnSignal)
  process.on('SIGINT', stopOnSignal)
  let message: ChildMessage
  try {
    const mod = await loadModule(file)
    message = { ok: true, rows: await mod.run() }
  } catch (error) {
    message = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  // Exit once the message is out: an open database handle must not keep the child alive.
  process.send?.(message, () => process.exit(message.ok ? 0 : 1))
}

function runInChild(file: string): Promise<BenchRow[]> {
  return new Promise((resolve, reject) => {
    // fork inherits this process's execArgv, which carries tsx's loader.
    const child = fork(fileURLToPath(import.meta.url), ['--child', file], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let message: ChildMessage | undefined
    const timer = setTimeout(() => {
      process.stderr.write(`  ${file}: over ${BENCHMARK_TIMEOUT_MS / 1000} s, stopping it\n`)
      child.kill('SIGTERM')
    }, BENCHMARK_TIMEOUT_MS)
    child.on('message', (received) => {
      message = received as ChildMessage
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (message?.ok) resolve(message.rows)
      else
        reject(new Error(message?.error ?? `the benchmark process ended (${signal ?? `exit ${code}`}) without results`))
    })
  })
}

function gitCommit(): string | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    return dirty ? `${commit}+dirty` : commit
  } catch {
    return null
  }
}

async function main(filters: string[]) {
  const files = readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith('.bench.ts'))
    .sort()
  const selected: { file: string; name: string }[] = []
  for (const file of files) {
    const { name } = await loadModule(file)
    const matches = filters.length === 0 || filters.some((filter) => name.includes(filter) || file.includes(filter))
    if (matches) selected.push({ file, name })
  }
  if (selected.length === 0) {
    process.stderr.write(`no benchmark matches ${filters.join(' ')}; there are: ${files.join(', ')}\n`)
    process.exit(2)
  }

  const startedAt = new Date()
  const outcomes: Outcome[] = []
  for (const { file, name } of selected) {
    process.stderr.write(`${name} (bench/${file})\n`)
    const start = performance.now()
    try {
      const rows = await runInChild(file)
      outcomes.push({ name, file, rows, seconds: (performance.now() - start) / 1000 })
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error)
      process.stderr.write(`${name} FAILED:\n${text}\n`)
      outcomes.push({ name, file, rows: [], error: text.split('\n')[0], seconds: (performance.now() - start) / 1000 })
    }
  }
  const finishedAt = new Date()

  const lines = formatTable(
    outcomes.flatMap((outcome) => outcome.rows.map((row) => ({ benchmark: outcome.name, ...row }))),
  )
  const cpus = os.cpus()
  const header =
    `Inquest benchmarks · ${startedAt.toISOString()} · node ${process.version} · ${cpus.length}× ${cpus[0]?.model.trim() ?? 'cpu'}` +
    ` · ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s` +
    // Above the core count, other processes were competing: trust ratios, not absolute figures.
    ` · load ${os.loadavg()[0].toFixed(1)} (1 min)`
  process.stdout.write(`\n${header}\n\n${lines.join('\n')}\n`)
  const failed = outcomes.filter((outcome) => outcome.error)
  for (const outcome of failed) process.stdout.write(`\n${outcome.name}: FAILED: ${outcome.error}\n`)
  const missed = outcomes.flatMap((outcome) =>
    outcome.rows.filter((row) => row.check?.startsWith('MISSED')).map((row) => `${outcome.name}: ${row.case}`),
  )
  if (missed.length) process.stdout.write(`\nTargets missed (figures, not failures): ${missed.join('; ')}\n`)

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true })
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    commit: gitCommit(),
    machine: {
      node: process.version,
      platform: `${process.platform} ${os.release()}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? null,
      loadavg: os.loadavg(),
    },
    filters,
    benchmarks: outcomes,
  }
  writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), RESULTS_FILE)}\n`)
  if (failed.length) process.exitCode = 1
}

const args = process.argv.slice(2)
if (args[0] === '--child') await runChild(args[1])
else await main(args.filter((arg) => !arg.startsWith('-')))
