// "An investigation is yours": sent to the new owner when someone creates or reassigns it.
import { Text } from '@react-email/components'
import { EmailButton, EmailLayout, emailStyles, type UnsubscribeProps } from './email-layout'

export interface AssignedEmailProps extends UnsubscribeProps {
  recipientName: string
  actorName: string | null
  investigation: { id: number; title: string; severity: string; status: string }
  /** Absolute link to the investigation. */
  url: string
}

export function assignedSubject(props: Pick<AssignedEmailProps, 'investigation'>) {
  return `You own #${props.investigation.id}: ${props.investigation.title}`
}

export function AssignedEmail({
  recipientName,
  actorName,
  investigation,
  url,
  unsubscribeUrl,
  preferencesUrl,
}: AssignedEmailProps) {
  const who = actorName ?? 'Someone'
  return (
    <EmailLayout
      preview={`${who} made you the owner of #${investigation.id}`}
      reason="You get this because an investigation was assigned to you."
      unsubscribeUrl={unsubscribeUrl}
      unsubscribeLabel="assignment mail"
      preferencesUrl={preferencesUrl}
    >
      <Text style={emailStyles.heading}>
        #{investigation.id} {investigation.title}
      </Text>
      <Text style={emailStyles.text}>
        Hi {recipientName}, {who} made you the owner of this investigation.
      </Text>
      <Text style={emailStyles.muted}>
        Severity {investigation.severity.toUpperCase()} · status {investigation.status}
      </Text>
      <EmailButton href={url}>Open the investigation</EmailButton>
    </EmailLayout>
  )
}

export const assignedSample: AssignedEmailProps = {
  recipientName: 'Grace',
  actorName: 'Ada Admin',
  investigation: { id: 12, title: 'Checkout tests red on main since 14:02', severity: 'sev2', status: 'Open' },
  url: 'https://inquest.example.com/investigations/12',
  unsubscribeUrl: 'https://inquest.example.com/unsubscribe/sample-token-assigned',
  preferencesUrl: 'https://inquest.example.com/settings/notifications',
}
