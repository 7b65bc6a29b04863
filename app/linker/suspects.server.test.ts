// What scoring reads from the database: through the real queries, on the test database.
import { describe, expect, it } from 'vitest'
import { getClient, getDb } from '../db.server'
import type { BesideReader } from '../db-reader.server'
import { addCommits, addRun, addTestResults, chain, createRepository, sha } from '../../tests/helpers/linker'
import { tuplesOn } from './sql.server'
import { loadSuspectInputs, readAheadBeside, scoreBeside, type ScoreRequest } from './suspects.server'

/** Reads as the reader thread would, on the test database's connection. */
const here: BesideReader = {
  readText: async (query, args) => {
    const value = (await getClient().execute({ sql: query, args })).rows[0]?.[0]
    return value === null || value === undefined ? null : String(value)
  },
  hand: () => {},
}

describe('suspect inputs', () => {
  it("read each first red run's failing tests, its first 200 in the order reported and none that passed", async () => {
    const repo = await createRepository()
    await addCommits(repo, chain('f', 2))
    const noisy = await addRun(repo, { commit: 'f1', conclusion: 'failure' })
    const quiet = await addRun(repo, { commit: 'f2', conclusion: 'failure' })
    await addTestResults(
      noisy,
      Array.from({ length: 300 }, (_, index) => ({ name: `case ${index}`, status: index % 5 === 4 ? ('passed' as const) : ('failed' as const) })),
    )
    await addTestResults(quiet, [
      { name: 'parses', status: 'error', file: 'tests/parse.test.ts', message: 'at src/parse.ts:3:1' },
      { name: 'lexes', status: 'passed' },
    ])
    const inputs = await loadSuspectInputs(tuplesOn(getDb()), repo, [sha('f1'), sha('f2')], [noisy, quiet, noisy], new Set())
    const names = inputs.failing.get(noisy)!.map((test) => test.name)
    expect(names).toHaveLength(200)
    expect(names.slice(0, 5)).toEqual(['case 0', 'case 1', 'case 2', 'case 3', 'case 5'])
    expect(names.at(-1)).toBe('case 248')
    expect(inputs.failing.get(quiet)).toEqual([{ suite: 'suite', classname: null, name: 'parses', file: 'tests/parse.test.ts', message: 'at src/parse.ts:3:1' }])
    expect(inputs.commits.get(sha('f2'))).toMatchObject({ sha: sha('f2') })
  })

  it('score from what was read ahead plus what was missing, as from a read of everything', async () => {
    const repo = await createRepository()
    await addCommits(repo, [
      { label: 'g1', files: ['src/parse.ts'] },
      { label: 'g2', parents: ['g1'], files: ['src/lex.ts'], author: 'Grace Hopper' },
      { label: 'g3', parents: ['g2'], files: ['src/emit.ts'] },
    ])
    const first = await addRun(repo, { commit: 'g2', conclusion: 'failure' })
    const second = await addRun(repo, { commit: 'g3', conclusion: 'failure' })
    await addTestResults(first, [{ name: 'lexes', status: 'failed', file: 'tests/lex.test.ts', message: 'at src/lex.ts:3:1' }])
    await addTestResults(second, [{ name: 'emits', status: 'failed', file: 'tests/emit.test.ts', message: 'at src/emit.ts:9:2' }])
    const request = (readAhead?: string): ScoreRequest => ({
      repositoryId: repo,
      episodes: [
        { id: 1, openedAt: 1, firstRedRunId: first, name: 'ci', branch: 'main', provider: 'github', range: [sha('g2'), sha('g1')] },
        { id: 2, openedAt: 2, firstRedRunId: second, name: 'ci', branch: 'main', provider: 'github', range: [sha('g3')] },
      ],
      runIds: [first, second],
      rewritten: [],
      ranged: [1, 2],
      storedHistory: false,
      readAhead,
    })
    const everything = (await scoreBeside(here, request())).value
    expect(everything.join()).toContain('src/emit.ts')
    // Read ahead: the first episode's commits and run only; the second's are read when scoring.
    await readAheadBeside(here, 'token', repo, [sha('g2'), sha('g1')], [first])
    expect((await scoreBeside(here, request('token'))).value).toEqual(everything)
    // Taken once: a second scoring under the token reads everything itself.
    expect((await scoreBeside(here, request('token'))).value).toEqual(everything)
  })
})
