// Every mail template, with sample data, for the admin preview page (/admin/emails) and the template
// tests. Add one entry per template file; `sample()` returns the element and subject to preview.
import { createElement, type ReactElement } from 'react'
import { AssignedEmail, assignedSample, assignedSubject } from './assigned'
import { BranchRedEmail, branchRedSample, branchRedSubject } from './branch-red'
import { CommentEmail, commentSample, commentSubject } from './comment'
import DigestEmail, { digestSubject, sampleDigestProps } from './digest'
import { InviteEmail, inviteSample, inviteSubject } from './invite'
import { StatusChangedEmail, statusChangedSample, statusChangedSubject } from './status-changed'
import { SuspectFoundEmail, suspectFoundSample, suspectFoundSubject } from './suspect-found'
import WeeklySummaryEmail, { sampleWeeklySummaryProps, weeklySummarySubject } from './weekly-summary'

export interface EmailTemplateEntry {
  /** The outbox `template` value, and the file name in app/emails. */
  name: string
  /** What it is, for the preview page. */
  description: string
  /** Outbox category: an event type, `digest`, or `security` (no unsubscribe). */
  category: string
  sample: () => { subject: string; element: ReactElement }
}

export const EMAIL_TEMPLATES: EmailTemplateEntry[] = [
  {
    name: 'assigned',
    description: 'An investigation is assigned to someone (on creation or a change of owner).',
    category: 'assigned',
    sample: () => ({ subject: assignedSubject(assignedSample), element: createElement(AssignedEmail, assignedSample) }),
  },
  {
    name: 'status-changed',
    description: 'The status of an investigation someone owns or watches moved.',
    category: 'status_changed',
    sample: () => ({
      subject: statusChangedSubject(statusChangedSample),
      element: createElement(StatusChangedEmail, statusChangedSample),
    }),
  },
  {
    name: 'comment',
    description: 'A note on a watched investigation, or an @mention anywhere.',
    category: 'comment',
    sample: () => ({ subject: commentSubject(commentSample), element: createElement(CommentEmail, commentSample) }),
  },
  {
    name: 'suspect-found',
    description: 'The linker ranked a new top suspect for an investigation’s red episode.',
    category: 'suspect_found',
    sample: () => ({
      subject: suspectFoundSubject(suspectFoundSample),
      element: createElement(SuspectFoundEmail, suspectFoundSample),
    }),
  },
  {
    name: 'branch-red',
    description: 'A watched branch went red (the linker opened a new red episode).',
    category: 'branch_red',
    sample: () => ({ subject: branchRedSubject(branchRedSample), element: createElement(BranchRedEmail, branchRedSample) }),
  },
  {
    name: 'digest',
    description: 'A person’s daily or weekly digest of what waited for it (and the week’s summary on its day).',
    category: 'digest',
    sample: () => ({
      subject: digestSubject(sampleDigestProps.frequency, sampleDigestProps.countLabel),
      element: createElement(DigestEmail, sampleDigestProps),
    }),
  },
  {
    name: 'weekly-summary',
    description: 'The weekly summary of the workspace, as its own mail.',
    category: 'weekly_summary',
    sample: () => ({
      subject: weeklySummarySubject(sampleWeeklySummaryProps.weekLabel),
      element: createElement(WeeklySummaryEmail, sampleWeeklySummaryProps),
    }),
  },
  {
    name: 'invite',
    description: 'An invitation to set a password. Security mail: always sent, no unsubscribe.',
    category: 'security',
    sample: () => ({ subject: inviteSubject(inviteSample), element: createElement(InviteEmail, inviteSample) }),
  },
]

export function findEmailTemplate(name: string): EmailTemplateEntry | undefined {
  return EMAIL_TEMPLATES.find((entry) => entry.name === name)
}
