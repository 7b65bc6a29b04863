// An invitation to set a password. Security mail: always sent, no unsubscribe and no preferences link.
import { Text } from '@react-email/components'
import { EmailButton, EmailLayout, emailStyles } from './email-layout'

export interface InviteEmailProps {
  recipientName: string
  inviterName: string | null
  role: string
  /** The single-use link to set a password. */
  url: string
  /** When the link stops working, as people read it (e.g. "12 Jan 2026, 14:00 UTC"). */
  expiresAt: string
}

export function inviteSubject(props: Pick<InviteEmailProps, 'inviterName'>) {
  return props.inviterName ? `${props.inviterName} invited you to Inquest` : 'You are invited to Inquest'
}

export function InviteEmail({ recipientName, inviterName, role, url, expiresAt }: InviteEmailProps) {
  return (
    <EmailLayout
      preview="Set your password to start using Inquest"
      reason="You get this because an administrator invited this address. If you did not expect it, ignore it: nothing happens until the link is used."
    >
      <Text style={emailStyles.heading}>You are invited to Inquest</Text>
      <Text style={emailStyles.text}>
        Hi {recipientName}, {inviterName ?? 'an administrator'} invited you to join as {role === 'admin' ? 'an' : 'a'}{' '}
        {role}. Choose a password to start.
      </Text>
      <EmailButton href={url}>Set your password</EmailButton>
      <Text style={{ ...emailStyles.muted, marginTop: '16px' }}>The link works once and expires {expiresAt}.</Text>
    </EmailLayout>
  )
}

export const inviteSample: InviteEmailProps = {
  recipientName: 'Grace',
  inviterName: 'Ada Admin',
  role: 'engineer',
  url: 'https://inquest.example.com/invite/sample-invite-token',
  expiresAt: '12 Jan 2026, 14:00 UTC',
}
