import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileFor, JUnitFormatError, JUnitSyntaxError, parseJUnitStream, ReportTooLargeError, MAX_MESSAGE_CHARS, type TestCaseResult } from './junit.server'

const FIXTURES = path.resolve('tests/fixtures/junit')

/** The bytes in chunks of `size`, as a request body would arrive. */
async function* chunked(bytes: Uint8Array, size: number) {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size)
}

async function parse(source: string | Uint8Array, { chunkSize = 64 * 1024, maxBytes }: { chunkSize?: number; maxBytes?: number } = {}) {
  const bytes = typeof source === 'string' ? new TextEncoder().encode(source) : source
  const cases: TestCaseResult[] = []
  let batches = 0
  const result = await parseJUnitStream(
    chunked(bytes, chunkSize),
    async (batch) => {
      batches++
      cases.push(...batch)
    },
    { maxBytes },
  )
  return { cases, batches, count: result.cases, bytes: result.bytes }
}

const fixture = (name: string) => readFileSync(path.join(FIXTURES, name))
const byName = (cases: TestCaseResult[], name: string) => {
  const found = cases.find((testCase) => testCase.name === name)
  if (!found) throw new Error(`no case named ${name}`)
  return found
}

describe('parseJUnitStream on real reporters', () => {
  it('reads jest-junit: suites by describe title, file attribute, failures with stack, skips, a suite that failed to run', async () => {
    const { cases } = await parse(fixture('jest-junit.xml'))
    expect(cases).toHaveLength(6)
    expect(byName(cases, 'cart adds an item')).toEqual({
      suite: 'cart',
      classname: 'cart adds an item',
      name: 'cart adds an item',
      file: 'src/cart/cart.test.ts',
      durationMs: 4,
      status: 'passed',
      failureMessage: null,
    })
    const failed = byName(cases, 'cart totals › applies the discount code')
    expect(failed.status).toBe('failed')
    expect(failed.failureMessage).toMatch(/^Error: expect\(received\)\.toBe\(expected\)/)
    expect(failed.failureMessage).toContain('at new Promise (<anonymous>)')
    expect(byName(cases, 'cart checkout sends the order')).toMatchObject({ status: 'skipped', durationMs: 0, failureMessage: null })
    expect(byName(cases, 'price formatting — ünïcode € formats euros')).toMatchObject({
      suite: 'price formatting — ünïcode €',
      status: 'failed',
      file: 'src/format/price.test.ts',
    })
    expect(byName(cases, 'src/api/client.test.ts')).toMatchObject({
      classname: 'Test suite failed to run',
      status: 'error',
      file: 'src/api/client.test.ts',
    })
    expect(byName(cases, 'src/api/client.test.ts').failureMessage).toContain("Cannot find module './transport'")
  })

  it('reads pytest --junitxml: files from the module path, failure and setup error messages, skips and xfails', async () => {
    const { cases } = await parse(fixture('pytest.xml'))
    expect(cases.map((testCase) => [testCase.name, testCase.status])).toEqual([
      ['test_total', 'passed'],
      ['test_percent[10-90]', 'failed'],
      ['test_percent[0-100]', 'passed'],
      ['test_create_order', 'error'],
      ['test_refund', 'skipped'],
      ['test_currency_rounding', 'skipped'],
    ])
    expect(cases.every((testCase) => testCase.suite === 'pytest')).toBe(true)
    expect(byName(cases, 'test_total').file).toBe('tests/test_pricing.py')
    const failed = byName(cases, 'test_percent[10-90]')
    expect(failed).toMatchObject({ classname: 'tests.test_pricing.TestDiscount', file: 'tests/test_pricing.py', durationMs: 2 })
    expect(failed.failureMessage).toMatch(/^assert 100 == 90\n \+ {2}where 100 = apply\(Cart\(items=\[\.\.\.\]\), 'SAVE10'\)\n\nself = <tests\.test_pricing/)
    expect(failed.failureMessage).toContain('tests/test_pricing.py:31: AssertionError')
    const setupError = byName(cases, 'test_create_order')
    expect(setupError.file).toBe('tests/api/test_orders.py')
    expect(setupError.failureMessage).toMatch(/^failed on setup with "ConnectionRefusedError: \[Errno 111\] Connection refused"\n\n@pytest\.fixture/)
    // The text already says what the message attribute says: kept once.
    expect(byName(cases, 'test_refund').failureMessage).toBe('/home/ci/shop/tests/api/test_orders.py:40: refunds need the payment sandbox')
    expect(byName(cases, 'test_currency_rounding').failureMessage).toBe("banker's rounding, see #212")
  })

  it('reads a Maven Surefire TEST-*.xml: Java files from class names, CDATA stack traces, a flaky test that passed', async () => {
    const { cases } = await parse(fixture('TEST-com.acme.shop.CartTest.xml'))
    expect(cases.map((testCase) => [testCase.name, testCase.status])).toEqual([
      ['addsAnItem', 'passed'],
      ['appliesDiscount', 'failed'],
      ['loadsPrices', 'error'],
      ['checksOut', 'skipped'],
      ['retriesTheLookup', 'passed'],
    ])
    expect(cases.every((testCase) => testCase.suite === 'com.acme.shop.CartTest')).toBe(true)
    expect(byName(cases, 'addsAnItem')).toMatchObject({ file: 'com/acme/shop/CartTest.java', durationMs: 12 })
    expect(byName(cases, 'retriesTheLookup')).toMatchObject({ classname: 'com.acme.shop.CartTest$Lookup', file: 'com/acme/shop/CartTest.java', failureMessage: null })
    const failed = byName(cases, 'appliesDiscount')
    // The message attribute repeats in the trace's first line: stored once.
    expect(failed.failureMessage).toMatch(/^org\.opentest4j\.AssertionFailedError: expected: <90> but was: <100>\n\tat org\.junit/)
    expect(failed.failureMessage).not.toContain('applying SAVE10')
    expect(byName(cases, 'loadsPrices').failureMessage).toMatch(/^java\.net\.ConnectException: Connection refused/)
    expect(byName(cases, 'checksOut').failureMessage).toBe('checkout is behind a feature flag')
  })

  it('reads gotestsum --junitfile: packages as suites, subtests, output as the message, no file', async () => {
    const { cases } = await parse(fixture('gotestsum.xml'))
    expect(cases.map((testCase) => [testCase.suite, testCase.name, testCase.status])).toEqual([
      ['github.com/acme/shop/internal/cart', 'TestAdd', 'passed'],
      ['github.com/acme/shop/internal/cart', 'TestTotal/with_discount', 'failed'],
      ['github.com/acme/shop/internal/cart', 'TestTotal', 'failed'],
      ['github.com/acme/shop/internal/cart', 'TestCheckout', 'skipped'],
      ['github.com/acme/shop/internal/price', 'TestFormat', 'passed'],
    ])
    expect(cases.every((testCase) => testCase.file === null)).toBe(true)
    expect(byName(cases, 'TestTotal/with_discount')).toMatchObject({
      durationMs: 10,
      failureMessage: 'Failed\n\n=== RUN   TestTotal/with_discount\n    cart_test.go:42: total = 100, want 90\n--- FAIL: TestTotal/with_discount (0.01s)',
    })
    expect(byName(cases, 'TestCheckout').failureMessage).toContain('cart_test.go:61: needs the payment sandbox')
  })

  it('gives the same results however the body is cut into chunks, multi-byte characters split included', async () => {
    const bytes = fixture('jest-junit.xml')
    const whole = await parse(bytes)
    for (const size of [1, 3, 7, 4096]) {
      const { cases } = await parse(bytes, { chunkSize: size })
      expect(cases, `chunks of ${size}`).toEqual(whole.cases)
    }
  })

  it('hands results over in batches as it reads, not all at the end', async () => {
    const many = Array.from({ length: 1200 }, (_, i) => `<testcase classname="big" name="case ${i}" time="0.001"/>`).join('')
    const { cases, batches } = await parse(`<testsuites><testsuite name="big">${many}</testsuite></testsuites>`, { chunkSize: 4096 })
    expect(cases).toHaveLength(1200)
    expect(batches).toBeGreaterThan(2)
  })
})

describe('parseJUnitStream on bad input', () => {
  it('says where malformed XML breaks: line and column', async () => {
    const error = await parse(fixture('malformed.xml')).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(JUnitSyntaxError)
    const syntax = error as JUnitSyntaxError
    expect(syntax.line).toBe(8)
    expect(syntax.column).toBeGreaterThan(0)
    expect(syntax.message).toMatch(/^Malformed XML at line 8, column \d+: unexpected close tag/)
  })

  it('refuses text that is not XML, an empty body, and invalid UTF-8', async () => {
    await expect(parse('{"tests": []}')).rejects.toThrow(/Malformed XML at line 1, column 1/)
    await expect(parse('')).rejects.toBeInstanceOf(JUnitSyntaxError)
    await expect(parse(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]))).rejects.toThrow(/not valid UTF-8/)
  })

  it('refuses well-formed XML that is not a JUnit report', async () => {
    await expect(parse('<?xml version="1.0"?><project><build/></project>')).rejects.toBeInstanceOf(JUnitFormatError)
  })

  it('stops reading past the byte limit', async () => {
    const big = `<testsuites><testsuite name="s">${'<testcase classname="c" name="n"/>'.repeat(200)}</testsuite></testsuites>`
    await expect(parse(big, { maxBytes: 1000, chunkSize: 256 })).rejects.toBeInstanceOf(ReportTooLargeError)
    await expect(parse(big, { maxBytes: big.length })).resolves.toMatchObject({ count: 200 })
  })

  it('does not expand entities from a DTD (no billion laughs, no external files)', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><testsuites><testsuite name="s"><testcase name="&lol2;"/></testsuite></testsuites>`
    await expect(parse(xml)).rejects.toBeInstanceOf(JUnitSyntaxError)
  })
})

describe('test case details', () => {
  it('caps a long failure message and reads times with thousands separators', async () => {
    const trace = 'at frame\n'.repeat(5000)
    const { cases } = await parse(
      `<testsuite name="s"><testcase classname="c" name="slow" time="1,204.5"><failure message="boom">${trace}</failure></testcase></testsuite>`,
    )
    expect(cases[0].durationMs).toBe(1_204_500)
    expect(cases[0].failureMessage!.length).toBe(MAX_MESSAGE_CHARS)
    expect(cases[0].failureMessage!.startsWith('boom\n\nat frame')).toBe(true)
    expect(cases[0].failureMessage!.endsWith('…')).toBe(true)
  })

  it('keeps the first failure when pytest adds a teardown error, and a failure overrides a skip', async () => {
    const { cases } = await parse(
      '<testsuite name="pytest"><testcase classname="tests.test_a" name="t1"><failure message="first"/><error message="teardown"/></testcase>' +
        '<testcase classname="tests.test_a" name="t2"><skipped message="s"/><error message="e"/></testcase></testsuite>',
    )
    expect(cases.map((testCase) => [testCase.status, testCase.failureMessage])).toEqual([
      ['failed', 'first'],
      ['error', 'e'],
    ])
  })

  it('derives files only where the class name says where the test lives', () => {
    expect(fileFor('pytest', 'tests.unit.test_cart.TestTotals.TestNested')).toBe('tests/unit/test_cart.py')
    expect(fileFor('pytest', 'test_top')).toBe('test_top.py')
    expect(fileFor('pytest', 'weird name')).toBeNull()
    expect(fileFor('surefire', 'org.example.FooIT$Inner')).toBe('org/example/FooIT.java')
    expect(fileFor('other', 'github.com/acme/shop/internal/cart')).toBeNull()
    expect(fileFor('pytest', null)).toBeNull()
  })
})
