// The linker ranked a new top suspect for the red episode an investigation is about.
import { Text } from '@react-email/components'
import { EmailButton, EmailLayout, emailStyles, type UnsubscribeProps } from './email-layout'

export interface SuspectFoundEmailProps extends UnsubscribeProps {
  recipientName: string
  investigation: { id: number; title: string }
  /** The suspect commit. */
  sha: string
  /** Its subject line (or another short label). */
  label: string
  url: string
}

export function suspectFoundSubject(props: Pick<SuspectFoundEmailProps, 'investigation' | 'sha'>) {
  return `New suspect ${props.sha.slice(0, 7)} for #${props.investigation.id}: ${props.investigation.title}`
}

export function SuspectFoundEmail({
  recipientName,
  investigation,
  sha,
  label,
  url,
  unsubscribeUrl,
  preferencesUrl,
}: SuspectFoundEmailProps) {
  return (
    <EmailLayout
      preview={`${sha.slice(0, 7)} ${label}`}
      reason={`You get this because you own or watch investigation #${investigation.id}.`}
      unsubscribeUrl={unsubscribeUrl}
      unsubscribeLabel="new suspects"
      preferencesUrl={preferencesUrl}
    >
      <Text style={emailStyles.heading}>
        #{investigation.id} {investigation.title}
      </Text>
      <Text style={emailStyles.text}>Hi {recipientName}, the linker has a new top suspect for this investigation:</Text>
      <Text style={emailStyles.quote}>
        <span style={emailStyles.code}>{sha.slice(0, 10)}</span> {label}
      </Text>
      <EmailButton href={url}>Review the suspect</EmailButton>
    </EmailLayout>
  )
}

export const suspectFoundSample: SuspectFoundEmailProps = {
  recipientName: 'Grace',
  investigation: { id: 12, title: 'Checkout tests red on main since 14:02' },
  sha: '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
  label: 'payments: wrap client calls in retry()',
  url: 'https://inquest.example.com/investigations/12',
  unsubscribeUrl: 'https://inquest.example.com/unsubscribe/sample-token-suspect',
  preferencesUrl: 'https://inquest.example.com/settings/notifications',
}
