// An open-loop load generator: requests leave on a fixed schedule (rate per second), whether or not
// earlier ones have been answered, and each latency is counted from the moment its request was due
// to leave, not from when it left. A closed-loop generator (autocannon: N connections, each sending
// its next request when the last is answered) measures latency at whatever rate the server
// saturates at, and a stall delays the requests behind it without counting them late (coordinated
// omission). This one answers "what does a sender see at this rate": the way wrk2 measures.
//
// It speaks HTTP/1.1 over plain sockets, as wrk does, rather than through node:http: the generator
// shares the machine's two cores with the server, and every pause of its own (node:http's objects
// per request, and the garbage they leave) would be counted as the server's latency.
import net from 'node:net'

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
  /** When the first request was due (performance.now()), after the requests were made. */
  startedAt: number
}

const HEADER_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i
const CHUNKED = /\r\ntransfer-encoding:\s*chunked/i
const LAST_CHUNK = Buffer.from('0\r\n\r\n')

/** One keep-alive connection that carries one request at a time. */
class Connection {
  private socket: net.Socket | null = null
  private buffered: Buffer = Buffer.alloc(0)
  private dueAt = 0
  busy = false

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onAnswer: (connection: Connection, status: number, dueAt: number) => void,
    private readonly onError: (connection: Connection) => void,
  ) {}

  send(bytes: Buffer, dueAt: number) {
    this.busy = true
    this.dueAt = dueAt
    this.buffered = Buffer.alloc(0)
    if (!this.socket || this.socket.destroyed) this.socket = this.open()
    this.socket.write(bytes)
  }

  close() {
    this.socket?.destroy()
  }

  private open(): net.Socket {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true })
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    const fail = () => {
      if (this.socket === socket) this.socket = null
      if (this.busy) {
        this.busy = false
        this.onError(this)
      }
    }
    socket.on('error', fail)
    socket.on('close', fail)
    return socket
  }

  private receive(chunk: Buffer) {
    if (!this.busy) return
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk
    const headerEnd = this.buffered.indexOf(HEADER_END)
    if (headerEnd < 0) return
    const head = this.buffered.toString('latin1', 0, headerEnd)
    const length = CONTENT_LENGTH.exec(head)?.[1]
    if (length !== undefined) {
      if (this.buffered.length < headerEnd + HEADER_END.length + Number(length)) return
    } else if (CHUNKED.test(head)) {
      if (!this.buffered.subarray(-LAST_CHUNK.length).equals(LAST_CHUNK)) return
    }
    const status = Number(head.slice(9, 12))
    this.busy = false
    this.buffered = Buffer.alloc(0)
    if (/\r\nconnection:\s*close/i.test(head)) {
      this.socket?.destroy()
      this.socket = null
    }
    this.onAnswer(this, status, this.dueAt)
  }
}

function serialize(request: OpenLoopRequest, host: string): Buffer {
  const body = Buffer.from(request.body)
  let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n`
  for (const [name, value] of Object.entries(request.headers)) head += `${name}: ${value}\r\n`
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body])
}

/**
 * The requests as views of one buffer: ten thousand separate ones (~190 MB) are as many external
 * allocations, and the collections they bring on pause the generator.
 */
function prepare(requests: Buffer[]): Buffer[] {
  const all = Buffer.concat(requests)
  let offset = 0
  return requests.map((request) => all.subarray(offset, (offset += request.length)))
}

/** Sends `rate` requests a second for `seconds` to `baseUrl`, each made by `makeRequest` beforehand. */
export async function openLoop(options: {
  baseUrl: string
  rate: number
  seconds: number
  makeRequest: () => OpenLoopRequest
  /** Connections kept open; a request waits for a free one (and counts the wait as latency). */
  maxSockets?: number
}): Promise<OpenLoopResult> {
  const { rate, seconds, makeRequest } = options
  const url = new URL(options.baseUrl)
  const host = url.hostname
  const port = Number(url.port)
  const total = Math.round(rate * seconds)
  const intervalMs = 1000 / rate
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  let errors = 0
  let sent = 0
  let answered = 0
  let worstSendLagMs = 0
  // Requests due while every connection was busy, oldest first, with when each was due.
  const waiting: Array<{ bytes: Buffer; dueAt: number }> = []

  const next = (connection: Connection) => {
    const request = waiting.shift()
    if (request) connection.send(request.bytes, request.dueAt)
  }
  const connections = Array.from(
    { length: options.maxSockets ?? 64 },
    () =>
      new Connection(
        host,
        port,
        (connection, status, dueAt) => {
          latencies.push(performance.now() - dueAt)
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          answered++
          next(connection)
        },
        (connection) => {
          errors++
          answered++
          next(connection)
        },
      ),
  )
  // Every request is made before the clock starts: making and signing a 19 KB delivery costs the
  // generator more than sending it, and it would be made in the middle of the schedule.
  const prepared = prepare(Array.from({ length: total }, () => serialize(makeRequest(), `${host}:${port}`)))
  const send = (dueAt: number) => {
    const bytes = prepared[sent]
    const free = connections.find((connection) => !connection.busy)
    if (free) free.send(bytes, dueAt)
    else waiting.push({ bytes, dueAt })
  }

  const started = performance.now()
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      const due = Math.min(total, Math.floor((now - started) / intervalMs) + 1)
      if (sent < due) worstSendLagMs = Math.max(worstSendLagMs, now - (started + sent * intervalMs))
      for (; sent < due; sent++) send(started + sent * intervalMs)
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()))
      else resolve()
    }
    tick()
  })
  const deadline = performance.now() + 30_000
  while (answered < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  errors += total - answered
  for (const connection of connections) connection.close()
  return { latencies, statuses, errors, ratePerSecond: latencies.length / ((performance.now() - started) / 1000), worstSendLagMs, startedAt: started }
}
