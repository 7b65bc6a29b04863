// Request bodies and queries of /api/v1/investigations. Objects are strict: a misspelt field is a 400
// that names it, never a change silently not made. Times travel as ISO 8601 and become ms here.
import { z } from 'zod'
import {
  EVIDENCE_KINDS,
  INVESTIGATION_KINDS,
  INVESTIGATION_STATUSES,
  SEVERITIES,
} from '../../db/schema/investigations'

export const MAX_API_EVIDENCE = 200
export const MAX_API_WATCHERS = 100

const text = (max: number) => z.string({ invalid_type_error: 'Must be a string' }).trim().max(max, `Use at most ${max} characters`)
/** A text field that may be cleared with null (or ""). */
const clearable = (max: number) =>
  text(max)
    .nullable()
    .transform((value) => (value === '' ? null : value))
const userId = z.string({ invalid_type_error: 'Must be a user id' }).trim().min(1, 'Must be a user id').max(200)
const time = z
  .string({ invalid_type_error: 'Must be an ISO 8601 date-time' })
  .datetime({ offset: true, message: 'Use an ISO 8601 date-time such as 2026-05-01T12:00:00Z' })
  .transform((value) => Date.parse(value))
  .nullable()
const title = z.string({ required_error: 'Say in a line what is wrong', invalid_type_error: 'Must be a string' }).trim().min(3, 'Use at least 3 characters').max(200, 'Use at most 200 characters')
const branch = clearable(255).refine((value) => value === null || !/\s/.test(value), 'A branch name has no spaces')
const kind = z.enum(INVESTIGATION_KINDS, { errorMap: () => ({ message: `One of ${INVESTIGATION_KINDS.join(', ')}` }) })
const severity = z.enum(SEVERITIES, { errorMap: () => ({ message: `One of ${SEVERITIES.join(', ')}` }) })
const status = z.enum(INVESTIGATION_STATUSES, { errorMap: () => ({ message: `One of ${INVESTIGATION_STATUSES.join(', ')}` }) })

// What `ref` looks like for each kind (see investigation_evidence in db/schema/investigations.ts).
const REF_FORMS: Partial<Record<(typeof EVIDENCE_KINDS)[number], { pattern: RegExp; message: string }>> = {
  commit: { pattern: /^[0-9a-f]{7,64}$/, message: 'A commit sha' },
  ci_run: { pattern: /^\d{1,15}$/, message: 'A CI run id' },
  episode: { pattern: /^\d{1,15}$/, message: 'An episode id' },
  flaky_test: { pattern: /^\d{1,15}$/, message: 'A flaky test id' },
  suspect: { pattern: /^\d{1,15}:[0-9a-f]{40}$/, message: 'episodeId:sha (the full sha)' },
  link: { pattern: /^https?:\/\/\S+$/i, message: 'An http or https address' },
  deploy: { pattern: /^https?:\/\/\S+$/i, message: 'An http or https address' },
}

export const apiEvidenceSchema = z
  .object({
    kind: z.enum(EVIDENCE_KINDS, { errorMap: () => ({ message: `One of ${EVIDENCE_KINDS.join(', ')}` }) }),
    ref: text(2000).min(1, 'Say what it points at'),
    label: text(300).optional(),
    repositoryId: clearable(200).optional(),
    occurredAt: time.optional(),
    note: clearable(2000).optional(),
  })
  .strict()
  .transform((item, ctx) => {
    const ref = ['commit', 'suspect'].includes(item.kind) ? item.ref.toLowerCase() : item.ref
    const form = REF_FORMS[item.kind]
    if (form && !form.pattern.test(ref)) ctx.addIssue({ code: 'custom', path: ['ref'], message: form.message })
    if (item.kind === 'link' || item.kind === 'deploy') {
      try {
        new URL(ref)
      } catch {
        ctx.addIssue({ code: 'custom', path: ['ref'], message: 'An http or https address' })
      }
    }
    return { ...item, ref, label: item.label || ref }
  })

/** POST /api/v1/investigations */
export const apiCreateInvestigationSchema = z
  .object({
    title,
    description: text(20_000).optional(),
    kind,
    severity,
    repositoryId: clearable(200).optional(),
    branch: branch.optional(),
    workflow: clearable(200).optional(),
    environment: clearable(100).optional(),
    firstSeenAt: time.optional(),
    lastKnownGoodAt: time.optional(),
    episodeId: z.number({ invalid_type_error: 'Must be an episode id' }).int().positive().nullable().optional(),
    ownerId: userId.nullable().optional(),
    watcherIds: z.array(userId).max(MAX_API_WATCHERS, `At most ${MAX_API_WATCHERS} watchers`).optional(),
    evidence: z.array(apiEvidenceSchema).max(MAX_API_EVIDENCE, `At most ${MAX_API_EVIDENCE} items`).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.firstSeenAt != null && value.lastKnownGoodAt != null && value.lastKnownGoodAt > value.firstSeenAt) {
      ctx.addIssue({ code: 'custom', path: ['lastKnownGoodAt'], message: 'Last known good must come before first seen' })
    }
  })
export type ApiCreateInvestigation = z.infer<typeof apiCreateInvestigationSchema>

/** PATCH /api/v1/investigations/{id}: only the fields sent change. */
export const apiUpdateInvestigationSchema = z
  .object({
    title: title.optional(),
    description: text(20_000).optional(),
    kind: kind.optional(),
    severity: severity.optional(),
    status: status.optional(),
    ownerId: userId.nullable().optional(),
    branch: branch.optional(),
    workflow: clearable(200).optional(),
    environment: clearable(100).optional(),
    firstSeenAt: time.optional(),
    lastKnownGoodAt: time.optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, 'Send at least one field to change')
export type ApiUpdateInvestigation = z.infer<typeof apiUpdateInvestigationSchema>

const list = <T extends string>(values: readonly [T, ...T[]], name: string) =>
  z
    .array(z.string())
    .transform((raw) => raw.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values, { errorMap: () => ({ message: `Each ${name} is one of ${values.join(', ')}` }) })))

/** GET /api/v1/investigations: each of status and severity may repeat or be comma-separated. */
export const apiListQuerySchema = z
  .object({
    status: list(INVESTIGATION_STATUSES, 'status'),
    severity: list(SEVERITIES, 'severity'),
    repository: z.string().trim().max(200).optional(),
    owner: z.string().trim().max(320).optional(),
    q: z.string().max(500).optional(),
    cursor: z.string().max(64, 'Not a cursor of this API').optional(),
    limit: z.coerce.number({ invalid_type_error: 'A number from 1 to 100' }).int('A number from 1 to 100').min(1, 'A number from 1 to 100').max(100, 'A number from 1 to 100').default(25),
  })
  .strict()

/** The query string as the list schema reads it: repeatable keys as arrays. */
export function listQueryInput(params: URLSearchParams): Record<string, unknown> {
  const input: Record<string, unknown> = { status: params.getAll('status'), severity: params.getAll('severity') }
  for (const [key, value] of params) if (key !== 'status' && key !== 'severity') input[key] = value
  return input
}

/** Zod issues as the API's `fields`: the path joined with dots (`evidence.0.ref`), unknown keys by name. */
export function issueFields(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {}
  const add = (key: string, message: string) => {
    const list = (fields[key] ??= [])
    if (!list.includes(message)) list.push(message)
  }
  for (const issue of error.issues) {
    const base = issue.path.join('.')
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(base ? `${base}.${key}` : key, 'Unknown field')
    } else {
      add(base || '_', issue.message)
    }
  }
  return fields
}
