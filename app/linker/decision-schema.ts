// The forms and request bodies of decisions about suspects and links: one zod schema for the
// browser (Conform) and the server. Safe for the browser.
import { z } from 'zod'

export const shaSchema = z
  .string({ required_error: 'No commit given' })
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{7,64}$/, 'Not a commit sha')

const decision = z.enum(['accepted', 'rejected'], { errorMap: () => ({ message: 'Say accepted or rejected' }) })

export const suspectDecisionSchema = z.object({ intent: z.enum(['accept-suspect', 'reject-suspect']), sha: shaSchema })
export const linkDecisionSchema = z.object({
  intent: z.enum(['accept-link', 'reject-link']),
  linkId: z.coerce.number({ invalid_type_error: 'Not a link' }).int().positive('Not a link'),
})

/** POST /api/v1/episodes/{id}/suspects */
export const apiSuspectDecisionSchema = z.object({ sha: shaSchema, status: decision })
/** POST /api/v1/links/{id} */
export const apiLinkDecisionSchema = z.object({ status: decision })
