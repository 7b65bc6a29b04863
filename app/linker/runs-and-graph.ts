// A full recompute's two big reads, on the reader thread: every run of the repository as text (see
// ALL_RUNS_SQL in engine.server.ts), handed back part by part as each is read, then the commit graph,
// built there. Since that thread then holds both the runs' texts and the graph's sha index, it also
// finds each run's commit there: the caller places its records by number, without an index of its
// own (a 100,000-entry Map to build, and a lookup per record).
import type { Arg, BesideReader, BesideResult } from '../db-reader.server'
import { storeFromText, type GraphStore } from './commit-graph-store'

/** Separates the fields of one run in the runs' text, and the runs. */
const RUN_FIELD = '\x1f'
const RUN_RECORD = '\x1e'
/** The head sha is the fourth field of a run (see ALL_RUNS_SQL). */
const SHA_FIELD = 3

export interface RunsAndGraph {
  store: GraphStore
  /** The graph's shas, a line each, in id order. */
  shas: string
  /** Per run, in the order of the parts and of the runs in each: its commit's graph id, or -1 for a commit the graph has not seen. */
  commits: Int32Array
}

/**
 * Reads the runs (query `runs`, once per element of `parts`), each part's text handed back as soon
 * as it is read, then the graph's two texts (queries `commits` and `edges`, each given `graphArgs`);
 * builds the graph, and finds every run's commit in it.
 */
export async function readRunsAndGraph(
  reader: BesideReader,
  runs: string,
  parts: Arg[][],
  commits: string,
  edges: string,
  graphArgs: Arg[],
): Promise<BesideResult<RunsAndGraph>> {
  const texts: string[] = []
  for (const args of parts) {
    const text = (await reader.readText(runs, args)) ?? ''
    reader.hand(text)
    texts.push(text)
  }
  const { store, shas, index } = storeFromText((await reader.readText(commits, graphArgs)) ?? '', (await reader.readText(edges, graphArgs)) ?? '')
  const ids: number[] = []
  for (const text of texts) {
    for (let at = 0; at < text.length; ) {
      let end = text.indexOf(RUN_RECORD, at)
      if (end < 0) end = text.length
      let start = at
      for (let field = 0; field < SHA_FIELD; field++) start = text.indexOf(RUN_FIELD, start) + 1
      const id = index.get(text.slice(start, text.indexOf(RUN_FIELD, start)))
      ids.push(id !== undefined && store.known[id] === 1 ? id : -1)
      at = end + 1
    }
  }
  const value = { store, shas: shas.join('\n'), commits: Int32Array.from(ids) }
  const transfer: ArrayBuffer[] = [value.commits.buffer as ArrayBuffer]
  for (const array of Object.values(store)) if (ArrayBuffer.isView(array)) transfer.push(array.buffer as ArrayBuffer)
  return { value, transfer }
}
