// autocannon ships no types and @types/autocannon is not a dependency: the part of the API the
// benchmarks use, typed by hand from autocannon 8's README.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface Options {
    url: string
    method?: string
    headers?: Record<string, string>
    body?: string
    connections?: number
    /** Seconds; fractions are allowed. */
    duration?: number
    /** Per-request timeout in seconds. */
    timeout?: number
    pipelining?: number
  }

  interface Histogram {
    average: number
    stddev: number
    min: number
    max: number
    p50: number
    p90: number
    p99: number
    total: number
  }

  interface Result {
    url: string
    /** Seconds, rounded to 10 ms. */
    duration: number
    requests: Histogram
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
  }

  interface Instance extends EventEmitter {
    /** responseTime is in milliseconds (fractional, from process.hrtime). */
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
    ): this
    on(event: 'reqError', listener: (error: Error) => void): this
    on(event: string, listener: (...args: unknown[]) => void): this
    stop(): void
  }

  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance

  export default autocannon
  export type { Options, Result, Instance }
}
