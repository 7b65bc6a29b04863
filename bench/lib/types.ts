/** One line of the combined table. Latency figures are in `unit`; every other figure has one meaning. */
export interface BenchRow {
  /** What was measured, e.g. "GET / (engineer)". */
  case: string
  /** Completed requests per second (HTTP benchmarks). */
  reqPerSec?: number
  /** reqPerSec divided by the reqPerSec of the benchmark's baseline row (1 for the baseline itself). */
  ratio?: number
  p50?: number
  p99?: number
  mean?: number
  unit?: 'ms' | 'µs'
  /** How many responses or calls the figures are computed from. */
  n: number
  /** "ok", or what was missed (a target), in a few words. */
  check?: string
  note?: string
}

/** What every `bench/*.bench.ts` file exports. */
export interface BenchmarkModule {
  /** Short, lower-case; `npm run bench -- <filter>` matches it (or the file name). */
  name: string
  run: () => Promise<BenchRow[]>
}
