import { describe, expect, it } from 'vitest'
import { getClient } from './db.server'
import { callBeside, readTextBeside } from './db-reader.server'
import { CommitGraph } from './linker/commit-graph'
import type { RunsAndGraph } from './linker/runs-and-graph'

const READ_RUNS_AND_GRAPH = { module: new URL('./linker/runs-and-graph.ts', import.meta.url), name: 'readRunsAndGraph' }
const READ_RUNS_AND_FIND_COMMITS = { module: new URL('./linker/runs-and-graph.ts', import.meta.url), name: 'readRunsAndFindCommits' }
const HAND_THEN_ANSWER = { module: new URL('../tests/helpers/beside.ts', import.meta.url), name: 'handThenAnswer' }

describe('reads beside the caller', () => {
  it('answer on a connection of their own, seeing what the caller committed, while the caller goes on', async () => {
    await getClient().execute('create table if not exists reader_notes (body text not null)')
    await getClient().execute("insert into reader_notes (body) values ('one'), ('two')")
    let fallbackUsed = false
    const read = readTextBeside("select group_concat(body, ',') from reader_notes where body <> ?", ['none'], async () => {
      fallbackUsed = true
      return null
    })
    // The caller's own connection is free meanwhile.
    expect((await getClient().execute('select count(*) from reader_notes')).rows[0][0]).toBe(2)
    expect(await read).toBe('one,two')
    expect(fallbackUsed).toBe(false)
  })

  it('say what went wrong with a bad query', async () => {
    await expect(readTextBeside('select body from nowhere', [], async () => null)).rejects.toThrow(/no such table: nowhere/)
  })

  it('call a function on what they read there, which hands back parts as it goes and its typed arrays moved', async () => {
    await getClient().execute('create table if not exists reader_commits (sha text not null, at integer not null, parent text)')
    await getClient().execute("insert into reader_commits values ('a', 1, null), ('b', 2, 'a'), ('c', 3, 'a'), ('d', 4, 'b'), ('d', 4, 'c')")
    await getClient().execute('create table if not exists reader_runs (id integer not null, sha text not null)')
    await getClient().execute("insert into reader_runs values (1, 'd'), (2, 'x'), (3, 'b'), (4, 'a')")
    // Runs as the linker reads them (ALL_RUNS_SQL): the head sha is the fourth field.
    const runs = "select group_concat(concat_ws(char(31), id, 1, 0, sha, 'success', 'github', id, 'main' || char(10) || 'ci'), char(30)) from reader_runs where id between ? and ?"
    const commits = "select group_concat(sha || ' ' || at, char(10)) from (select distinct sha, at from reader_commits where at > ?)"
    const edges = "select group_concat(sha || ' ' || parent, char(10)) from reader_commits where parent is not null and at > ?"
    const handed: unknown[] = []
    let hereUsed = false
    const parts = await callBeside<RunsAndGraph>(
      READ_RUNS_AND_GRAPH,
      [runs, [[1, 2], [3, 4]], commits, edges, [0]],
      async () => {
        hereUsed = true
        throw new Error('not here')
      },
      (text) => handed.push(text),
    )
    expect(hereUsed).toBe(false)
    expect(handed).toHaveLength(2)
    expect(String(handed[1]).split('\x1e').map((run) => run.split('\x1f')[3])).toEqual(['b', 'a'])
    expect(parts.store.generation).toBeInstanceOf(Int32Array)
    const graph = CommitGraph.fromStore(parts.store, parts.shas)
    expect(graph.parentsOf(graph.idOf('d')!).map((id) => graph.shas[id])).toEqual(['b', 'c'])
    expect(graph.generation[graph.idOf('d')!]).toBe(3)
    expect(graph.range(graph.idOf('b')!, graph.idOf('d')!).ids.map((id) => graph.shas[id])).toEqual(['d', 'c'])
    // Each run's commit, in the order of the runs: 'x' is no commit the graph has seen.
    expect([...parts.commits].map((id) => (id < 0 ? null : graph.shas[id]))).toEqual(['d', null, 'b', 'a'])
  })

  it('find the commit of each run in a graph the caller holds, its shas sent along', async () => {
    await getClient().execute('create table if not exists reader_held_runs (id integer not null, sha text not null)')
    await getClient().execute("insert into reader_held_runs values (1, 'b'), (2, 'p'), (3, 'x'), (4, 'a')")
    const runs =
      "select group_concat(concat_ws(char(31), id, 1, 0, sha, 'success', 'github', id, 'main' || char(10) || 'ci'), char(30)) from reader_held_runs where id between ? and ?"
    // 'p' is only named as a parent: no commit the graph has seen itself, as 'x', which it never heard of.
    const graph = CommitGraph.build([
      ['a', 1, ['p']],
      ['b', 2, ['a']],
    ])
    const handed: unknown[] = []
    const commits = await callBeside<Int32Array>(
      READ_RUNS_AND_FIND_COMMITS,
      [runs, [[1, 3], [4, 4]], graph.shas.join('\n'), graph.known.slice(0, graph.size)],
      async () => {
        throw new Error('not here')
      },
      (text) => handed.push(text),
    )
    expect(handed).toHaveLength(2)
    expect(String(handed[0]).split('\x1e').map((run) => run.split('\x1f')[3])).toEqual(['b', 'p', 'x'])
    expect(commits).toBeInstanceOf(Int32Array)
    expect([...commits].map((id) => (id < 0 ? null : graph.shas[id]))).toEqual(['b', null, null, 'a'])
  })

  it('hand a part of the answer back before the rest', async () => {
    await getClient().execute('create table if not exists reader_parts (body text not null)')
    await getClient().execute("insert into reader_parts (body) values ('first'), ('second')")
    const events: string[] = []
    const answer = callBeside<string>(
      HAND_THEN_ANSWER,
      ["select body from reader_parts where body = 'first'", "select body from reader_parts where body = 'second'"],
      async () => {
        throw new Error('not here')
      },
      (value) => events.push(`handed ${value}`),
    )
    events.push(`answered ${await answer}`)
    expect(events).toEqual(['handed first', 'answered second'])
  })

  it('say what went wrong in a function called there', async () => {
    await expect(callBeside(READ_RUNS_AND_GRAPH, ['select body from nowhere', [[]], '', '', []], async () => null)).rejects.toThrow(/no such table: nowhere/)
  })
})
