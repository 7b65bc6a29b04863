// Reads JUnit XML as it streams in: testsuites > testsuite > testcase, as Jest (jest-junit), pytest
// (--junitxml), Maven Surefire (TEST-*.xml) and gotestsum (--junitfile) write it. A SAX parser sees
// one chunk at a time and the test cases come out in batches, so neither the body nor the whole
// report is ever held in memory; only a failure's message is gathered, up to a cap.
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import type { TestStatus } from '../../db/schema'

export interface TestCaseResult {
  suite: string
  classname: string | null
  name: string
  /** The test's file as the report names it, or as derived from the class name (see `fileFor`). */
  file: string | null
  durationMs: number | null
  status: TestStatus
  /** The failure's (or error's, or skip's) message attribute and text, trimmed to MAX_MESSAGE_CHARS. */
  failureMessage: string | null
}

/** Reports are refused past this many bytes (counted as they stream in). */
export const MAX_REPORT_BYTES = 50 * 1024 * 1024
/** A failure message longer than this is cut: the start says what failed, and stack traces run long. */
export const MAX_MESSAGE_CHARS = 4000
const BATCH_CASES = 500

export class JUnitSyntaxError extends Error {
  name = 'JUnitSyntaxError'
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`Malformed XML at line ${line}, column ${column}: ${reason}`)
  }
}

/** Well-formed XML that is not a JUnit report. */
export class JUnitFormatError extends Error {
  name = 'JUnitFormatError'
}

export class ReportTooLargeError extends Error {
  name = 'ReportTooLargeError'
  constructor(readonly limit: number) {
    super(`The report is over the limit of ${limit} bytes.`)
  }
}

type Dialect = 'pytest' | 'surefire' | 'other'

interface SuiteContext {
  name: string | null
  file: string | null
  dialect: Dialect
}

interface CaseInProgress extends TestCaseResult {
  /** Text of the failure, error or skip element being read, gathered up to the cap. */
  text: string | null
}

const FAILING_ELEMENTS: Record<string, TestStatus> = { failure: 'failed', error: 'error', skipped: 'skipped' }

function seconds(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null
  // Surefire has written thousands separators ("1,234.5") under some locales.
  const parsed = Number(value.replace(/,/g, ''))
  return Number.isFinite(parsed) && parsed >= 0 ? Math.round(parsed * 1000) : null
}

function nonEmpty(value: string | undefined): string | null {
  const trimmed = value?.trim()
  return trimmed ? trimmed : null
}

function dialectOf(tag: SaxesTagPlain, parent: SuiteContext | undefined): Dialect {
  const schema = tag.attributes['xsi:noNamespaceSchemaLocation'] ?? ''
  if (/surefire/i.test(schema)) return 'surefire'
  // pytest names its suite "pytest" unless junit_suite_name says otherwise, and records the host.
  if (tag.attributes.name === 'pytest') return 'pytest'
  return parent?.dialect ?? 'other'
}

/**
 * Where a test lives, when the report does not say (a `file` attribute wins: jest-junit with
 * addFileAttribute, pytest's xunit1 family):
 * - pytest: the class name is the module's dotted path, then any test classes (CapWords, by
 *   Python convention): `tests.api.test_users.TestLogin` -> `tests/api/test_users.py`.
 * - Surefire: the class name is the Java class: `com.acme.CartTest$Nested` ->
 *   `com/acme/CartTest.java`, relative to the test source root, which the report does not name
 *   (`src/test/java` in Maven's layout); match it as a path suffix.
 * - Jest without addFileAttribute and gotestsum name no file: null.
 */
export function fileFor(dialect: Dialect, classname: string | null): string | null {
  if (!classname) return null
  if (dialect === 'pytest') {
    const parts = classname.split('.')
    while (parts.length > 1 && /^[A-Z]/.test(parts[parts.length - 1])) parts.pop()
    return parts.every((part) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) ? `${parts.join('/')}.py` : null
  }
  if (dialect === 'surefire') {
    const outer = classname.split('$')[0]
    return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(outer) ? `${outer.replace(/\./g, '/')}.java` : null
  }
  return null
}

function composeMessage(attribute: string | null, text: string | null): string | null {
  const body = text?.trim() || null
  let message: string | null
  if (attribute && body) message = body.includes(attribute) ? body : `${attribute}\n\n${body}`
  else message = attribute ?? body
  if (message && message.length > MAX_MESSAGE_CHARS) message = `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`
  return message
}

/**
 * The chunks of a body. Stopping early releases a request body without cancelling it: cancelling
 * would destroy the socket under the error response; the server reads and drops what is left.
 */
async function* chunksOf(body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (!('getReader' in body)) {
    yield* body
    return
  }
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * Parses a JUnit report from a stream of bytes. Test cases are handed to `onBatch` in batches as
 * they are read (it is awaited before more input is read). Throws JUnitSyntaxError with the line
 * and column of the first error, JUnitFormatError for XML that is not JUnit, and
 * ReportTooLargeError once more than `maxBytes` have arrived.
 */
export async function parseJUnitStream(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  onBatch: (cases: TestCaseResult[]) => Promise<void>,
  { maxBytes = MAX_REPORT_BYTES }: { maxBytes?: number } = {},
): Promise<{ cases: number; bytes: number }> {
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true })
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let syntaxError: JUnitSyntaxError | null = null
  let formatError: JUnitFormatError | null = null
  parser.on('error', (error) => {
    // saxes prefixes "line:column: "; the position is reported on its own.
    syntaxError ??= new JUnitSyntaxError(error.message.replace(/^\d+:\d+: /, ''), parser.line, parser.column)
  })

  const suites: SuiteContext[] = []
  let testsuitesName: string | null = null
  let current: CaseInProgress | null = null
  let gathering: { status: TestStatus; message: string | null } | null = null
  let sawRoot = false
  let pending: TestCaseResult[] = []
  let total = 0

  parser.on('opentag', (tag) => {
    if (!sawRoot) {
      sawRoot = true
      if (tag.name !== 'testsuites' && tag.name !== 'testsuite') {
        formatError ??= new JUnitFormatError(`This is not a JUnit report: it starts with <${tag.name}>, not <testsuites> or <testsuite>.`)
      }
    }
    switch (tag.name) {
      case 'testsuites':
        if (suites.length === 0) testsuitesName = nonEmpty(tag.attributes.name)
        return
      case 'testsuite': {
        const parent = suites[suites.length - 1]
        suites.push({
          name: nonEmpty(tag.attributes.name) ?? parent?.name ?? null,
          file: nonEmpty(tag.attributes.file) ?? parent?.file ?? null,
          dialect: dialectOf(tag, parent),
        })
        return
      }
      case 'property': {
        // Surefire before 2.22 names no schema, but lists the JVM's properties first.
        const suite = suites[suites.length - 1]
        if (suite && suite.dialect === 'other' && tag.attributes.name === 'java.version') suite.dialect = 'surefire'
        return
      }
      case 'testcase': {
        const suite = suites[suites.length - 1]
        const classname = nonEmpty(tag.attributes.classname)
        current = {
          suite: suite?.name ?? testsuitesName ?? classname ?? '(no suite)',
          classname,
          name: nonEmpty(tag.attributes.name) ?? '(unnamed)',
          file: nonEmpty(tag.attributes.file) ?? fileFor(suite?.dialect ?? 'other', classname) ?? suite?.file ?? null,
          durationMs: seconds(tag.attributes.time),
          status: 'passed',
          failureMessage: null,
          text: null,
        }
        return
      }
      default: {
        // Surefire's flakyFailure / rerunFailure describe reruns; the outcome is the case's own
        // failure or error element (none: it passed in the end).
        const status = FAILING_ELEMENTS[tag.name]
        if (!current || !status) return
        // The first failure or error decides (pytest may add a teardown error to a failed test);
        // either overrides a skip.
        if (current.status === 'passed' || (current.status === 'skipped' && status !== 'skipped')) {
          current.status = status
          gathering = { status, message: nonEmpty(tag.attributes.message) }
          current.text = ''
        }
      }
    }
  })

  const gatherText = (text: string) => {
    if (!gathering || !current || current.text === null) return
    if (current.text.length < MAX_MESSAGE_CHARS + 1) current.text += text.slice(0, MAX_MESSAGE_CHARS + 1 - current.text.length)
  }
  parser.on('text', gatherText)
  parser.on('cdata', gatherText)

  parser.on('closetag', (tag) => {
    if (tag.name === 'testsuite') {
      suites.pop()
    } else if (tag.name === 'testcase' && current) {
      const { text: _text, ...result } = current
      pending.push(result)
      current = null
      gathering = null
    } else if (gathering && current && FAILING_ELEMENTS[tag.name]) {
      current.failureMessage = composeMessage(gathering.message, current.text)
      current.text = null
      gathering = null
    }
  })

  const check = () => {
    if (syntaxError) throw syntaxError
    if (formatError) throw formatError
  }
  const flush = async () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    total += batch.length
    await onBatch(batch)
  }

  let bytes = 0
  const feed = (text: string) => {
    parser.write(text)
    check()
  }
  try {
    for await (const chunk of chunksOf(body)) {
      bytes += chunk.byteLength
      if (bytes > maxBytes) throw new ReportTooLargeError(maxBytes)
      feed(decoder.decode(chunk, { stream: true }))
      if (pending.length >= BATCH_CASES) await flush()
    }
    feed(decoder.decode())
  } catch (error) {
    if (error instanceof TypeError && /encoded data was not valid/i.test(error.message)) {
      throw new JUnitSyntaxError('the body is not valid UTF-8', parser.line, parser.column)
    }
    throw error
  }
  parser.close()
  check()
  if (!sawRoot) throw new JUnitSyntaxError('the document is empty', parser.line, parser.column)
  await flush()
  return { cases: total, bytes }
}
