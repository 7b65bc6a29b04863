// The investigation wizard's server side: prefill from the linker (an episode, or a repository,
// branch and workflow), the evidence the linker found for a scope, each step's save, and creating
// the investigation from a finished draft. Routes stay thin: they call `startWizard` and
// `submitWizardStep` with the posted form and send back what these return.
import type { SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { sql } from 'drizzle-orm'
import type { EvidenceKind } from '../../db/schema/investigations'
import { userHasPermission, type Role } from '../auth/permissions'
import { getDb } from '../db.server'
import { getBranchStatus } from '../linker/branches.server'
import { RED_CONCLUSIONS } from '../linker/conclusions'
import { getEpisode, listSuspects, type SuspectView } from '../linker/episodes.server'
import { listFlakyTests, testKeyOf } from '../linker/flaky.server'
import { firstRow, json } from '../linker/sql.server'
import { getLogger } from '../observability/logger.server'
import { claimDraft, createDraft, restoreDraft, saveDraft, type Draft, type DraftData, type LinkerScope } from './drafts.server'
import { createInvestigation, type EvidenceInput, type NewInvestigation } from './investigations.server'
import {
  filledLinks,
  fromDateTimeInput,
  intentValidates,
  LAST_STEP,
  MAX_LINKS,
  parseIntent,
  STEP_FIELDS,
  STEP_SCHEMAS,
  stepKey,
  suggestTitle,
  toDateTimeInput,
  whatSchema,
  wizardPath,
  type EvidenceValue,
  type ReviewValue,
  type StepKey,
  type StepNumber,
  type WhereValue,
} from './wizard-schema'

// --- the linker's view of a scope ------------------------------------------------------------

export interface ScopePrefill {
  where: { repositoryId: string; branch: string; workflow: string; environment: string }
  when: { firstSeen: string; lastKnownGood: string }
  linker: LinkerScope
  suggestedTitle: string | null
  /** `acme/shop · main · CI`, for the page that starts from it. */
  label: string
}

export const scopeKeyOf = (where: { repositoryId?: unknown; branch?: unknown; workflow?: unknown } | undefined) =>
  [where?.repositoryId, where?.branch, where?.workflow].map((part) => (typeof part === 'string' ? part.trim() : '')).join('\n')

interface ScopeTimes {
  linker: LinkerScope
  firstRedAt: number | null
  lastGreenAt: number | null
  /** The workflow the linker's answer is about (the red one when none was named). */
  workflow: string | null
}

/**
 * What the linker knows about a repository, branch and workflow: the open red episode (or, with no
 * workflow named, the first red workflow), its first red and last green runs; on a green branch
 * the newest green run only.
 */
export async function resolveLinkerScope(where: { repositoryId?: string | null; branch?: string | null; workflow?: string | null }): Promise<ScopeTimes> {
  const empty: ScopeTimes = {
    linker: { scopeKey: scopeKeyOf(where), episodeId: null, firstRedRunId: null, lastGreenRunId: null },
    firstRedAt: null,
    lastGreenAt: null,
    workflow: where.workflow || null,
  }
  if (!where.repositoryId || !where.branch) return empty
  const status = await getBranchStatus(where.repositoryId, where.branch, { rangeLimit: 1 })
  if (!status) return empty
  const workflow = where.workflow
    ? status.workflows.find((candidate) => candidate.name === where.workflow)
    : (status.workflows.find((candidate) => candidate.episode && !candidate.episode.likelyFlaky) ?? status.workflows.find((candidate) => candidate.episode))
  if (!workflow) return empty
  return {
    linker: {
      scopeKey: empty.linker.scopeKey,
      episodeId: workflow.episode?.id ?? null,
      firstRedRunId: workflow.firstRed?.id ?? null,
      lastGreenRunId: workflow.lastGreen?.id ?? null,
    },
    firstRedAt: workflow.firstRed?.completedAt ?? null,
    lastGreenAt: workflow.lastGreen?.completedAt ?? null,
    workflow: workflow.name,
  }
}

/** Steps 2 and 3 from a red episode (open or closed), with a suggested title; null when there is none. */
export async function prefillFromEpisode(episodeId: number): Promise<ScopePrefill | null> {
  const episode = await getEpisode(episodeId)
  if (!episode) return null
  const where = { repositoryId: episode.repositoryId, branch: episode.branch, workflow: episode.name, environment: '' }
  return {
    where,
    when: { firstSeen: toDateTimeInput(episode.firstRed?.completedAt), lastKnownGood: toDateTimeInput(episode.lastGreen?.completedAt) },
    linker: { scopeKey: scopeKeyOf(where), episodeId: episode.id, firstRedRunId: episode.firstRedRunId, lastGreenRunId: episode.lastGreenRunId },
    suggestedTitle: suggestTitle({ workflow: episode.name, branch: episode.branch, repository: episode.repository }),
    label: `${episode.repository} · ${episode.branch} · ${episode.name}`,
  }
}

/** Steps 2 and 3 from a repository, branch and workflow (as the red branches link them); null for an unknown repository. */
export async function prefillFromScope(scope: { repositoryId: string; branch?: string | null; workflow?: string | null }): Promise<ScopePrefill | null> {
  const repository = await firstRow<{ name: string }>(getDb(), sql`select name from repositories where id = ${scope.repositoryId}`)
  if (!repository) return null
  const resolved = await resolveLinkerScope(scope)
  const where = { repositoryId: scope.repositoryId, branch: scope.branch ?? '', workflow: resolved.workflow ?? '', environment: '' }
  const red = resolved.linker.episodeId !== null
  return {
    where,
    when: { firstSeen: toDateTimeInput(resolved.firstRedAt), lastKnownGood: toDateTimeInput(resolved.lastGreenAt) },
    linker: { ...resolved.linker, scopeKey: scopeKeyOf(where) },
    suggestedTitle: red && where.branch && where.workflow ? suggestTitle({ workflow: where.workflow, branch: where.branch, repository: repository.name }) : null,
    label: [repository.name, where.branch, where.workflow].filter(Boolean).join(' · '),
  }
}

export type WizardSeed = { episode: number } | { repositoryId: string; branch: string | null; workflow: string | null }

/** The seed of `/investigations/new?episode=` or `?repository=&branch=&workflow=`; null when there is none. */
export function seedFromSearch(params: URLSearchParams): WizardSeed | null {
  const episode = params.get('episode')
  if (episode) return /^\d{1,12}$/.test(episode) ? { episode: Number(episode) } : { episode: -1 }
  const repositoryId = params.get('repository')
  if (!repositoryId) return null
  return { repositoryId, branch: params.get('branch') || null, workflow: params.get('workflow') || null }
}

export async function prefillFromSeed(seed: WizardSeed): Promise<ScopePrefill | null> {
  if ('episode' in seed) return seed.episode > 0 ? prefillFromEpisode(seed.episode) : null
  return prefillFromScope(seed)
}

// --- evidence candidates ----------------------------------------------------------------------

export interface EvidenceCandidate {
  /** `kind:ref`: the checkbox's value. */
  key: string
  kind: EvidenceKind
  ref: string
  label: string
  occurredAt: number | null
  repositoryId: string | null
  /** Kept with the evidence row: why it is there. */
  note?: string
}

export interface EvidenceCandidates {
  repository: { id: string; name: string } | null
  episode: (EvidenceCandidate & { episodeId: number; status: 'open' | 'closed'; likelyFlaky: boolean; rangeSize: number; redCommits: number }) | null
  runs: Array<EvidenceCandidate & { sha: string; conclusion: string | null; url: string | null; firstRed: boolean }>
  suspects: Array<EvidenceCandidate & Pick<SuspectView, 'sha' | 'subject' | 'authorName' | 'score' | 'rank' | 'reasons' | 'status'>>
  commits: Array<EvidenceCandidate & { sha: string; role: 'last_green' | 'first_red' }>
  tests: Array<EvidenceCandidate & { knownFlaky: boolean; file: string | null; message: string | null }>
  flaky: Array<EvidenceCandidate & { rate: number; file: string | null; failedHere: boolean }>
}

const RED_LIST = sql.raw(RED_CONCLUSIONS.map((conclusion) => `'${conclusion}'`).join(', '))
const MAX_RUNS = 20
const MAX_FLAKY = 20
const candidate = (kind: EvidenceKind, ref: string, label: string, occurredAt: number | null, repositoryId: string | null): EvidenceCandidate => ({
  key: `${kind}:${ref}`,
  kind,
  ref,
  label,
  occurredAt,
  repositoryId,
})
const short = (sha: string) => sha.slice(0, 10)

/** What the linker found for the draft's scope, to pick from in step 4. */
export async function listEvidenceCandidates(data: DraftData): Promise<EvidenceCandidates> {
  const where = data.where ?? {}
  const repositoryId = typeof where.repositoryId === 'string' && where.repositoryId ? where.repositoryId : null
  const branch = typeof where.branch === 'string' && where.branch ? where.branch : null
  const workflow = typeof where.workflow === 'string' && where.workflow ? where.workflow : null
  const out: EvidenceCandidates = { repository: null, episode: null, runs: [], suspects: [], commits: [], tests: [], flaky: [] }
  if (!repositoryId) return out
  const db = getDb()
  const repository = await firstRow<{ id: string; name: string }>(db, sql`select id, name from repositories where id = ${repositoryId}`)
  if (!repository) return out
  out.repository = repository
  const linker = data.linker?.scopeKey === scopeKeyOf(where) ? data.linker : (await resolveLinkerScope({ repositoryId, branch, workflow })).linker
  const episode = linker.episodeId !== null ? await getEpisode(linker.episodeId) : null
  let failingKeys = new Set<string>()
  if (episode) {
    out.episode = {
      ...candidate('episode', String(episode.id), `Red episode #${episode.id}: ${episode.name} on ${episode.branch}`, episode.openedAt, repository.id),
      episodeId: episode.id,
      status: episode.status,
      likelyFlaky: episode.likelyFlaky,
      rangeSize: episode.rangeSize,
      redCommits: episode.redCommits,
    }
    const suspects = await listSuspects(episode.id)
    out.suspects = suspects
      .filter((suspect) => suspect.inRange)
      .map((suspect) => ({
        ...candidate('suspect', `${episode.id}:${suspect.sha}`, `${short(suspect.sha)} ${suspect.subject ?? '(commit not imported)'}`, suspect.committedAt, repository.id),
        sha: suspect.sha,
        subject: suspect.subject,
        authorName: suspect.authorName,
        score: suspect.score,
        rank: suspect.rank,
        reasons: suspect.reasons,
        status: suspect.status,
      }))
    const edges = await db.all<{ sha: string; subject: string | null; committedAt: number | null }>(sql`
      select k.value as sha, c.subject, c.committed_at as committedAt from json_each(${json([episode.lastGreenSha, episode.firstRedSha].filter(Boolean))}) k
      left join commits c on c.repository_id = ${repository.id} and c.sha = k.value`)
    for (const edge of edges) {
      const role = edge.sha === episode.firstRedSha ? 'first_red' : 'last_green'
      const note = role === 'first_red' ? `The first red commit of ${episode.name} on ${episode.branch}` : `The last green commit of ${episode.name} on ${episode.branch}`
      // The page shows a commit's short sha before its label: the label is the subject.
      out.commits.push({ ...candidate('commit', edge.sha, edge.subject ?? '(commit not imported)', edge.committedAt, repository.id), note, sha: edge.sha, role })
    }
    out.tests = episode.failingTests.map((test) => ({
      ...candidate('test', testKeyOf(test.classname ?? test.suite, test.name), `${test.classname ?? test.suite} › ${test.name}`, episode.firstRed?.completedAt ?? null, repository.id),
      knownFlaky: test.knownFlaky,
      file: test.file,
      message: test.message,
    }))
    failingKeys = new Set(out.tests.map((test) => test.ref))
  }
  // Red runs: the episode's streak (from its first red until it closed), or the newest red runs of the scope.
  const since = episode?.firstRed?.completedAt ?? null
  const until = episode?.closing?.completedAt ?? null
  const runs = await db.all<{ id: number; sha: string; name: string; externalId: string; attempt: number; conclusion: string | null; at: number; url: string | null }>(sql`
    select r.id, r.head_sha as sha, r.name, r.external_id as externalId, r.attempt, r.conclusion, coalesce(r.completed_at, r.source_updated_at) as at, r.url
    from ci_runs r
    where r.repository_id = ${repository.id} and r.conclusion in (${RED_LIST})
      and (${branch} is null or r.branch = ${branch}) and (${workflow} is null or r.name = ${workflow})
      and (${since} is null or coalesce(r.completed_at, r.source_updated_at) >= ${since})
      and (${until} is null or coalesce(r.completed_at, r.source_updated_at) < ${until})
    order by at desc, r.id desc limit ${MAX_RUNS}`)
  out.runs = runs.map((run) => ({
    ...candidate('ci_run', String(run.id), `${run.name} #${run.externalId}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''} on ${short(run.sha)}`, run.at, repository.id),
    sha: run.sha,
    conclusion: run.conclusion,
    url: run.url,
    firstRed: run.id === episode?.firstRedRunId,
  }))
  const flaky = await listFlakyTests({ repositoryId: repository.id, sort: 'last-seen', limit: MAX_FLAKY })
  out.flaky = flaky.map((test) => ({
    ...candidate('flaky_test', String(test.id), `Flaky: ${test.scope} › ${test.name}`, test.lastFlakyAt, repository.id),
    rate: test.rate,
    file: test.file,
    failedHere: failingKeys.has(testKeyOf(test.scope, test.name)),
  }))
  return out
}

export function allCandidates(candidates: EvidenceCandidates): EvidenceCandidate[] {
  return [...(candidates.episode ? [candidates.episode] : []), ...candidates.runs, ...candidates.suspects, ...candidates.commits, ...candidates.tests, ...candidates.flaky]
}

/** The picked candidates and the free links as evidence rows; `missing` lists picks the linker no longer offers. */
export function resolveEvidence(candidates: EvidenceCandidates, value: EvidenceValue): { evidence: EvidenceInput[]; missing: string[] } {
  const byKey = new Map(allCandidates(candidates).map((item) => [item.key, item]))
  const evidence: EvidenceInput[] = []
  const missing: string[] = []
  for (const key of new Set(value.picked)) {
    const found = byKey.get(key)
    if (!found) {
      missing.push(key)
      continue
    }
    evidence.push({ kind: found.kind, ref: found.ref, repositoryId: found.repositoryId, label: found.label, occurredAt: found.occurredAt, note: found.note ?? null })
  }
  for (const link of filledLinks(value.links)) evidence.push({ kind: 'link', ref: link.url, label: link.title || link.url })
  return { evidence, missing }
}

// --- people and places to choose from -------------------------------------------------------

export interface Person {
  id: string
  name: string
  email: string
  role: Role
  /** May own an investigation (works on it). */
  canOwn: boolean
}

/** Everyone who can sign in, for owner and watchers. */
export async function listPeople(): Promise<Person[]> {
  const rows = await getDb().all<{ id: string; name: string; email: string; role: Role }>(
    sql`select id, name, email, role from users where disabled_at is null order by name collate nocase, email`,
  )
  return rows.map((row) => ({ ...row, canOwn: userHasPermission(row.role, 'investigation:write') }))
}

/** Repositories, and the branch and workflow names the linker has seen (suggestions for step 2). */
export async function listScopeOptions() {
  const db = getDb()
  const [repositories, branches, workflows] = await Promise.all([
    db.all<{ id: string; name: string }>(sql`select id, name from repositories order by name`),
    db.all<{ name: string }>(sql`select distinct branch as name from linker_sequences order by branch limit 200`),
    db.all<{ name: string }>(sql`select distinct name from linker_sequences order by name limit 200`),
  ])
  return { repositories, branches: branches.map((row) => row.name), workflows: workflows.map((row) => row.name) }
}

export interface RunBrief {
  id: number
  name: string
  externalId: string
  sha: string
  conclusion: string | null
  completedAt: number | null
}

/** What step 3's prefill came from: the episode and its first red and last green runs. */
export async function describeLinkerScope(linker: LinkerScope | undefined) {
  if (!linker) return null
  const ids = [linker.firstRedRunId, linker.lastGreenRunId].filter((id): id is number => id !== null)
  const runs = await getDb().all<RunBrief>(sql`
    select id, name, external_id as externalId, head_sha as sha, conclusion, completed_at as completedAt
    from ci_runs where id in (select value from json_each(${json(ids)}))`)
  const runById = new Map(runs.map((run) => [run.id, run]))
  return {
    episodeId: linker.episodeId,
    firstRed: (linker.firstRedRunId !== null && runById.get(linker.firstRedRunId)) || null,
    lastGreen: (linker.lastGreenRunId !== null && runById.get(linker.lastGreenRunId)) || null,
  }
}

// --- saving steps -----------------------------------------------------------------------------

export type WizardReply = { redirectTo: string } | { status: 400 | 404; result: SubmissionResult<string[]> | null; message: string | null }

const unknownIntent: WizardReply = { status: 400, result: null, message: 'Unknown action.' }

/** The step's fields out of a parsed form, as typed. */
function typedValues(key: StepKey, payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of STEP_FIELDS[key]) if (payload[field] !== undefined) out[field] = payload[field]
  return out
}

/** A saved step as a form again, so that it is parsed exactly as a submission would be. */
function asFormData(values: Record<string, unknown> | undefined): FormData {
  const form = new FormData()
  const add = (name: string, value: unknown) => {
    if (value === undefined || value === null) return
    if (Array.isArray(value)) value.forEach((item, index) => add(`${name}[${index}]`, item))
    else if (typeof value === 'object') for (const [key, inner] of Object.entries(value)) add(`${name}.${key}`, inner)
    else form.append(name, String(value))
  }
  for (const [name, value] of Object.entries(values ?? {})) add(name, value)
  return form
}

export function parseSavedStep<K extends StepKey>(data: DraftData, key: K) {
  return parseWithZod(asFormData(data[key]), { schema: STEP_SCHEMAS[key] })
}

const asLinks = (value: unknown): Array<Record<string, unknown>> =>
  (Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : []).map((row) => (row && typeof row === 'object' ? (row as Record<string, unknown>) : {}))

async function checkPeople(value: ReviewValue): Promise<Record<string, string[]>> {
  const people = new Map((await listPeople()).map((person) => [person.id, person]))
  const errors: Record<string, string[]> = {}
  if (value.ownerId && !people.get(value.ownerId)?.canOwn) errors.ownerId = ['Choose an owner from the list']
  if (value.watcherIds.some((id) => !people.has(id))) errors.watcherIds = ['Choose watchers from the list']
  return errors
}

/**
 * Step 1 of a new draft (`/investigations/new`): nothing is stored until it is valid. With a seed
 * (an episode, or a repository, branch and workflow) steps 2 and 3 are filled in at once and the
 * wizard goes on to the evidence.
 */
export async function startWizard(userId: string, formData: FormData, seed: WizardSeed | null): Promise<WizardReply> {
  if (formData.get('intent') !== 'next') return unknownIntent
  const submission = parseWithZod(formData, { schema: whatSchema })
  if (submission.status !== 'success') return { status: 400, result: submission.reply(), message: null }
  const prefill = seed ? await prefillFromSeed(seed) : null
  if (seed && !prefill) return { status: 404, result: submission.reply({ formErrors: ['What this started from no longer exists.'] }), message: null }
  const what = typedValues('what', submission.payload)
  const data: DraftData = prefill ? { what, where: prefill.where, when: prefill.when, linker: prefill.linker } : { what }
  const id = await createDraft(userId, data, prefill ? 3 : 1)
  return { redirectTo: wizardPath(id, prefill ? 4 : 2) }
}

/**
 * One step's form posted: `next` validates and saves, then goes on; `back` and `goto` to an earlier
 * step save what was typed without validating; step 4 adds and removes link rows.
 */
export async function submitWizardStep(draft: Draft, step: StepNumber, formData: FormData, actorId: string): Promise<WizardReply> {
  const intent = parseIntent(formData.get('intent'))
  if (!intent) return unknownIntent
  const key = stepKey(step)
  const submission = parseWithZod(formData, { schema: STEP_SCHEMAS[key] })
  const typed = typedValues(key, submission.payload)
  const data: DraftData = { ...draft.data, [key]: typed }
  const here = wizardPath(draft.id, step)

  if (intent.type === 'add-link' || intent.type === 'remove-link') {
    if (key !== 'evidence') return unknownIntent
    const links = asLinks(typed.links)
    if (intent.type === 'add-link' && links.length < MAX_LINKS) links.push({ url: '', title: '' })
    if (intent.type === 'remove-link') links.splice(intent.index, 1)
    data.evidence = { ...typed, links }
    await saveDraft(draft.id, draft.userId, data, draft.step)
    return { redirectTo: `${here}#links` }
  }
  if (intent.type === 'create' && step !== LAST_STEP) return unknownIntent
  if (!intentValidates(intent, step)) {
    await saveDraft(draft.id, draft.userId, data, draft.step)
    const target = intent.type === 'goto' ? intent.step : Math.max(1, step - 1)
    return { redirectTo: wizardPath(draft.id, target) }
  }
  if (submission.status !== 'success') {
    await saveDraft(draft.id, draft.userId, data, draft.step)
    return { status: 400, result: submission.reply(), message: null }
  }

  let furthest = Math.max(draft.step, step)
  if (key === 'where') {
    const where = submission.value as WhereValue
    if (where.repositoryId) {
      const known = await firstRow<{ id: string }>(getDb(), sql`select id from repositories where id = ${where.repositoryId}`)
      if (!known) return { status: 400, result: submission.reply({ fieldErrors: { repositoryId: ['Choose a repository from the list'] } }), message: null }
    }
    // A new scope: ask the linker again, refill the times it knows, and look at steps 3 and 4 again.
    if (scopeKeyOf(where) !== draft.data.linker?.scopeKey) {
      const resolved = await resolveLinkerScope(where)
      const before = draft.data.when ?? {}
      // No workflow named: the linker's red one on that branch is the one meant.
      if (!where.workflow && resolved.workflow) data.where = { ...typed, workflow: resolved.workflow }
      data.linker = { ...resolved.linker, scopeKey: scopeKeyOf(data.where) }
      data.when = {
        firstSeen: resolved.firstRedAt !== null ? toDateTimeInput(resolved.firstRedAt) : (before.firstSeen ?? ''),
        lastKnownGood: resolved.lastGreenAt !== null ? toDateTimeInput(resolved.lastGreenAt) : (before.lastKnownGood ?? ''),
      }
      furthest = 2
    }
  }
  if (key === 'evidence') {
    const { missing } = resolveEvidence(await listEvidenceCandidates(data), submission.value as EvidenceValue)
    if (missing.length) {
      await saveDraft(draft.id, draft.userId, data, draft.step)
      return { status: 400, result: submission.reply({ fieldErrors: { picked: ['Some of what you picked is no longer there: pick again'] } }), message: null }
    }
  }
  if (key === 'review') {
    const errors = await checkPeople(submission.value as ReviewValue)
    if (Object.keys(errors).length) {
      await saveDraft(draft.id, draft.userId, data, draft.step)
      return { status: 400, result: submission.reply({ fieldErrors: errors }), message: null }
    }
  }
  await saveDraft(draft.id, draft.userId, data, furthest)
  if (intent.type === 'create') {
    const created = await createFromDraft({ ...draft, data, step: furthest }, actorId)
    if (!created.ok) return { status: 400, result: submission.reply({ formErrors: [created.message] }), message: null }
    return { redirectTo: `/investigations/${created.id}` }
  }
  const target = intent.type === 'goto' ? intent.step : step + 1
  return { redirectTo: wizardPath(draft.id, Math.min(target, furthest + 1)) }
}

// --- creating ---------------------------------------------------------------------------------

export type BuildOutcome = { ok: true; input: NewInvestigation } | { ok: false; step: StepNumber; message: string }

const STEP_PROBLEM = (step: StepNumber, what: string) => ({ ok: false as const, step, message: `Step ${step} (${what}) needs another look before the investigation can be created.` })

/** Every step of a draft validated again and turned into an investigation to create. */
export async function buildInvestigation(data: DraftData): Promise<BuildOutcome> {
  const what = parseSavedStep(data, 'what')
  if (what.status !== 'success') return STEP_PROBLEM(1, 'What is wrong')
  const where = parseSavedStep(data, 'where')
  if (where.status !== 'success') return STEP_PROBLEM(2, 'Where')
  const when = parseSavedStep(data, 'when')
  if (when.status !== 'success') return STEP_PROBLEM(3, 'When')
  const evidence = parseSavedStep(data, 'evidence')
  if (evidence.status !== 'success') return STEP_PROBLEM(4, 'Evidence')
  const review = parseSavedStep(data, 'review')
  if (review.status !== 'success') return STEP_PROBLEM(5, 'Review')
  const linker = data.linker?.scopeKey === scopeKeyOf(where.value) ? data.linker : (await resolveLinkerScope(where.value)).linker
  const resolved = resolveEvidence(await listEvidenceCandidates({ ...data, linker }), evidence.value)
  if (resolved.missing.length) return STEP_PROBLEM(4, 'Evidence')
  if (Object.keys(await checkPeople(review.value)).length) return STEP_PROBLEM(5, 'Review')
  return {
    ok: true,
    input: {
      title: what.value.title,
      description: what.value.description ?? '',
      kind: what.value.kind,
      severity: what.value.severity,
      repositoryId: where.value.repositoryId ?? null,
      branch: where.value.branch ?? null,
      workflow: where.value.workflow ?? null,
      environment: where.value.environment ?? null,
      firstSeenAt: fromDateTimeInput(when.value.firstSeen),
      lastKnownGoodAt: fromDateTimeInput(when.value.lastKnownGood),
      episodeId: linker.episodeId,
      firstRedRunId: linker.firstRedRunId,
      lastGreenRunId: linker.lastGreenRunId,
      ownerId: review.value.ownerId ?? null,
      watcherIds: review.value.watcherIds,
      evidence: resolved.evidence,
    },
  }
}

/** Creates the investigation and removes the draft; of two clicks on Create only one creates. */
export async function createFromDraft(draft: Draft, actorId: string): Promise<{ ok: true; id: number } | { ok: false; message: string }> {
  const built = await buildInvestigation(draft.data)
  if (!built.ok) return built
  const claimed = await claimDraft(draft.id, draft.userId)
  if (!claimed) return { ok: false, message: 'This draft was already used to create an investigation.' }
  try {
    const id = await createInvestigation(built.input, actorId)
    getLogger().info({ investigationId: id, draftId: draft.id, evidence: built.input.evidence?.length ?? 0 }, 'investigation created from the wizard')
    return { ok: true, id }
  } catch (error) {
    await restoreDraft(claimed)
    throw error
  }
}

/** What the review step lists: each step's saved values, readable. */
export async function summarizeDraft(data: DraftData) {
  const what = parseSavedStep(data, 'what')
  const where = parseSavedStep(data, 'where')
  const when = parseSavedStep(data, 'when')
  const evidence = parseSavedStep(data, 'evidence')
  const repositoryId = where.status === 'success' ? where.value.repositoryId : undefined
  const repository = repositoryId ? await firstRow<{ name: string }>(getDb(), sql`select name from repositories where id = ${repositoryId}`) : undefined
  const resolved = evidence.status === 'success' ? resolveEvidence(await listEvidenceCandidates(data), evidence.value) : null
  return {
    what: what.status === 'success' ? what.value : null,
    where: where.status === 'success' ? { ...where.value, repository: repository?.name ?? null } : null,
    when:
      when.status === 'success' ? { firstSeenAt: fromDateTimeInput(when.value.firstSeen), lastKnownGoodAt: fromDateTimeInput(when.value.lastKnownGood) } : null,
    evidence: resolved ? resolved.evidence.map((item) => ({ kind: item.kind, label: item.label })) : null,
    missingEvidence: resolved?.missing.length ?? 0,
  }
}

/** What a step's page needs besides the draft. */
export async function loadStepView(draft: Draft, step: StepNumber) {
  switch (step) {
    case 1:
      return { step: 1 as const }
    case 2:
      return { step: 2 as const, options: await listScopeOptions() }
    case 3: {
      const where = draft.data.where ?? {}
      const linker =
        draft.data.linker?.scopeKey === scopeKeyOf(where)
          ? draft.data.linker
          : (await resolveLinkerScope({ repositoryId: String(where.repositoryId ?? ''), branch: String(where.branch ?? ''), workflow: String(where.workflow ?? '') })).linker
      return { step: 3 as const, linker: await describeLinkerScope(linker) }
    }
    case 4:
      return { step: 4 as const, candidates: await listEvidenceCandidates(draft.data) }
    case 5: {
      const [summary, people] = await Promise.all([summarizeDraft(draft.data), listPeople()])
      return { step: 5 as const, summary, people: people.map(({ id, name, email, canOwn }) => ({ id, name, email, canOwn })) }
    }
  }
}
