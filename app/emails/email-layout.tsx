// The shared look of every mail: the Inquest name on top, the content, and a footer that says why the
// mail came and, for anything but security mail, how to stop it (one click) or tune it.
// Mail clients ignore <style> and classes unevenly, so everything is inline styles (React Email's way).
import { Body, Button, Container, Head, Hr, Html, Link, Preview, Section, Text } from '@react-email/components'
import type { CSSProperties, ReactNode } from 'react'

const colors = {
  page: '#f4f4f5', // zinc-100
  card: '#ffffff',
  border: '#e4e4e7', // zinc-200
  text: '#18181b', // zinc-900
  muted: '#71717a', // zinc-500
  accent: '#4f46e5', // indigo-600
}

const font = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

export const emailStyles = {
  heading: { fontSize: '18px', fontWeight: 600, lineHeight: '26px', margin: '0 0 12px', color: colors.text },
  text: { fontSize: '14px', lineHeight: '22px', margin: '0 0 12px', color: colors.text },
  muted: { fontSize: '13px', lineHeight: '20px', margin: '0 0 12px', color: colors.muted },
  quote: {
    fontSize: '14px',
    lineHeight: '22px',
    margin: '0 0 12px',
    padding: '8px 12px',
    borderLeft: `3px solid ${colors.border}`,
    color: colors.text,
    whiteSpace: 'pre-wrap',
  },
  code: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: '13px' },
  link: { color: colors.accent, textDecoration: 'underline' },
} satisfies Record<string, CSSProperties>

export interface EmailLayoutProps {
  /** The line mail clients show after the subject. */
  preview: string
  children: ReactNode
  /** Why this person got the mail, e.g. "You watch investigation #12." */
  reason?: string
  /** One-click unsubscribe page for this mail's category; absent for security mail. */
  unsubscribeUrl?: string
  /** What the unsubscribe link stops, e.g. "comments and mentions". */
  unsubscribeLabel?: string
  /** APP_URL/settings/notifications; absent for security mail. */
  preferencesUrl?: string
}

export function EmailLayout({
  preview,
  children,
  reason,
  unsubscribeUrl,
  unsubscribeLabel,
  preferencesUrl,
}: EmailLayoutProps) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={{ backgroundColor: colors.page, fontFamily: font, margin: 0, padding: '24px 0' }}>
        <Container style={{ maxWidth: '560px', margin: '0 auto', padding: '0 12px' }}>
          <Section style={{ padding: '0 4px 12px' }}>
            <Text
              style={{ fontSize: '16px', fontWeight: 700, letterSpacing: '-0.01em', margin: 0, color: colors.text }}
            >
              <span style={{ color: colors.accent }}>●</span> Inquest
            </Text>
          </Section>
          <Section
            style={{
              backgroundColor: colors.card,
              border: `1px solid ${colors.border}`,
              borderRadius: '8px',
              padding: '24px',
            }}
          >
            {children}
          </Section>
          <Section style={{ padding: '12px 4px 0' }}>
            {reason ? (
              <Text style={{ ...emailStyles.muted, fontSize: '12px', margin: '0 0 4px' }}>{reason}</Text>
            ) : null}
            {unsubscribeUrl || preferencesUrl ? (
              <Text style={{ ...emailStyles.muted, fontSize: '12px', margin: 0 }}>
                {unsubscribeUrl ? (
                  <Link href={unsubscribeUrl} style={{ color: colors.muted, textDecoration: 'underline' }}>
                    {unsubscribeLabel ? `Unsubscribe from ${unsubscribeLabel}` : 'Unsubscribe'}
                  </Link>
                ) : null}
                {unsubscribeUrl && preferencesUrl ? ' · ' : null}
                {preferencesUrl ? (
                  <Link href={preferencesUrl} style={{ color: colors.muted, textDecoration: 'underline' }}>
                    Manage preferences
                  </Link>
                ) : null}
              </Text>
            ) : null}
          </Section>
        </Container>
      </Body>
    </Html>
  )
}

/** The one call to action of a mail. */
export function EmailButton({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Button
      href={href}
      style={{
        backgroundColor: colors.accent,
        borderRadius: '6px',
        color: '#ffffff',
        fontSize: '14px',
        fontWeight: 600,
        padding: '10px 16px',
        textDecoration: 'none',
        display: 'inline-block',
      }}
    >
      {children}
    </Button>
  )
}

export function EmailDivider() {
  return <Hr style={{ borderColor: colors.border, margin: '16px 0' }} />
}

/** The unsubscribe and preferences links a non-essential template receives from its sender. */
export interface UnsubscribeProps {
  unsubscribeUrl: string
  preferencesUrl: string
}
