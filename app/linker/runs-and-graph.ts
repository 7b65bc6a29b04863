// A full recompute's two big reads, on the reader thread: every run of the repository as text (see
// ALL_RUNS_SQL in engine.server.ts), handed back part by part as each is read, then the commit graph,
// built there. Since that thread then holds both the runs' texts and the graph's sha index, it also
// finds each run's commit there: the caller places its records by number, without an index of its
// own (a 100,000-entry Map to build, and a lookup per record). For a graph the caller already holds,
// the runs are read the same way and their commits found in the graph's shas, sent along.
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
  const texts = await readRunTexts(reader, runs, parts)
  const { store, shas, index } = storeFromText((await reader.readText(commits, graphArgs)) ?? '', (await reader.readText(edges, graphArgs)) ?? '')
  const value = { store, shas: shas.join('\n'), commits: commitsOfRuns(texts, index, store.known) }
  const transfer: ArrayBuffer[] = [value.commits.buffer as ArrayBuffer]
  for (const array of Object.values(store)) if (ArrayBuffer.isView(array)) transfer.push(array.buffer as ArrayBuffer)
  return { value, transfer }
}

/**
 * Reads the runs as readRunsAndGraph does, for a graph the caller holds (`shas`: its shas, a line
 * each, in id order; `known`: its flags, 1 for a commit it has seen itself), and finds every run's
 * commit in it.
 */
export async function readRunsAndFindCommits(
  reader: BesideReader,
  runs: string,
  parts: Arg[][],
  shas: string,
  known: Uint8Array,
): Promise<BesideResult<Int32Array>> {
  const texts = await readRunTexts(reader, runs, parts)
  const index = new Map<string, number>()
  for (let at = 0, id = 0; at < shas.length; id++) {
    let end = shas.indexOf('\n', at)
    if (end < 0) end = shas.length
    index.set(shas.slice(at, end), id)
    at = end + 1
  }
  const commits = commitsOfRuns(texts, index, known)
  return { value: commits, transfer: [commits.buffer as ArrayBuffer] }
}

/** Each part's text, handed back as soon as it is read. */
async function readRunTexts(reader: BesideReader, runs: string, parts: Arg[][]): Promise<string[]> {
  const texts: string[] = []
  for (const args of parts) {
    const text = (await reader.readText(runs, args)) ?? ''
    reader.hand(text)
    texts.push(text)
  }
  return texts
}

/** Per run of the texts, in order: its head sha's id in `index` if `known` there, or else -1. */
function commitsOfRuns(texts: string[], index: Map<string, number>, known: Uint8Array): Int32Array {
  const ids: number[] = []
  for (const text of texts) {
    for (let at = 0; at < text.length; ) {
      let end = text.indexOf(RUN_RECORD, at)
      if (end < 0) end = text.length
      let start = at
      for (let field = 0; field < SHA_FIELD; field++) start = text.indexOf(RUN_FIELD, start) + 1
      const id = index.get(text.slice(start, text.indexOf(RUN_FIELD, start)))
      ids.push(id !== undefined && known[id] === 1 ? id : -1)
      at = end + 1
    }
  }
  return Int32Array.from(ids)
}
