// The digest: everything a person chose to hear about "in my digest" since their last one, once a
// day or once a week at their hour, and the weekly summary when they folded it in.
// Every value is a ready string: the digest job fills this template for thousands of people.
import { Link, Section, Text } from '@react-email/components'
import { EmailButton, EmailDivider, EmailLayout, emailStyles, type UnsubscribeProps } from './email-layout'
import { sampleWorkspaceSummary, WorkspaceSummarySection, type WorkspaceSummaryContent } from './weekly-summary'

export interface DigestItem {
  /** One line: "Ada moved #12 to identified". */
  summary: string
  url: string
  /** When it happened, in the reader's timezone: "Tue 14:05". */
  when: string
}

export interface DigestEmailProps extends UnsubscribeProps {
  frequency: 'daily' | 'weekly'
  name: string
  /** "3 updates" */
  countLabel: string
  items: DigestItem[]
  /** "and 12 more in Inquest" when the list was cut short, else empty. */
  more: string
  appUrl: string
  /** Why this mail came: "You get this digest daily at 08:00 (Europe/Berlin)." */
  reason: string
  /** The weekly summary, when the reader gets it in their digest (and it is due). */
  summary?: WorkspaceSummaryContent | null
  /** "week 49 of 2026", with the summary. */
  weekLabel?: string
}

export default function DigestEmail(props: DigestEmailProps) {
  const title = props.frequency === 'weekly' ? 'Your weekly digest' : 'Your daily digest'
  return (
    <EmailLayout
      preview={`${title} from Inquest`}
      reason={props.reason}
      unsubscribeUrl={props.unsubscribeUrl}
      unsubscribeLabel="your digest"
      preferencesUrl={props.preferencesUrl}
    >
      <Text style={emailStyles.heading}>{title}</Text>
      {props.items.length ? (
        <>
          <Text style={emailStyles.text}>
            Hi {props.name}, {props.countLabel} since your last digest:
          </Text>
          {props.items.map((item, index) => (
            <Section key={index} style={{ margin: '0 0 8px' }}>
              <Text style={{ ...emailStyles.text, margin: 0 }}>
                <Link href={item.url} style={emailStyles.link}>
                  {item.summary}
                </Link>
              </Text>
              <Text style={{ ...emailStyles.muted, margin: 0 }}>{item.when}</Text>
            </Section>
          ))}
          {props.more ? <Text style={emailStyles.muted}>{props.more}</Text> : null}
        </>
      ) : (
        <Text style={emailStyles.text}>Hi {props.name}, nothing new on what you follow since your last digest.</Text>
      )}
      {props.summary ? (
        <>
          <EmailDivider />
          <WorkspaceSummarySection
            summary={props.summary}
            title={`The workspace in ${props.weekLabel ?? 'this week'}`}
          />
        </>
      ) : null}
      <EmailDivider />
      <EmailButton href={props.appUrl}>Open Inquest</EmailButton>
    </EmailLayout>
  )
}

export const digestSubject = (frequency: 'daily' | 'weekly', countLabel: string) =>
  `Your ${frequency} Inquest digest: ${countLabel}`

/** Sample data for the admin previews. */
export const sampleDigestProps: DigestEmailProps = {
  frequency: 'daily',
  name: 'Ada',
  countLabel: '3 updates',
  items: [
    {
      summary: 'Grace moved #12 Checkout tests red on main to identified',
      url: 'http://localhost:3000/investigations/12#activity-40',
      when: 'Tue 1 Dec, 14:05',
    },
    {
      summary: 'The linker found a new suspect for #12: a1b2c3d Bump cart',
      url: 'http://localhost:3000/investigations/12#activity-41',
      when: 'Tue 1 Dec, 15:20',
    },
    {
      summary: 'Linus moved #9 Flaky login e2e to mitigated',
      url: 'http://localhost:3000/investigations/9#activity-38',
      when: 'Mon 30 Nov, 18:47',
    },
  ],
  more: '',
  appUrl: 'http://localhost:3000',
  reason: 'You get this digest daily at 08:00 (Europe/Berlin).',
  summary: sampleWorkspaceSummary,
  weekLabel: 'week 49 of 2026',
  unsubscribeUrl: 'http://localhost:3000/unsubscribe/sample-token',
  preferencesUrl: 'http://localhost:3000/settings/notifications',
}
