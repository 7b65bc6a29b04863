import { parseWithZod } from '@conform-to/zod'
import { describe, expect, it } from 'vitest'
import { evidenceSchema, fromDateTimeInput, intentValidates, parseIntent, toDateTimeInput, whatSchema, whenSchema, whereSchema } from './wizard-schema'

/** A submission's field errors (none when it succeeded). */
const errorsOf = (submission: { status?: string }) => ('error' in submission ? (submission.error as Record<string, string[] | null> | null) : null)

const form = (entries: Array<[string, string]>) => {
  const data = new FormData()
  for (const [name, value] of entries) data.append(name, value)
  return data
}

describe('wizard intents', () => {
  it('knows every button the wizard has, and nothing else', () => {
    expect(parseIntent('next')).toEqual({ type: 'next' })
    expect(parseIntent('goto-3')).toEqual({ type: 'goto', step: 3 })
    expect(parseIntent('remove-link-2')).toEqual({ type: 'remove-link', index: 2 })
    expect(parseIntent('goto-9')).toBeNull()
    expect(parseIntent('delete-everything')).toBeNull()
    expect(parseIntent(null)).toBeNull()
  })

  it('validates only when going forward', () => {
    expect(intentValidates({ type: 'next' }, 2)).toBe(true)
    expect(intentValidates({ type: 'goto', step: 4 }, 2)).toBe(true)
    expect(intentValidates({ type: 'goto', step: 1 }, 2)).toBe(false)
    expect(intentValidates({ type: 'back' }, 2)).toBe(false)
    expect(intentValidates({ type: 'add-link' }, 4)).toBe(false)
  })
})

describe('wizard times', () => {
  it('reads datetime-local values as UTC and writes them back', () => {
    const at = Date.UTC(2026, 10, 24, 3, 9)
    expect(fromDateTimeInput('2026-11-24T03:09')).toBe(at)
    expect(toDateTimeInput(at)).toBe('2026-11-24T03:09')
    expect(fromDateTimeInput('2026-02-31T10:00')).toBeNull()
    expect(fromDateTimeInput('yesterday')).toBeNull()
    expect(toDateTimeInput(null)).toBe('')
  })
})

describe('wizard step schemas', () => {
  it('says what is missing in step 1, field by field', () => {
    const result = parseWithZod(form([['title', ''], ['kind', 'party'], ['severity', 'sev2']]), { schema: whatSchema })
    expect(result.status).toBe('error')
    expect(errorsOf(result)).toMatchObject({ title: ['Say in a line what is wrong'], kind: ['Choose failing build, regression or incident'] })
  })

  it('takes an empty scope (an incident without a repository) and refuses a branch git would refuse', () => {
    expect(parseWithZod(form([['repositoryId', ''], ['branch', '']]), { schema: whereSchema }).status).toBe('success')
    const bad = parseWithZod(form([['branch', 'feature..x']]), { schema: whereSchema })
    expect(errorsOf(bad)?.branch).toEqual(['Enter a branch name as git has it, such as main'])
  })

  it('wants the last known good before the first seen', () => {
    const bad = parseWithZod(form([['firstSeen', '2026-11-23T10:00'], ['lastKnownGood', '2026-11-24T10:00']]), { schema: whenSchema })
    expect(errorsOf(bad)?.lastKnownGood).toEqual(['Last known good must come before first seen'])
    expect(parseWithZod(form([['firstSeen', '2026-11-24T10:00']]), { schema: whenSchema }).status).toBe('success')
  })

  it('reads picked evidence and link rows, ignores empty rows and wants an address for a titled link', () => {
    const ok = parseWithZod(
      form([
        ['picked', 'ci_run:4'],
        ['links[0].url', 'https://status.example.com/1'],
        ['links[0].title', 'Status page'],
        ['links[1].url', ''],
        ['links[1].title', ''],
      ]),
      { schema: evidenceSchema },
    )
    expect(ok.status).toBe('success')
    expect(ok.status === 'success' && ok.value.picked).toEqual(['ci_run:4'])
    const bad = parseWithZod(form([['links[0].title', 'Logs'], ['links[1].url', 'javascript:alert(1)']]), { schema: evidenceSchema })
    expect(errorsOf(bad)?.['links[0].url']).toEqual(['Enter the address of this link'])
    expect(errorsOf(bad)?.['links[1].url']).toBeDefined()
  })
})
