// "The status moved": sent to the owner and watchers of an investigation.
import { Text } from '@react-email/components'
import { EmailButton, EmailLayout, emailStyles, type UnsubscribeProps } from './email-layout'

export interface StatusChangedEmailProps extends UnsubscribeProps {
  recipientName: string
  actorName: string | null
  investigation: { id: number; title: string }
  /** Labels, e.g. "Investigating" → "Identified". */
  from: string
  to: string
  url: string
}

export function statusChangedSubject(props: Pick<StatusChangedEmailProps, 'investigation' | 'to'>) {
  return `#${props.investigation.id} is now ${props.to}: ${props.investigation.title}`
}

export function StatusChangedEmail({
  recipientName,
  actorName,
  investigation,
  from,
  to,
  url,
  unsubscribeUrl,
  preferencesUrl,
}: StatusChangedEmailProps) {
  const who = actorName ?? 'Someone'
  return (
    <EmailLayout
      preview={`${who} moved #${investigation.id} from ${from} to ${to}`}
      reason={`You get this because you own or watch investigation #${investigation.id}.`}
      unsubscribeUrl={unsubscribeUrl}
      unsubscribeLabel="status changes"
      preferencesUrl={preferencesUrl}
    >
      <Text style={emailStyles.heading}>
        #{investigation.id} {investigation.title}
      </Text>
      <Text style={emailStyles.text}>
        Hi {recipientName}, {who} moved this investigation from <strong>{from}</strong> to <strong>{to}</strong>.
      </Text>
      <EmailButton href={url}>See what changed</EmailButton>
    </EmailLayout>
  )
}

export const statusChangedSample: StatusChangedEmailProps = {
  recipientName: 'Grace',
  actorName: 'Ada Admin',
  investigation: { id: 12, title: 'Checkout tests red on main since 14:02' },
  from: 'Investigating',
  to: 'Identified',
  url: 'https://inquest.example.com/investigations/12#activity-40',
  unsubscribeUrl: 'https://inquest.example.com/unsubscribe/sample-token-status',
  preferencesUrl: 'https://inquest.example.com/settings/notifications',
}
