// What each form of the investigation page does: validate with its schema (as the browser did), call
// the module that owns the change, and say how it went. The route checks the permissions first.
import type { SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import type { z, ZodTypeAny } from 'zod'
import type { AuditActor } from '../auth/audit.server'
import { softDeleteInvestigation, updateInvestigation } from './changes.server'
import { addEvidence, decideInvestigationSuspect, removeEvidence } from './evidence.server'
import { addNote } from './notes.server'
import {
  addEvidenceSchema,
  deleteSchema,
  detailsSchema,
  noteSchema,
  ownerSchema,
  removeEvidenceSchema,
  statusSchema,
  suspectSchema,
  type PageIntent,
} from './page-schema'
import { STATUS_LABELS } from './status'
import { fromDateTimeInput } from './wizard-schema'

export interface PageReply {
  intent: PageIntent | null
  /** The id of the form the reply is for (its errors show there). */
  target: string | null
  result: SubmissionResult<string[]> | null
  notice: string | null
}

export type PageOutcome = { status: number; reply: PageReply } | { status: 'deleted' } | { status: 'not_found' }

/** The form id an intent's reply goes to; forms of one intent on many rows carry their row in it. */
export function formIdFor(intent: PageIntent, formData: FormData | Record<string, string>): string {
  const get = (name: string) => String((formData instanceof FormData ? formData.get(name) : formData[name]) ?? '')
  if (intent === 'status') return `status-${get('status')}`
  if (intent === 'remove-evidence') return `remove-evidence-${get('evidenceId')}`
  if (intent === 'accept-suspect' || intent === 'reject-suspect') return `${intent}-${get('episodeId')}-${get('sha')}`
  return intent
}

const orNull = (value: string | undefined) => (value ? value : null)

export async function runPageIntent(
  investigationId: number,
  intent: PageIntent,
  formData: FormData,
  actor: { userId: string; audit: AuditActor },
): Promise<PageOutcome> {
  const target = formIdFor(intent, formData)
  const done = (status: number, result: SubmissionResult<string[]>, notice: string | null = null): PageOutcome => ({
    status,
    reply: { intent, target, result, notice },
  })
  // Parses the form with the intent's schema: the value, or the 400 reply with the field errors.
  function parse<Schema extends ZodTypeAny>(schema: Schema) {
    const submission = parseWithZod(formData, { schema })
    if (submission.status !== 'success') return { ok: false as const, invalid: done(400, submission.reply()) }
    return { ok: true as const, submission, value: submission.value as z.output<Schema> }
  }
  const actorId = actor.userId

  switch (intent) {
    case 'status': {
      const parsed = parse(statusSchema)
      if (!parsed.ok) return parsed.invalid
      const { submission, value } = parsed
      const outcome = await updateInvestigation(investigationId, { status: value.status }, actorId)
      if (!outcome.ok && outcome.reason === 'not_found') return { status: 'not_found' }
      if (!outcome.ok) return done(400, submission.reply({ fieldErrors: { status: [outcome.message] } }))
      return done(200, submission.reply(), `Moved to ${STATUS_LABELS[value.status].toLowerCase()}.`)
    }
    case 'details': {
      const parsed = parse(detailsSchema)
      if (!parsed.ok) return parsed.invalid
      const { submission, value } = parsed
      const outcome = await updateInvestigation(
        investigationId,
        {
          title: value.title,
          description: value.description ?? '',
          kind: value.kind,
          severity: value.severity,
          branch: orNull(value.branch),
          workflow: orNull(value.workflow),
          environment: orNull(value.environment),
          firstSeenAt: fromDateTimeInput(value.firstSeen),
          lastKnownGoodAt: fromDateTimeInput(value.lastKnownGood),
        },
        actorId,
      )
      if (!outcome.ok) return { status: 'not_found' }
      return done(200, submission.reply(), outcome.changed ? 'Details saved.' : 'Nothing to change.')
    }
    case 'owner': {
      const parsed = parse(ownerSchema)
      if (!parsed.ok) return parsed.invalid
      const { submission, value } = parsed
      const outcome = await updateInvestigation(investigationId, { ownerId: orNull(value.ownerId) }, actorId)
      if (!outcome.ok && outcome.reason === 'not_found') return { status: 'not_found' }
      if (!outcome.ok) return done(400, submission.reply({ fieldErrors: { ownerId: [outcome.message] } }))
      return done(200, submission.reply(), outcome.changed ? 'Owner changed.' : 'Nothing to change.')
    }
    case 'note': {
      const parsed = parse(noteSchema)
      if (!parsed.ok) return parsed.invalid
      const { submission, value } = parsed
      const outcome = await addNote(investigationId, value.body, actorId)
      if (!outcome.ok && outcome.reason === 'not_found') return { status: 'not_found' }
      if (!outcome.ok) return done(400, submission.reply({ fieldErrors: { body: [outcome.message] } }))
      const told = outcome.mentions.length
        ? ` ${outcome.mentions.length} mentioned ${outcome.mentions.length === 1 ? 'person' : 'people'} will hear of it.`
        : ''
      return done(200, submission.reply({ resetForm: true }), `Note added.${told}`)
    }
    case 'add-evidence': {
      const parsed = parse(addEvidenceSchema)
      if (!parsed.ok) return parsed.invalid
      const { submission, value } = parsed
      const outcome = await addEvidence(
        investigationId,
        { kind: value.kind, ref: value.url, label: value.title, occurredAt: fromDateTimeInput(value.occurredAt) },
        actorId,
      )
      if (!outcome.ok && outcome.reason === 'not_found') return { status: 'not_found' }
      if (!outcome.ok)
        return done(
          outcome.reason === 'duplicate' ? 409 : 400,
          submission.reply({ fieldErrors: { url: [outcome.message] } }),
        )
      return done(200, submission.reply({ resetForm: true }), `${value.kind === 'deploy' ? 'Deploy' : 'Link'} added.`)
    }
    case 'remove-evidence': {
      const parsed = parse(removeEvidenceSchema)
      if (!parsed.ok) return parsed.invalid
      const { submission, value } = parsed
      const outcome = await removeEvidence(investigationId, value.evidenceId, actorId)
      if (!outcome.ok) return done(404, submission.reply({ formErrors: [outcome.message] }))
      return done(200, submission.reply(), 'Evidence removed.')
    }
    case 'accept-suspect':
    case 'reject-suspect': {
      const parsed = parse(suspectSchema)
      if (!parsed.ok) return parsed.invalid
      const { submission, value } = parsed
      const decision = intent === 'accept-suspect' ? 'accepted' : 'rejected'
      const outcome = await decideInvestigationSuspect(
        investigationId,
        { episodeId: value.episodeId, sha: value.sha, decision },
        actor.audit,
      )
      if (!outcome.ok && outcome.reason === 'not_found') return { status: 'not_found' }
      if (!outcome.ok) return done(404, submission.reply({ formErrors: [outcome.message] }))
      return done(200, submission.reply(), outcome.changed ? `Suspect ${decision}.` : 'Nothing to change.')
    }
    case 'delete': {
      const parsed = parse(deleteSchema)
      if (!parsed.ok) return parsed.invalid
      const outcome = await softDeleteInvestigation(investigationId, actor.audit)
      return outcome.ok ? { status: 'deleted' } : { status: 'not_found' }
    }
  }
}
