// A branch someone watches went red: the linker opened a new red episode on it.
import { Text } from '@react-email/components'
import { EmailButton, EmailLayout, emailStyles, type UnsubscribeProps } from './email-layout'

export interface BranchRedEmailProps extends UnsubscribeProps {
  recipientName: string
  repository: string
  branch: string
  /** The CI workflow (linker sequence) that failed. */
  workflow: string
  /** The first red commit, when known. */
  firstRedSha: string | null
  /** Absolute link to the episode page. */
  url: string
}

export function branchRedSubject(props: Pick<BranchRedEmailProps, 'repository' | 'branch' | 'workflow'>) {
  return `${props.repository} ${props.branch} went red (${props.workflow})`
}

export function BranchRedEmail({
  recipientName,
  repository,
  branch,
  workflow,
  firstRedSha,
  url,
  unsubscribeUrl,
  preferencesUrl,
}: BranchRedEmailProps) {
  return (
    <EmailLayout
      preview={`${workflow} is failing on ${branch}`}
      reason={`You get this because you watch ${repository} ${branch}.`}
      unsubscribeUrl={unsubscribeUrl}
      unsubscribeLabel="red branch mail"
      preferencesUrl={preferencesUrl}
    >
      <Text style={emailStyles.heading}>
        {repository} <span style={emailStyles.code}>{branch}</span> went red
      </Text>
      <Text style={emailStyles.text}>
        Hi {recipientName}, <strong>{workflow}</strong> is failing on {branch}
        {firstRedSha ? (
          <>
            , first at <span style={emailStyles.code}>{firstRedSha.slice(0, 10)}</span>
          </>
        ) : null}
        .
      </Text>
      <EmailButton href={url}>See the suspects</EmailButton>
    </EmailLayout>
  )
}

export const branchRedSample: BranchRedEmailProps = {
  recipientName: 'Grace',
  repository: 'acme/shop',
  branch: 'main',
  workflow: 'build',
  firstRedSha: '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
  url: 'https://inquest.example.com/episodes/7',
  unsubscribeUrl: 'https://inquest.example.com/unsubscribe/sample-token-branch',
  preferencesUrl: 'https://inquest.example.com/settings/notifications',
}
