// Markdown for notes and descriptions, rendered on the server into HTML that is safe to put in the
// page: no raw HTML (markdown-it escapes it), links only to http(s) and mailto, no images (they would
// load from anywhere), and `@mentions` of people in this workspace highlighted.
//
// A mention is `@` followed by an email's local part (`@ada`) or a whole email (`@ada@example.com`),
// not inside a word (so `ada@example.com` is an email, not a mention) and not inside code.
import MarkdownIt from 'markdown-it'
import type { MarkdownIt as MarkdownItInstance, StateInline, Token } from 'markdown-it'

export interface MentionedUser {
  id: string
  name: string
  email: string
}

/** Resolved mentions by lower-cased handle (what followed the `@`). */
export type MentionMap = ReadonlyMap<string, MentionedUser>

interface RenderEnv {
  mentions?: MentionMap
}

const SAFE_LINK = /^(https?:|mailto:)/i
const HANDLE = /^@([a-z0-9][a-z0-9._%+-]*(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)/i
// A mention starts a word: the character before the `@` may not belong to a word or an email.
const WORD_BEFORE = /[a-z0-9._%+\-@/\\]/i

function mentionRule(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x40 /* @ */) return false
  if (state.pos > 0 && WORD_BEFORE.test(state.src[state.pos - 1])) return false
  const match = HANDLE.exec(state.src.slice(state.pos, state.posMax))
  if (!match) return false
  // A sentence may end right after a mention: "thanks @ada."
  const handle = match[1].replace(/[._%+-]+$/, '')
  if (!handle) return false
  if (!silent) {
    const token = state.push('mention', '', 0)
    token.meta = { handle: handle.toLowerCase() }
    token.content = `@${handle}`
  }
  state.pos += handle.length + 1
  return true
}

function createRenderer() {
  const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false, breaks: true })
  md.disable(['image'])
  md.validateLink = (url: string) => SAFE_LINK.test(url.trim())
  md.inline.ruler.before('text', 'mention', mentionRule)

  md.renderer.rules.mention = (tokens, index, _options, env) => {
    const token = tokens[index]
    const user = (env as RenderEnv | undefined)?.mentions?.get(String(token.meta?.handle))
    if (!user) return md.utils.escapeHtml(token.content)
    return `<span class="mention" data-user-id="${md.utils.escapeHtml(user.id)}" title="${md.utils.escapeHtml(user.email)}">@${md.utils.escapeHtml(user.name)}</span>`
  }
  const defaultLinkOpen =
    md.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options))
  md.renderer.rules.link_open = (tokens, index, options, env, self) => {
    tokens[index].attrSet('rel', 'nofollow noopener noreferrer')
    return defaultLinkOpen(tokens, index, options, env, self)
  }
  return md
}

let renderer: MarkdownItInstance | undefined
const markdown = () => (renderer ??= createRenderer())

/** Renders Markdown to safe HTML. Mentions found in `mentions` are highlighted with the person's name. */
export function renderMarkdown(source: string, mentions?: MentionMap): string {
  return markdown().render(source, { mentions } satisfies RenderEnv)
}

/** The handles (lower-cased, without `@`) that a text mentions, in order of first appearance. */
export function mentionHandles(source: string): string[] {
  const handles = new Set<string>()
  const walk = (tokens: Token[]) => {
    for (const token of tokens) {
      if (token.type === 'mention') handles.add(String(token.meta?.handle))
      if (token.children) walk(token.children)
    }
  }
  walk(markdown().parse(source, {}))
  return [...handles]
}

/** A one-line plain excerpt of Markdown (for activity rows and mail subjects). */
export function plainExcerpt(source: string, length = 140): string {
  const text = source
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`#>~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > length ? `${text.slice(0, length - 1).trimEnd()}…` : text
}
