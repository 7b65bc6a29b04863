import { createElement } from 'react'
import { describe, expect, it } from 'vitest'
import { CommentEmail, commentSample } from './comment'
import { EMAIL_TEMPLATES } from './registry'
import { renderEmail } from './render.server'

describe('mail templates', () => {
  it('lists every template file of this module once, with a category', () => {
    const names = EMAIL_TEMPLATES.map((entry) => entry.name)
    expect(new Set(names).size).toBe(names.length)
    for (const name of ['assigned', 'status-changed', 'comment', 'suspect-found', 'branch-red', 'invite'])
      expect(names).toContain(name)
  })

  for (const entry of EMAIL_TEMPLATES) {
    it(`${entry.name}: renders HTML and plain text with its sample, the call to action linked in both`, async () => {
      const { subject, element } = entry.sample()
      const { html, text } = await renderEmail(element)
      expect(subject.length).toBeGreaterThan(5)
      expect(html).toMatch(/^<!DOCTYPE html/i)
      expect(html).toContain('Inquest')
      expect(text).not.toContain('<')
      // Every link in the HTML reaches the text version as a visible URL.
      const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1].replaceAll('&amp;', '&'))
      expect(hrefs.length).toBeGreaterThan(0)
      for (const href of hrefs) expect(text).toContain(href)
      if (entry.category === 'security') {
        expect(text).not.toMatch(/unsubscribe/i)
        expect(text).not.toContain('/settings/notifications')
      } else if (entry.category !== 'digest' && entry.category !== 'weekly_summary') {
        expect(text).toMatch(/Unsubscribe from .+ https:\/\/inquest\.example\.com\/unsubscribe\//)
        expect(text).toContain('Manage preferences https://inquest.example.com/settings/notifications')
      }
    })
  }

  it('escapes what people wrote (a note excerpt cannot inject markup)', async () => {
    const { html } = await renderEmail(
      createElement(CommentEmail, { ...commentSample, excerpt: '<img src=x onerror=alert(1)>' }),
    )
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;img src=x')
  })
})
