// What scoring reads from the database: through the real queries, on the test database.
import { describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { addCommits, addRun, addTestResults, chain, createRepository, sha } from '../../tests/helpers/linker'
import { tuplesOn } from './sql.server'
import { loadSuspectInputs } from './suspects.server'

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
})
