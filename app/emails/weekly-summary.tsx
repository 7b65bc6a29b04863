// The weekly summary of the workspace: open investigations, branches red now, tests that turned
// flaky this week. Its own mail for people who want it "immediately" (once a week, on their digest
// weekday and hour), or a section of their digest for those who chose "in my digest".
// Every value is a ready string: the digest job fills these templates for thousands of people.
import { Link, Section, Text } from '@react-email/components'
import { EmailButton, EmailDivider, EmailLayout, emailStyles, type UnsubscribeProps } from './email-layout'

export interface SummaryLine {
  label: string
  /** A short note after the label (status, severity, since when). */
  note: string
  url: string
}

export interface SummaryList {
  /** "3 open investigations" */
  heading: string
  lines: SummaryLine[]
  /** "and 12 more", or empty. */
  more: string
}

export interface WorkspaceSummaryContent {
  openInvestigations: SummaryList
  redBranches: SummaryList
  flakyTests: SummaryList
}

function SummaryListSection({ list }: { list: SummaryList }) {
  return (
    <Section style={{ margin: '0 0 8px' }}>
      <Text style={{ ...emailStyles.text, fontWeight: 600, margin: '0 0 4px' }}>{list.heading}</Text>
      {list.lines.map((line, index) => (
        <Text key={index} style={{ ...emailStyles.text, margin: '0 0 4px' }}>
          <Link href={line.url} style={emailStyles.link}>
            {line.label}
          </Link>
          <span style={{ color: '#71717a' }}> · {line.note}</span>
        </Text>
      ))}
      {list.more ? <Text style={{ ...emailStyles.muted, margin: '0 0 4px' }}>{list.more}</Text> : null}
    </Section>
  )
}

/** The summary itself, shared by the weekly mail and the digest that folds it in. */
export function WorkspaceSummarySection({ summary, title }: { summary: WorkspaceSummaryContent; title: string }) {
  return (
    <Section>
      <Text style={emailStyles.heading}>{title}</Text>
      <SummaryListSection list={summary.openInvestigations} />
      <SummaryListSection list={summary.redBranches} />
      <SummaryListSection list={summary.flakyTests} />
    </Section>
  )
}

export interface WeeklySummaryEmailProps extends UnsubscribeProps {
  name: string
  /** "week 49 of 2026" */
  weekLabel: string
  appUrl: string
  summary: WorkspaceSummaryContent
  /** Why this mail came: "You get the weekly summary on Mondays at 08:00 (Europe/Berlin)." */
  reason: string
}

export default function WeeklySummaryEmail(props: WeeklySummaryEmailProps) {
  return (
    <EmailLayout
      preview="This week in Inquest: open investigations, red branches and new flaky tests"
      reason={props.reason}
      unsubscribeUrl={props.unsubscribeUrl}
      unsubscribeLabel="the weekly summary"
      preferencesUrl={props.preferencesUrl}
    >
      <Text style={emailStyles.text}>
        Hi {props.name}, here is the workspace in {props.weekLabel}.
      </Text>
      <EmailDivider />
      <WorkspaceSummarySection summary={props.summary} title="This week in Inquest" />
      <EmailDivider />
      <EmailButton href={props.appUrl}>Open Inquest</EmailButton>
    </EmailLayout>
  )
}

export const weeklySummarySubject = (weekLabel: string) => `Inquest weekly summary, ${weekLabel}`

/** Sample data for the admin previews. */
export const sampleWorkspaceSummary: WorkspaceSummaryContent = {
  openInvestigations: {
    heading: '3 open investigations',
    lines: [
      {
        label: '#12 Checkout tests red on main',
        note: 'Investigating · sev2',
        url: 'http://localhost:3000/investigations/12',
      },
      { label: '#9 Flaky login e2e', note: 'Identified · sev3', url: 'http://localhost:3000/investigations/9' },
    ],
    more: 'and 1 more',
  },
  redBranches: {
    heading: '1 red branch',
    lines: [{ label: 'acme/shop main · test', note: 'red since 1 Dec', url: 'http://localhost:3000/episodes/7' }],
    more: '',
  },
  flakyTests: {
    heading: '2 new flaky tests',
    lines: [
      {
        label: 'acme/shop: cart › applies coupon',
        note: 'first flaky 30 Nov',
        url: 'http://localhost:3000/flaky-tests',
      },
      { label: 'acme/shop: login › remembers me', note: 'first flaky 2 Dec', url: 'http://localhost:3000/flaky-tests' },
    ],
    more: '',
  },
}

export const sampleWeeklySummaryProps: WeeklySummaryEmailProps = {
  name: 'Ada',
  weekLabel: 'week 49 of 2026',
  appUrl: 'http://localhost:3000',
  summary: sampleWorkspaceSummary,
  reason: 'You get the weekly summary on Mondays at 08:00 (Europe/Berlin).',
  unsubscribeUrl: 'http://localhost:3000/unsubscribe/sample-token',
  preferencesUrl: 'http://localhost:3000/settings/notifications',
}
