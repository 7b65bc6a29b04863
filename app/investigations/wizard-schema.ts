// The investigation wizard's steps and their forms: one zod schema per step, used by Conform in the
// browser and by the actions on the server. Safe for the browser.
//
// Times are entered in `datetime-local` inputs and read as UTC, like every time the app shows.
import { z } from 'zod'
import type { InvestigationKind, Severity } from '../../db/schema/investigations'

// The schema's lists, repeated so that the browser bundle does not pull drizzle in; the lines below
// fail to compile if they drift apart.
export const INVESTIGATION_KINDS = ['failing_build', 'regression', 'incident'] as const satisfies readonly InvestigationKind[]
export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const satisfies readonly Severity[]
type Missing<A, B> = Exclude<A, B> extends never ? true : never
const _allKinds: Missing<InvestigationKind, (typeof INVESTIGATION_KINDS)[number]> = true
const _allSeverities: Missing<Severity, (typeof SEVERITIES)[number]> = true
void _allKinds
void _allSeverities

export const WIZARD_STEPS = [
  { number: 1, key: 'what', label: 'What is wrong' },
  { number: 2, key: 'where', label: 'Where' },
  { number: 3, key: 'when', label: 'When' },
  { number: 4, key: 'evidence', label: 'Evidence' },
  { number: 5, key: 'review', label: 'Review' },
] as const

export type StepNumber = 1 | 2 | 3 | 4 | 5
export type StepKey = (typeof WIZARD_STEPS)[number]['key']
export const LAST_STEP: StepNumber = 5

/** Where the wizard lives: /investigations/new/<draftId>/<step>. */
export const wizardPath = (draftId: string, step: number) => `/investigations/new/${encodeURIComponent(draftId)}/${step}`

export function stepFromParam(raw: string | undefined): StepNumber | null {
  if (!raw || !/^[1-5]$/.test(raw)) return null
  return Number(raw) as StepNumber
}

export const stepKey = (step: StepNumber): StepKey => WIZARD_STEPS[step - 1].key

export const KIND_LABELS: Record<InvestigationKind, string> = {
  failing_build: 'Failing build',
  regression: 'Regression',
  incident: 'Incident',
}

export const SEVERITY_LABELS: Record<Severity, string> = {
  sev1: 'SEV1: critical, all hands',
  sev2: 'SEV2: major, blocks a team',
  sev3: 'SEV3: minor, has a workaround',
  sev4: 'SEV4: cosmetic or low risk',
}

// --- intents ----------------------------------------------------------------------------------
// Every wizard form posts an `intent`: `next` (validate and go on), `create` (the last step),
// `back` and `goto-<n>` (save what was typed, unvalidated when going back), `add-link` and
// `remove-link-<i>` (step 4), `discard` (a draft on the entry page).

export type WizardIntent =
  | { type: 'next' }
  | { type: 'create' }
  | { type: 'back' }
  | { type: 'goto'; step: StepNumber }
  | { type: 'add-link' }
  | { type: 'remove-link'; index: number }

export function parseIntent(raw: FormDataEntryValue | null): WizardIntent | null {
  if (raw === 'next' || raw === 'create' || raw === 'back' || raw === 'add-link') return { type: raw }
  if (typeof raw !== 'string') return null
  const goto = /^goto-([1-5])$/.exec(raw)
  if (goto) return { type: 'goto', step: Number(goto[1]) as StepNumber }
  const remove = /^remove-link-(\d{1,2})$/.exec(raw)
  if (remove) return { type: 'remove-link', index: Number(remove[1]) }
  return null
}

/** Whether leaving the current step this way needs its form to be valid: only when going forward. */
export function intentValidates(intent: WizardIntent | null, current: StepNumber): boolean {
  if (!intent) return false
  if (intent.type === 'next' || intent.type === 'create') return true
  return intent.type === 'goto' && intent.step > current
}

// --- times ------------------------------------------------------------------------------------

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/

/** `2026-11-24T03:09` (read as UTC) to ms since the epoch, or null when it is not a real time. */
export function fromDateTimeInput(value: string | null | undefined): number | null {
  const match = value ? LOCAL_DATE_TIME.exec(value) : null
  if (!match) return null
  const [, year, month, day, hour, minute, second] = match.map(Number)
  const ms = Date.UTC(year, month - 1, day, hour, minute, Number.isNaN(second) ? 0 : second)
  const date = new Date(ms)
  // Date.UTC rolls 31 February over into March: refuse it instead.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59) return null
  return ms
}

/** ms since the epoch to what a `datetime-local` input holds, in UTC (minutes). */
export function toDateTimeInput(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return ''
  return new Date(ms).toISOString().slice(0, 16)
}

// --- the steps ------------------------------------------------------------------------------

const optionalText = (max: number) => z.string().trim().max(max, `Use at most ${max} characters`).optional()

export const whatSchema = z.object({
  title: z
    .string({ required_error: 'Say in a line what is wrong' })
    .trim()
    .min(3, 'Use at least 3 characters')
    .max(200, 'Use at most 200 characters'),
  description: optionalText(20_000),
  kind: z.enum(INVESTIGATION_KINDS, { errorMap: () => ({ message: 'Choose failing build, regression or incident' }) }),
  severity: z.enum(SEVERITIES, { errorMap: () => ({ message: 'Choose a severity' }) }),
})
export type WhatValue = z.infer<typeof whatSchema>

// What git check-ref-format refuses, roughly (as the repository form checks a default branch).
const BRANCH_NAME = /^(?!\/|.*\/$|.*\.\.|.*@\{|.*\.$|.*\.lock$)[^\s~^:?*[\\\p{Cc}]+$/u

export const whereSchema = z.object({
  repositoryId: optionalText(200),
  branch: z
    .string()
    .trim()
    .max(255, 'Use at most 255 characters')
    .regex(BRANCH_NAME, 'Enter a branch name as git has it, such as main')
    .optional(),
  workflow: optionalText(200),
  environment: optionalText(100),
})
export type WhereValue = z.infer<typeof whereSchema>

const dateTimeField = z
  .string()
  .trim()
  .refine((value) => fromDateTimeInput(value) !== null, 'Enter a date and time, such as 2026-11-24 03:09')
  .optional()

export const whenSchema = z
  .object({ firstSeen: dateTimeField, lastKnownGood: dateTimeField })
  .superRefine((value, ctx) => {
    const firstSeen = fromDateTimeInput(value.firstSeen)
    const lastGood = fromDateTimeInput(value.lastKnownGood)
    if (firstSeen !== null && lastGood !== null && lastGood > firstSeen) {
      ctx.addIssue({ code: 'custom', path: ['lastKnownGood'], message: 'Last known good must come before first seen' })
    }
  })
export type WhenValue = z.infer<typeof whenSchema>

export const MAX_LINKS = 20
export const MAX_PICKED = 200

const linkRow = z
  .object({
    url: z
      .string()
      .trim()
      .max(2000, 'Use at most 2000 characters')
      .url('Enter a full address, such as https://status.example.com/incidents/42')
      .refine((value) => /^https?:\/\//i.test(value), 'Use an http or https address')
      .optional(),
    title: optionalText(200),
  })
  .superRefine((value, ctx) => {
    if (value.title && !value.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'Enter the address of this link' })
  })

export const evidenceSchema = z.object({
  // `kind:ref` of each thing the linker found that the person ticked (see wizard.server.ts).
  picked: z.array(z.string().max(600)).max(MAX_PICKED, `Pick at most ${MAX_PICKED}`).default([]),
  links: z.array(linkRow).max(MAX_LINKS, `Add at most ${MAX_LINKS} links`).default([]),
})
export type EvidenceValue = z.infer<typeof evidenceSchema>

/** The links that say something (a row left empty is not a link). */
export const filledLinks = (links: EvidenceValue['links']) =>
  links.filter((link): link is { url: string; title?: string } => Boolean(link.url))

export const reviewSchema = z.object({
  ownerId: optionalText(200),
  watcherIds: z.array(z.string().max(200)).max(100, 'Choose at most 100 watchers').default([]),
})
export type ReviewValue = z.infer<typeof reviewSchema>

export const STEP_SCHEMAS = {
  what: whatSchema,
  where: whereSchema,
  when: whenSchema,
  evidence: evidenceSchema,
  review: reviewSchema,
} as const

/** The form fields of each step, so that what was typed can be kept without validating it. */
export const STEP_FIELDS: Record<StepKey, readonly string[]> = {
  what: ['title', 'description', 'kind', 'severity'],
  where: ['repositoryId', 'branch', 'workflow', 'environment'],
  when: ['firstSeen', 'lastKnownGood'],
  evidence: ['picked', 'links'],
  review: ['ownerId', 'watcherIds'],
}

/** A suggested title for a red workflow: what people would write by hand. */
export function suggestTitle(scope: { workflow: string; branch: string; repository: string }) {
  return `${scope.workflow} is red on ${scope.branch} in ${scope.repository}`
}
