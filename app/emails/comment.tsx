// A note on an investigation: to its owner and watchers, and to anyone it @mentions.
import { Text } from '@react-email/components'
import { EmailButton, EmailLayout, emailStyles, type UnsubscribeProps } from './email-layout'

export interface CommentEmailProps extends UnsubscribeProps {
  recipientName: string
  actorName: string | null
  investigation: { id: number; title: string }
  /** The first few hundred characters of the note, as written (Markdown source, shown as text). */
  excerpt: string
  /** The recipient is @mentioned in the note. */
  mentioned: boolean
  url: string
}

export function commentSubject(props: Pick<CommentEmailProps, 'investigation' | 'actorName' | 'mentioned'>) {
  const who = props.actorName ?? 'Someone'
  return props.mentioned
    ? `${who} mentioned you on #${props.investigation.id}: ${props.investigation.title}`
    : `${who} commented on #${props.investigation.id}: ${props.investigation.title}`
}

export function CommentEmail({
  recipientName,
  actorName,
  investigation,
  excerpt,
  mentioned,
  url,
  unsubscribeUrl,
  preferencesUrl,
}: CommentEmailProps) {
  const who = actorName ?? 'Someone'
  return (
    <EmailLayout
      preview={`${who}: ${excerpt.slice(0, 90)}`}
      reason={
        mentioned
          ? 'You get this because you were mentioned in a note.'
          : `You get this because you own or watch investigation #${investigation.id}.`
      }
      unsubscribeUrl={unsubscribeUrl}
      unsubscribeLabel="comments and mentions"
      preferencesUrl={preferencesUrl}
    >
      <Text style={emailStyles.heading}>
        #{investigation.id} {investigation.title}
      </Text>
      <Text style={emailStyles.text}>
        Hi {recipientName}, {who} {mentioned ? 'mentioned you in a note' : 'added a note'}:
      </Text>
      <Text style={emailStyles.quote}>{excerpt}</Text>
      <EmailButton href={url}>Reply on Inquest</EmailButton>
    </EmailLayout>
  )
}

export const commentSample: CommentEmailProps = {
  recipientName: 'Grace',
  actorName: 'Eve Engineer',
  investigation: { id: 12, title: 'Checkout tests red on main since 14:02' },
  excerpt:
    '@grace the retry wrapper in payments/client.ts swallows the timeout; reverting 3f2a9c1 makes the suite green locally.',
  mentioned: true,
  url: 'https://inquest.example.com/investigations/12#note-7',
  unsubscribeUrl: 'https://inquest.example.com/unsubscribe/sample-token-comment',
  preferencesUrl: 'https://inquest.example.com/settings/notifications',
}
