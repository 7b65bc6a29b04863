// How the server asks V8 to collect its garbage. Called first thing in server.ts (and by the
// benchmarks that stand in for the server's background thread); V8 flags are per process, so the
// background thread and the checkpoint and reader threads get it too.
import v8 from 'node:v8'

/**
 * Turns off allocation-site pretenuring.
 *
 * With it on, V8 watches which allocation sites' objects survive a young-generation collection and
 * from then on allocates those straight into the old generation. Under a steady stream of webhook
 * deliveries, the objects of a request (its closures, promises, the body's chunk) are often alive at
 * the moment of a young collection, since a request lives about a millisecond and the collections come
 * every few hundred; so V8 starts putting them in the old generation, where they are freed only by a
 * full collection. Each holds its request's body (19 KB outside the heap, for GitHub's workflow_run):
 * at 1,000 deliveries a second those piled up at ~19 MB a second, and V8 ran a full mark-compact
 * every one or two seconds to free them, each a 10-15 ms pause of the request thread that every
 * delivery arriving meanwhile waited out (measured with a trace of GC events and memory, see
 * bench/README.md, webhooks). Without pretenuring they die in the young generation; the full
 * collections stopped and the p99 of the 202 went from 20-35 ms to 9-17 ms. The linker's benchmark,
 * whose long-lived arrays are what pretenuring is for, ran no slower.
 */
export function tuneGarbageCollector() {
  v8.setFlagsFromString('--no-allocation-site-pretenuring')
}
