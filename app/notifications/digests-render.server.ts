// Rendering a template thousands of times, fast. React Email takes ~5 ms a mail (React's stream
// renderer, then html-to-text for the plain part): 10,000 digests would spend a minute on that
// alone. A template is therefore rendered a few times with markers in place of its values, cut into
// literal pieces and slots, and each mail is then those pieces joined with the person's values
// (escaped as React escapes them). Before a compiled template is used, it must reproduce a real
// render of sample values exactly, HTML and text; if it does not, every mail is rendered for real.
import type { ReactElement } from 'react'
import { renderEmail, type RenderedEmail } from '../emails/render.server'
import { getLogger } from '../observability/logger.server'

type Values = Record<string, string>
type Part = string | { slot: 'field' | 'item'; name: string }

const marker = (kind: 'f' | 'i', name: string) => `ZqxQ${kind}${name}QxqZ`
const MARKER = /ZqxQ([fi])([A-Za-z0-9]+)QxqZ/g

function parse(text: string): Part[] {
  const parts: Part[] = []
  let last = 0
  for (const match of text.matchAll(MARKER)) {
    if (match.index > last) parts.push(text.slice(last, match.index))
    parts.push({ slot: match[1] === 'f' ? 'field' : 'item', name: match[2] })
    last = match.index + match[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

// What React does to text and attribute values (react-dom's escapeTextForBrowser).
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' }
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char])
// What html-to-text does to inline text: runs of whitespace become one space.
const plain = (value: string) => value.replace(/\s+/g, ' ')

interface Pieces {
  head: Part[]
  /** One item and the start of the next (empty for a template without a list). */
  repeat: Part[]
  /** The last item and what follows the list. */
  tail: Part[]
}

function join(
  parts: Part[],
  fields: Values,
  item: Values | undefined,
  encode: (value: string) => string,
  out: string[],
) {
  for (const part of parts) {
    if (typeof part === 'string') out.push(part)
    else out.push(encode((part.slot === 'field' ? fields[part.name] : item?.[part.name]) ?? ''))
  }
}

function fill(pieces: Pieces, fields: Values, items: Values[], encode: (value: string) => string): string {
  const out: string[] = []
  join(pieces.head, fields, undefined, encode, out)
  if (items.length === 0) {
    join(pieces.tail, fields, undefined, encode, out)
    return out.join('')
  }
  for (let index = 0; index < items.length - 1; index++) join(pieces.repeat, fields, items[index], encode, out)
  join(pieces.tail, fields, items[items.length - 1], encode, out)
  return out.join('')
}

/**
 * Cuts the renders of one and two identical marked items into head, repeat and tail: from the
 * first item's first marker to the second item's is one item's worth (whatever markup surrounds it).
 */
function cut(one: string, two: string, firstItemMarker: string | null): Pieces | null {
  if (firstItemMarker === null) return one === two ? { head: [], repeat: [], tail: parse(one) } : null
  const start = two.indexOf(firstItemMarker)
  const period = two.length - one.length
  if (start < 0 || period <= 0) return null
  if (two.slice(start + period, start + period + firstItemMarker.length) !== firstItemMarker) return null
  if (one !== two.slice(0, start) + two.slice(start + period)) return null
  return {
    head: parse(two.slice(0, start)),
    repeat: parse(two.slice(start, start + period)),
    tail: parse(two.slice(start + period)),
  }
}

export interface CompiledTemplate {
  /** HTML and text for one person's values (and list items, if the template has a list). */
  render(fields: Values, items?: Values[]): Promise<RenderedEmail> | RenderedEmail
  /** False when the template could not be compiled and every mail is rendered for real. */
  compiled: boolean
}

/**
 * Compiles a template. `build` makes the element from values (all strings) and list items;
 * `itemFields` names the fields of a list item (none: no list). `sample` (at least two items when
 * there is a list) is rendered for real and must match the compiled output.
 */
export async function compileTemplate(
  build: (fields: Values, items: Values[]) => ReactElement,
  fieldNames: readonly string[],
  itemFields: readonly string[],
  sample: { fields: Values; items: Values[] },
): Promise<CompiledTemplate> {
  const slow: CompiledTemplate = { compiled: false, render: (fields, items = []) => renderEmail(build(fields, items)) }
  const markedFields = Object.fromEntries(fieldNames.map((name) => [name, marker('f', name)]))
  const markedItem = Object.fromEntries(itemFields.map((name) => [name, marker('i', name)]))
  const hasList = itemFields.length > 0
  const [one, two] = await Promise.all([
    renderEmail(build(markedFields, hasList ? [markedItem] : [])),
    renderEmail(build(markedFields, hasList ? [markedItem, markedItem] : [])),
  ])
  // The item marker that comes first in the markup (its fields need not come in declaration order).
  const firstMarker = (text: string) => {
    if (!hasList) return null
    let best: string | null = null
    let bestAt = Infinity
    for (const name of itemFields) {
      const at = text.indexOf(marker('i', name))
      if (at >= 0 && at < bestAt) {
        bestAt = at
        best = marker('i', name)
      }
    }
    return best
  }
  const html = cut(one.html, two.html, firstMarker(two.html))
  const text = cut(one.text, two.text, firstMarker(two.text))
  if (!html || !text) {
    getLogger().warn({ fields: fieldNames }, 'email template did not compile; rendering each mail')
    return slow
  }
  const compiled: CompiledTemplate = {
    compiled: true,
    render: (fields, items = []) =>
      // A list template's pieces hold one item at least; an empty list is another branch of the template.
      hasList && items.length === 0
        ? slow.render(fields, items)
        : { html: fill(html, fields, items, escapeHtml), text: fill(text, fields, items, plain) },
  }
  const expected = await renderEmail(build(sample.fields, sample.items))
  const actual = compiled.render(sample.fields, sample.items) as RenderedEmail
  if (actual.html !== expected.html || actual.text !== expected.text) {
    getLogger().warn({ fields: fieldNames }, 'compiled email template differs from a real render; rendering each mail')
    return slow
  }
  return compiled
}
