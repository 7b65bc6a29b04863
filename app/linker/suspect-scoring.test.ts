import { describe, expect, it } from 'vitest'
import { classnamePath, pathsInText, samePath, scoreSuspects, testedStem, workflowSignal, type ScoreInput, type SuspectCommit } from './suspect-scoring'
import { SUSPECT_WEIGHTS } from './suspect-weights'

const commit = (sha: string, files: string[], lines = 20, author = 'dev@example.com'): SuspectCommit => ({
  sha,
  authorName: author.split('@')[0],
  authorEmail: author,
  additions: lines,
  deletions: 0,
  files,
})

const input = (commits: SuspectCommit[], overrides: Partial<ScoreInput> = {}): ScoreInput => ({
  commits,
  failingTests: [],
  workflow: { name: 'CI', provider: 'github' },
  history: () => undefined,
  ...overrides,
})

const codes = (reasons: Array<{ code: string }>) => reasons.map((reason) => reason.code)

describe('suspect weights', () => {
  it('live in one place, all positive, with the evidence from failing tests above everything circumstantial', () => {
    for (const weight of Object.values(SUSPECT_WEIGHTS)) expect(weight).toBeGreaterThan(0)
    const circumstantial = SUSPECT_WEIGHTS.changeSize + SUSPECT_WEIGHTS.position
    // Touching the failing test's own file beats the biggest change that is also the first red commit.
    expect(SUSPECT_WEIGHTS.failingTestFile).toBeGreaterThan(circumstantial)
    expect(SUSPECT_WEIGHTS.failureMessagePath).toBeGreaterThan(circumstantial)
    // A file named by the tests outweighs history about the author.
    expect(SUSPECT_WEIGHTS.testedSourceFile).toBeGreaterThan(SUSPECT_WEIGHTS.authorHistory)
    expect(SUSPECT_WEIGHTS.failingTestFile).toBeGreaterThan(SUSPECT_WEIGHTS.failureMessagePath)
  })

  it('scores a suspect as the sum of its reasons, each its weight times a signal', () => {
    const [only] = scoreSuspects(input([commit('a1', ['src/a.ts'], 999)]))
    expect(only.score).toBeCloseTo(only.reasons.reduce((sum, reason) => sum + reason.points, 0), 5)
    const size = only.reasons.find((reason) => reason.code === 'changeSize')!
    expect(size.points).toBeCloseTo(SUSPECT_WEIGHTS.changeSize, 1)
    expect(only.reasons.find((reason) => reason.code === 'position')!.points).toBe(SUSPECT_WEIGHTS.position)
  })

  it('ranks the commit that touches the failing test above a huge unrelated one at the red end', () => {
    const scored = scoreSuspects(
      input([commit('huge', ['src/unrelated.ts'], 5000), commit('small', ['tests/parse.test.ts'], 3)], {
        failingTests: [{ suite: 'parse', classname: null, name: 'parses empty input', file: 'tests/parse.test.ts', message: null }],
      }),
    )
    expect(scored.map((suspect) => suspect.sha)).toEqual(['small', 'huge'])
    expect(scored[0].reasons[0].text).toBe('Changes tests/parse.test.ts, where failing test parses empty input lives')
  })
})

describe('reasons a person checks at a glance', () => {
  it('names files in failure messages, files a failing test covers, the workflow file, author history and position', () => {
    const scored = scoreSuspects(
      input(
        [
          commit('c-ci', ['.github/workflows/ci.yml']),
          commit('c-msg', ['src/lexer.ts']),
          commit('c-src', ['src/parse.ts'], 40, 'grace@example.com'),
          commit('c-docs', ['docs/readme.md']),
        ],
        {
          failingTests: [
            {
              suite: 'parse',
              classname: null,
              name: 'parses',
              file: 'tests/parse.test.ts',
              message: 'TypeError: x is undefined\n    at lex (/home/runner/work/app/app/src/lexer.ts:10:3)',
            },
          ],
          history: (author, path) =>
            author === 'grace@example.com' && path === 'src/parse.ts' ? { episodeId: 7, label: 'CI on main', path, accepted: true } : undefined,
        },
      ),
    )
    const by = Object.fromEntries(scored.map((suspect) => [suspect.sha, suspect]))
    expect(codes(by['c-msg'].reasons)).toContain('failureMessagePath')
    expect(by['c-msg'].reasons.find((reason) => reason.code === 'failureMessagePath')!.text).toBe('Changes src/lexer.ts, named in a failure message')
    expect(codes(by['c-src'].reasons)).toEqual(expect.arrayContaining(['testedSourceFile', 'authorHistory']))
    expect(by['c-src'].reasons.find((reason) => reason.code === 'authorHistory')!.text).toBe(
      'Same author (grace) changed src/parse.ts in earlier red episode #7 (CI on main), where that change was accepted as the cause',
    )
    expect(by['c-ci'].reasons.find((reason) => reason.code === 'workflowFile')!.text).toBe("Changes .github/workflows/ci.yml, the failing workflow's own file")
    expect(by['c-ci'].reasons.find((reason) => reason.code === 'position')!.text).toBe('The first red commit itself')
    expect(by['c-docs'].reasons.find((reason) => reason.code === 'position')!.text).toBe('4th newest of 4 commits in the range')
    expect(scored[scored.length - 1].sha).toBe('c-docs')
  })

  it('treats another workflow’s file as CI configuration at half weight, and says when line counts are unknown', () => {
    const [suspect] = scoreSuspects(input([{ ...commit('x', ['.github/workflows/release.yml']), additions: null, deletions: null }]))
    const workflow = suspect.reasons.find((reason) => reason.code === 'workflowFile')!
    expect(workflow.points).toBe(SUSPECT_WEIGHTS.workflowFile / 2)
    expect(workflow.text).toBe('Changes CI configuration (.github/workflows/release.yml)')
    expect(suspect.reasons.find((reason) => reason.code === 'changeSize')!.text).toBe('Changes 1 file (line counts unknown)')
  })

  it('half credit for author history when the earlier change was not accepted as the cause', () => {
    const [suspect] = scoreSuspects(
      input([commit('h', ['src/a.ts'], 10, 'ada@example.com')], {
        history: (author, path) => (author === 'ada@example.com' && path === 'src/a.ts' ? { episodeId: 3, label: 'build on main', path, accepted: false } : undefined),
      }),
    )
    expect(suspect.reasons.find((reason) => reason.code === 'authorHistory')!.points).toBe(SUSPECT_WEIGHTS.authorHistory / 2)
  })
})

describe('path helpers', () => {
  it('finds paths in failure messages', () => {
    expect(pathsInText('Error\n    at parse (src/parse.ts:12:7)\n    at node:internal/process:1:1')).toEqual(['src/parse.ts'])
    expect(pathsInText('File "/builds/app/tests/test_api.py", line 40, in test_get')).toEqual(['builds/app/tests/test_api.py'])
    expect(pathsInText('expected 1.2.3 to equal 1.2.4 in util.go:17')).toEqual(['util.go'])
  })

  it('matches a changed file against reported paths from a CI workspace', () => {
    expect(samePath('src/parse.ts', '/home/runner/work/app/app/src/parse.ts')).toBe(true)
    expect(samePath('src/parse.ts', 'lib/src/parse.ts.map')).toBe(false)
    expect(samePath('./src/a.ts', 'src/a.ts')).toBe(true)
  })

  it('turns class names into paths and test files into what they test', () => {
    expect(classnamePath('com.example.ParserTest')).toBe('com/example/ParserTest')
    expect(classnamePath('parses empty input')).toBeNull()
    expect(testedStem('tests/parse.test.ts')).toBe('parse')
    expect(testedStem('tests/test_parse.py')).toBe('parse')
    expect(testedStem('pkg/parse_test.go')).toBe('parse')
    expect(testedStem('src/ParserTest.java')).toBe('parser')
    expect(testedStem('src/parse.ts')).toBeNull()
  })

  it('knows the failing workflow’s own file by provider and name', () => {
    expect(workflowSignal('.github/workflows/ci.yml', { name: 'CI', provider: 'github' })).toBe(1)
    expect(workflowSignal('.github/workflows/build-and-test.yaml', { name: 'Build and test', provider: 'github' })).toBe(1)
    expect(workflowSignal('.gitlab-ci.yml', { name: 'pipeline', provider: 'gitlab' })).toBe(1)
    expect(workflowSignal('Jenkinsfile', { name: 'CI', provider: 'jenkins' })).toBe(0.5)
    expect(workflowSignal('src/ci.ts', { name: 'CI', provider: 'github' })).toBe(0)
  })
})
