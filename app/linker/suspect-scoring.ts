// Ranks the commits of a red episode's range. Pure: the engine gathers the commits, the failing
// tests and the history; this says how suspect each commit is, and why, in words.
import type { SuspectReason } from '../../db/schema/linker'
import { SUSPECT_WEIGHTS, type SuspectReasonCode } from './suspect-weights'

export interface SuspectCommit {
  sha: string
  authorName: string
  authorEmail: string
  /** Null when the source gave no line counts (a push lists paths only). */
  additions: number | null
  deletions: number | null
  files: string[]
}

export interface FailingTest {
  suite: string
  classname: string | null
  name: string
  file: string | null
  message: string | null
}

export interface EarlierEpisodeTouch {
  episodeId: number
  label: string
  path: string
  accepted: boolean
}

export interface ScoreInput {
  /** The range, newest first: index 0 is the first red commit. */
  commits: SuspectCommit[]
  failingTests: FailingTest[]
  workflow: { name: string; provider: string }
  /**
   * The earlier red episode (opened before this one) in whose range this author changed this file:
   * one where that change was accepted as the cause if there is one, else the latest.
   */
  history: (authorEmail: string, path: string) => EarlierEpisodeTouch | undefined
}

export interface ScoredSuspect {
  sha: string
  score: number
  reasons: SuspectReason[]
}

const normalize = (path: string) => path.replace(/\\/g, '/').replace(/^\.?\//, '').replace(/^\/+/, '')
const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1)
const withoutExtension = (path: string) => {
  const dot = path.lastIndexOf('.')
  return dot > path.lastIndexOf('/') ? path.slice(0, dot) : path
}

/** A changed file (repository-relative) and a path from a report (maybe absolute, maybe from a CI workspace). */
export function samePath(changed: string, reported: string): boolean {
  return sameNormalizedPath(normalize(changed), normalize(reported))
}

/** samePath for two paths already normalized. */
function sameNormalizedPath(file: string, other: string): boolean {
  if (file === other) return true
  // One ends with "/" + the other: checked without building that string.
  const [longer, shorter] = file.length > other.length ? [file, other] : [other, file]
  return longer.endsWith(shorter) && longer.charCodeAt(longer.length - shorter.length - 1) === 47
}

const PATH_IN_TEXT = /(?:[A-Za-z]:)?[\w@.+-]*(?:[/\\][\w@.+-]+)+\.[A-Za-z0-9]{1,8}(?=[:)\s"',]|$)|[\w@.+-]+\.[A-Za-z0-9]{1,8}(?=:\d)/g

// Failure messages repeat (a test failing the same way run after run): their paths are found once. Bounded.
const messagePathsCache = new Map<string, string[]>()

/** Paths in a failure message: stack frames, `file.py:12`, `at src/x.ts:3:9`. */
export function pathsInText(text: string): string[] {
  let paths = messagePathsCache.get(text)
  if (!paths) {
    if (messagePathsCache.size > 10_000) messagePathsCache.clear()
    paths = findPathsInText(text)
    messagePathsCache.set(text, paths)
  }
  return paths
}

function findPathsInText(text: string): string[] {
  const found = new Set<string>()
  for (const match of text.matchAll(PATH_IN_TEXT)) {
    const path = match[0].replace(/^[A-Za-z]:/, '')
    if (/^\d+(\.\d+)+$/.test(path) || path.startsWith('node:')) continue
    found.add(normalize(path))
  }
  return [...found]
}

/** `com.example.FooTest` -> `com/example/FooTest`; null for class names that are not dotted identifiers. */
export function classnamePath(classname: string | null): string | null {
  if (!classname || !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(classname)) return null
  return classname.replace(/\./g, '/')
}

const TEST_MARKERS = [/\.(test|spec|tests|e2e)$/i, /^test_/i, /_test$/i, /_spec$/i, /Tests?$/]

/** The name of what a test file tests: `parse.test.ts`, `test_parse.py`, `ParseTest.java` -> parse. */
export function testedStem(testFile: string): string | null {
  const stem = withoutExtension(basename(normalize(testFile)))
  for (const marker of TEST_MARKERS) {
    if (marker.test(stem)) {
      const bare = stem.replace(marker, '')
      return bare.length >= 3 ? bare.toLowerCase() : null
    }
  }
  return null
}

const isTestFile = (path: string) => testedStem(path) !== null || /(^|\/)(__tests__|tests?|spec)\//.test(path)

interface PathFacts {
  path: string
  bare: string
  base: string
  stem: string
  isTest: boolean
  /** Could be CI configuration: worth asking workflowSignal. */
  ci: boolean
}

// Paths repeat across the commits of a repository: their facts are worked out once. Bounded.
const facts = new Map<string, PathFacts>()
function factsOf(raw: string): PathFacts {
  let known = facts.get(raw)
  if (!known) {
    if (facts.size > 100_000) facts.clear()
    const path = normalize(raw)
    const base = basename(path)
    known = {
      path,
      bare: withoutExtension(path),
      base,
      stem: withoutExtension(base).toLowerCase(),
      isTest: isTestFile(path),
      ci: path.startsWith('.') || /^(Jenkinsfile|azure-pipelines|bitbucket-pipelines)/.test(path),
    }
    facts.set(raw, known)
  }
  return known
}

interface TestFacts {
  /** The test's file, normalized (null without one). */
  file: string | null
  fileStem: string | null
  /** The path its class name spells (`com/example/FooTest`), null if it spells none. */
  classPath: string | null
  classStem: string | null
}

// Failing tests repeat across episodes (the same test failing run after run): their facts are worked out once. Bounded.
const testFacts = new Map<string, TestFacts>()
function factsOfTest(test: FailingTest): TestFacts {
  const key = `${test.file ?? ''}\t${test.classname ?? ''}`
  let known = testFacts.get(key)
  if (!known) {
    if (testFacts.size > 100_000) testFacts.clear()
    const classPath = classnamePath(test.classname)
    known = {
      file: test.file ? normalize(test.file) : null,
      fileStem: test.file ? testedStem(test.file) : null,
      classPath,
      classStem: classPath ? testedStem(classPath) : null,
    }
    testFacts.set(key, known)
  }
  return known
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** 1 for the failing workflow's own file, 0.5 for other CI configuration, 0 otherwise. */
export function workflowSignal(path: string, workflow: { name: string; provider: string }): number {
  const file = normalize(path)
  const githubWorkflow = /^\.github\/workflows\/([^/]+)\.ya?ml$/.exec(file)
  if (githubWorkflow) return workflow.provider === 'github' && slug(githubWorkflow[1]) === slug(workflow.name) ? 1 : 0.5
  if (file === '.gitlab-ci.yml' || file.startsWith('.gitlab/ci/')) return workflow.provider === 'gitlab' ? 1 : 0.5
  if (
    /^(Jenkinsfile|\.travis\.yml|azure-pipelines\.ya?ml|bitbucket-pipelines\.yml|\.drone\.yml)$/.test(file) ||
    file.startsWith('.circleci/') ||
    file.startsWith('.buildkite/') ||
    file.startsWith('.github/actions/')
  )
    return 0.5
  return 0
}

const SUFFIXES: Record<number, string> = { 1: 'st', 2: 'nd', 3: 'rd' }
const ordinal = (n: number) => (n % 100 >= 11 && n % 100 <= 13 ? `${n}th` : `${n}${SUFFIXES[n % 10] ?? 'th'}`)

const numbers = new Intl.NumberFormat('en-US')
const plural = (n: number, word: string) => `${n < 1000 ? n : numbers.format(n)} ${word}${n === 1 ? '' : 's'}`

const listFew = (items: string[], max = 3) =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`

const testLabel = (test: FailingTest) => `${test.classname ? `${test.classname} › ` : ''}${test.name}`

function reason(code: SuspectReasonCode, signal: number, text: string): SuspectReason {
  return { code, text, points: Math.round(SUSPECT_WEIGHTS[code] * signal * 100) / 100 }
}

/** Scores every commit of the range; returns them most suspect first (ties: newer first). */
export function scoreSuspects(input: ScoreInput): ScoredSuspect[] {
  const testFiles = new Map<string, FailingTest>()
  const classPaths = new Map<string, FailingTest>()
  const messagePaths = new Map<string, FailingTest>()
  const stems = new Map<string, string>()
  for (const test of input.failingTests) {
    const { file, fileStem, classPath, classStem } = factsOfTest(test)
    if (file !== null) {
      testFiles.set(file, test)
      if (fileStem) stems.set(fileStem, file)
    }
    if (classPath) {
      classPaths.set(classPath, test)
      if (classStem) stems.set(classStem, classPath)
    }
    if (test.message) for (const path of pathsInText(test.message)) if (!messagePaths.has(path)) messagePaths.set(path, test)
  }

  const total = input.commits.length
  const scored = input.commits.map((commit, position) => {
    const reasons: SuspectReason[] = []
    const fileFacts = commit.files.map(factsOf)
    const files = fileFacts.map((file) => file.path)

    const inTests: Array<[string, FailingTest]> = []
    for (const { path: file, bare } of fileFacts) {
      for (const [path, test] of testFiles) if (sameNormalizedPath(file, path)) inTests.push([file, test])
      for (const [path, test] of classPaths) if (bare === path || bare.endsWith(`/${path}`)) inTests.push([file, test])
    }
    if (inTests.length > 0) {
      const names = [...new Set(inTests.map(([, test]) => testLabel(test)))]
      reasons.push(
        reason(
          'failingTestFile',
          1,
          `Changes ${listFew([...new Set(inTests.map(([file]) => file))])}, where failing test${names.length === 1 ? '' : 's'} ${listFew(names, 2)} ${names.length === 1 ? 'lives' : 'live'}`,
        ),
      )
    }
    const matchedByTests = new Set(inTests.map(([file]) => file))

    const inMessages: string[] = []
    for (const { path: file, base } of fileFacts) {
      if (matchedByTests.has(file)) continue
      for (const path of messagePaths.keys()) {
        if (sameNormalizedPath(file, path) || (!path.includes('/') && base === path)) {
          inMessages.push(file)
          break
        }
      }
    }
    if (inMessages.length > 0) reasons.push(reason('failureMessagePath', 1, `Changes ${listFew(inMessages)}, named in a failure message`))

    const covered: string[] = []
    for (const { path: file, stem, isTest } of stems.size ? fileFacts : []) {
      if (isTest || matchedByTests.has(file) || inMessages.includes(file)) continue
      const testFile = stems.get(stem)
      if (testFile) covered.push(`${file} (tested by ${basename(testFile)})`)
    }
    if (covered.length > 0) reasons.push(reason('testedSourceFile', 1, `Changes ${listFew(covered, 2)}, which a failing test covers`))

    let workflow = 0
    const ciFiles: string[] = []
    for (const { path: file, ci } of fileFacts) {
      if (!ci) continue
      const signal = workflowSignal(file, input.workflow)
      if (signal > 0) ciFiles.push(file)
      workflow = Math.max(workflow, signal)
    }
    if (workflow === 1) reasons.push(reason('workflowFile', 1, `Changes ${listFew(ciFiles)}, the failing workflow's own file`))
    else if (workflow > 0) reasons.push(reason('workflowFile', workflow, `Changes CI configuration (${listFew(ciFiles)})`))

    const relevant: EarlierEpisodeTouch[] = []
    for (const file of new Set(files)) {
      const touch = input.history(commit.authorEmail.toLowerCase(), file)
      if (touch) relevant.push(touch)
    }
    if (relevant.length > 0) {
      const accepted = relevant.find((touch) => touch.accepted)
      const pick = accepted ?? relevant[0]
      const sameFiles = [...new Set(relevant.map((touch) => touch.path))]
      reasons.push(
        reason(
          'authorHistory',
          accepted ? 1 : 0.5,
          `Same author (${commit.authorName}) changed ${listFew(sameFiles, 2)} in earlier red episode #${pick.episodeId} (${pick.label})${accepted ? ', where that change was accepted as the cause' : ''}`,
        ),
      )
    }

    const lines = commit.additions === null && commit.deletions === null ? null : (commit.additions ?? 0) + (commit.deletions ?? 0)
    const size = lines === null ? Math.min(1, Math.log10(1 + files.length) / 1.5) : Math.min(1, Math.log10(1 + lines) / 3)
    const sizeWords =
      lines === null ? `Changes ${plural(files.length, 'file')} (line counts unknown)` : `Changes ${plural(lines, 'line')} in ${plural(files.length, 'file')}`
    reasons.push(reason('changeSize', size, lines !== null && lines >= 500 ? `Large change: ${sizeWords.slice(8)}` : sizeWords))

    const signal = total <= 1 ? 1 : 1 - position / (total - 1)
    reasons.push(
      reason(
        'position',
        signal,
        position === 0 ? 'The first red commit itself' : `${ordinal(position + 1)} newest of ${plural(total, 'commit')} in the range`,
      ),
    )

    const score = Math.round(reasons.reduce((sum, item) => sum + item.points, 0) * 100) / 100
    return { sha: commit.sha, score, reasons, position }
  })

  scored.sort((a, b) => b.score - a.score || a.position - b.position)
  return scored.map(({ sha, score, reasons }) => ({ sha, score, reasons }))
}
