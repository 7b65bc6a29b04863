// An open-loop load generator: requests leave on a fixed schedule (rate per second), whether or not
// earlier ones have been answered, and each latency is counted from the moment its request was due
// to leave, not from when it left. A closed-loop generator (autocannon: N connections, each sending
// its next request when the last is answered) measures latency at whatever rate the server
// saturates at, and a stall delays the requests behind it without counting them late (coordinated
// omission). This one answers "what does a sender see at this rate": the way wrk2 measures.
import http from 'node:http'

export interface OpenLoopRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

export interface OpenLoopResult {
  /** From when each request was due to leave until its whole answer had arrived, in ms. */
  latencies: number[]
  statuses: Map<number, number>
  errors: number
  /** Requests answered per second over the run. */
  ratePerSecond: number
  /** How far behind its schedule the generator itself fell, at worst (ms): large means the figures measure the generator. */
  worstSendLagMs: number
}

/** Sends `rate` requests a second for `seconds` to `baseUrl`, each made by `makeRequest` when it is due. */
export async function openLoop(options: {
  baseUrl: string
  rate: number
  seconds: number
  makeRequest: () => OpenLoopRequest
  /** Sockets kept open; a request waits for a free one (and counts the wait as latency). */
  maxSockets?: number
}): Promise<OpenLoopResult> {
  const { rate, seconds, makeRequest } = options
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 })
  const url = new URL(options.baseUrl)
  const total = Math.round(rate * seconds)
  const intervalMs = 1000 / rate
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  let errors = 0
  let sent = 0
  let answered = 0
  let worstSendLagMs = 0
  const started = performance.now()

  const send = (dueAt: number) => {
    const request = makeRequest()
    const outgoing = http.request(
      { agent, host: url.hostname, port: url.port, method: request.method, path: request.path, headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) } },
      (response) => {
        response.resume()
        response.on('end', () => {
          latencies.push(performance.now() - dueAt)
          statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1)
          answered++
        })
      },
    )
    outgoing.on('error', () => {
      errors++
      answered++
    })
    outgoing.end(request.body)
  }

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      const due = Math.min(total, Math.floor((now - started) / intervalMs) + 1)
      if (sent < due) worstSendLagMs = Math.max(worstSendLagMs, now - (started + sent * intervalMs))
      while (sent < due) send(started + sent++ * intervalMs)
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()))
      else resolve()
    }
    tick()
  })
  const deadline = performance.now() + 30_000
  while (answered < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  errors += total - answered
  agent.destroy()
  return { latencies, statuses, errors, ratePerSecond: latencies.length / ((performance.now() - started) / 1000), worstSendLagMs }
}
