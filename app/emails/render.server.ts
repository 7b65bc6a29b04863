// Turns a React Email element into what the outbox stores: HTML and its plain-text twin.
import { render } from '@react-email/render'
import type { ReactElement } from 'react'

export interface RenderedEmail {
  html: string
  text: string
}

/** Renders a template element to HTML and plain text (links kept as `text [url]`). */
export async function renderEmail(element: ReactElement): Promise<RenderedEmail> {
  const [html, text] = await Promise.all([render(element), render(element, { plainText: true })])
  return { html, text }
}
