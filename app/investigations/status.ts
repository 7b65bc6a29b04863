// Investigation statuses and the moves between them. Safe for the browser (it decides which buttons
// to show); the server checks the same table before it changes anything.
import type { InvestigationStatus } from '../../db/schema/investigations'

export const STATUS_LABELS: Record<InvestigationStatus, string> = {
  open: 'Open',
  investigating: 'Investigating',
  identified: 'Identified',
  mitigated: 'Mitigated',
  resolved: 'Resolved',
  closed: 'Closed',
}

// Forward along the usual path, back one step when a lead turns out wrong, and reopen from the end.
export const STATUS_TRANSITIONS: Record<InvestigationStatus, readonly InvestigationStatus[]> = {
  open: ['investigating', 'identified', 'closed'],
  investigating: ['identified', 'mitigated', 'resolved', 'open', 'closed'],
  identified: ['mitigated', 'resolved', 'investigating', 'closed'],
  mitigated: ['resolved', 'identified', 'closed'],
  resolved: ['closed', 'investigating'],
  closed: ['open'],
}

export function canMoveStatus(from: InvestigationStatus, to: InvestigationStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to)
}
