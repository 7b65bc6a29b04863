// The investigation page's forms (one zod schema each, used by Conform in the browser and by the
// action on the server), the timeline's filter, and the words the page uses. Safe for the browser.
//
// Every form posts an `intent`; the action answers 400 to any other.
import { z } from 'zod'
import type { EvidenceKind, InvestigationStatus } from '../../db/schema/investigations'
import { shaSchema } from '../linker/decision-schema'
import { fromDateTimeInput, whatSchema, whereSchema } from './wizard-schema'

export { KIND_LABELS, SEVERITY_LABELS, INVESTIGATION_KINDS, SEVERITIES, toDateTimeInput } from './wizard-schema'

export const INVESTIGATION_STATUSES = [
  'open',
  'investigating',
  'identified',
  'mitigated',
  'resolved',
  'closed',
] as const satisfies readonly InvestigationStatus[]

export const SEVERITY_SHORT = { sev1: 'SEV1', sev2: 'SEV2', sev3: 'SEV3', sev4: 'SEV4' } as const

export const EVIDENCE_KIND_LABELS: Record<EvidenceKind, string> = {
  commit: 'commit',
  ci_run: 'CI run',
  test: 'test',
  suspect: 'suspect',
  flaky_test: 'flaky test',
  episode: 'red episode',
  link: 'link',
  deploy: 'deploy',
}

// --- the timeline's filter --------------------------------------------------------------------

export const TIMELINE_FILTERS = [
  'all',
  'changes',
  'notes',
  'evidence',
  'suspects',
  'commits',
  'runs',
  'tests',
  'deploys',
  'links',
] as const
export type TimelineFilter = (typeof TIMELINE_FILTERS)[number]
export type TimelineCategory = Exclude<TimelineFilter, 'all'>

export const TIMELINE_FILTER_LABELS: Record<TimelineFilter, string> = {
  all: 'Everything',
  changes: 'Status, owner and details',
  notes: 'Notes',
  evidence: 'Evidence added or removed',
  suspects: 'Suspect decisions',
  commits: 'Commits',
  runs: 'CI runs',
  tests: 'Tests',
  deploys: 'Deploys',
  links: 'Links',
}

/** The `kind` query parameter as a filter; anything else shows everything. */
export function timelineFilterOf(raw: string | null | undefined): TimelineFilter {
  return (TIMELINE_FILTERS as readonly string[]).includes(raw ?? '') ? (raw as TimelineFilter) : 'all'
}

// --- forms ------------------------------------------------------------------------------------

const optionalDateTime = z
  .string()
  .trim()
  .refine((value) => fromDateTimeInput(value) !== null, 'Enter a date and time, such as 2026-11-24 03:09')
  .optional()

export const statusSchema = z.object({
  intent: z.literal('status'),
  status: z.enum(INVESTIGATION_STATUSES, { errorMap: () => ({ message: 'Choose a status' }) }),
})

export const detailsSchema = z
  .object({
    intent: z.literal('details'),
    ...whatSchema.shape,
    branch: whereSchema.shape.branch,
    workflow: whereSchema.shape.workflow,
    environment: whereSchema.shape.environment,
    firstSeen: optionalDateTime,
    lastKnownGood: optionalDateTime,
  })
  .superRefine((value, ctx) => {
    const firstSeen = fromDateTimeInput(value.firstSeen)
    const lastGood = fromDateTimeInput(value.lastKnownGood)
    if (firstSeen !== null && lastGood !== null && lastGood > firstSeen) {
      ctx.addIssue({ code: 'custom', path: ['lastKnownGood'], message: 'Last known good must come before first seen' })
    }
  })

export const ownerSchema = z.object({
  intent: z.literal('owner'),
  // Empty: nobody owns it.
  ownerId: z.string().trim().max(200).optional(),
})

export const watchSchema = z.object({ intent: z.enum(['watch', 'unwatch']) })

export const NOTE_MAX = 20_000
export const noteSchema = z.object({
  intent: z.literal('note'),
  body: z
    .string({ required_error: 'Write something first' })
    .trim()
    .min(1, 'Write something first')
    .max(NOTE_MAX, `Use at most ${NOTE_MAX} characters`),
})

export const addEvidenceSchema = z.object({
  intent: z.literal('add-evidence'),
  kind: z.enum(['link', 'deploy'], { errorMap: () => ({ message: 'Choose link or deploy' }) }),
  url: z
    .string({ required_error: 'Enter the address' })
    .trim()
    .max(2000, 'Use at most 2000 characters')
    .url('Enter a full address, such as https://deploys.example.com/1234')
    .refine((value) => /^https?:\/\//i.test(value), 'Use an http or https address'),
  title: z
    .string({ required_error: 'Give it a title' })
    .trim()
    .min(1, 'Give it a title')
    .max(200, 'Use at most 200 characters'),
  occurredAt: optionalDateTime,
})

export const removeEvidenceSchema = z.object({
  intent: z.literal('remove-evidence'),
  evidenceId: z.coerce
    .number({ invalid_type_error: 'Not a piece of evidence' })
    .int()
    .positive('Not a piece of evidence'),
})

export const suspectSchema = z.object({
  intent: z.enum(['accept-suspect', 'reject-suspect']),
  episodeId: z.coerce.number({ invalid_type_error: 'Not an episode' }).int().positive('Not an episode'),
  sha: shaSchema,
})

export const deleteSchema = z.object({ intent: z.literal('delete') })

export const PAGE_INTENTS = [
  'status',
  'details',
  'owner',
  'note',
  'add-evidence',
  'remove-evidence',
  'accept-suspect',
  'reject-suspect',
  'delete',
] as const
export type PageIntent = (typeof PAGE_INTENTS)[number]

export function pageIntentOf(raw: FormDataEntryValue | null): PageIntent | null {
  return typeof raw === 'string' && (PAGE_INTENTS as readonly string[]).includes(raw) ? (raw as PageIntent) : null
}
