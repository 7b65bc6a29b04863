// How an investigation's status and severity look wherever they appear: the page header, the list,
// the dashboard. Plain spans with classes: lists render dozens of them.
import type { InvestigationStatus, Severity } from '../../db/schema/investigations'
import { STATUS_LABELS } from '../investigations/status'

export const STATUS_STYLES: Record<InvestigationStatus, string> = {
  open: 'bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-200',
  investigating: 'bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200',
  identified: 'bg-violet-100 text-violet-800 dark:bg-violet-900 dark:text-violet-200',
  mitigated: 'bg-teal-100 text-teal-800 dark:bg-teal-900 dark:text-teal-200',
  resolved: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200',
  closed: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
}

/** Severity as text in a table cell. */
export const SEVERITY_TEXT_STYLES: Record<Severity, string> = {
  sev1: 'font-semibold text-red-700 dark:text-red-300',
  sev2: 'font-medium text-amber-700 dark:text-amber-300',
  sev3: 'text-zinc-600 dark:text-zinc-400',
  sev4: 'text-zinc-500',
}

export function StatusPill({ status }: { status: InvestigationStatus }) {
  return <span className={`whitespace-nowrap rounded px-1.5 py-0.5 text-xs ${STATUS_STYLES[status]}`}>{STATUS_LABELS[status]}</span>
}
