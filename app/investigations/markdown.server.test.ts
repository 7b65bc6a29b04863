import { describe, expect, it } from 'vitest'
import { mentionHandles, plainExcerpt, renderMarkdown } from './markdown.server'

describe('renderMarkdown', () => {
  it('renders Markdown', () => {
    expect(renderMarkdown('**bold** and `code`')).toBe('<p><strong>bold</strong> and <code>code</code></p>\n')
  })

  it('escapes raw HTML, so a script never runs', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>')
    expect(html).not.toMatch(/<script|<img/i)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('links only to http(s) and mailto', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('<a')
    expect(renderMarkdown('[x](JaVaScRiPt:alert(1)) [y](data:text/html;base64,xx) [z](vbscript:x)')).not.toContain('<a')
    expect(renderMarkdown('[runbook](https://wiki.example.com/run)')).toBe(
      '<p><a href="https://wiki.example.com/run" rel="nofollow noopener noreferrer">runbook</a></p>\n',
    )
    expect(renderMarkdown('[mail](mailto:ops@example.com)')).toContain('href="mailto:ops@example.com"')
    expect(renderMarkdown('![pixel](https://tracker.example.com/p.gif)')).not.toContain('<img')
  })

  it('highlights resolved mentions with the name and leaves unknown ones as text', () => {
    const mentions = new Map([['ada', { id: 'u1', name: 'Ada <Admin>', email: 'ada@example.com' }]])
    const html = renderMarkdown('thanks @ada. and @bob', mentions)
    expect(html).toBe(
      '<p>thanks <span class="mention" data-user-id="u1" title="ada@example.com">@Ada &lt;Admin&gt;</span>. and @bob</p>\n',
    )
  })
})

describe('mentionHandles', () => {
  it('finds local parts and whole emails, not emails in text nor mentions in code', () => {
    expect(mentionHandles('@Ada can you look? cc @eli@example.com, mail ops@example.com `@inside` (@vera)')).toEqual([
      'ada',
      'eli@example.com',
      'vera',
    ])
    expect(mentionHandles('```\n@nobody\n```')).toEqual([])
  })
})

describe('plainExcerpt', () => {
  it('gives one plain line', () => {
    expect(plainExcerpt('# Title\n\n**Bold** [link](https://x.y)')).toBe('Title Bold link')
    expect(plainExcerpt('a'.repeat(200), 10)).toBe(`${'a'.repeat(9)}…`)
  })
})
