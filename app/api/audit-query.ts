import { z } from 'zod'

const auditQuerySchema = z.object({
  actorEmail: z.string().email().optional(),
  action: z.string().max(100).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export function parseAuditQuery(params: URLSearchParams) {
  return auditQuerySchema.safeParse(Object.fromEntries([...params].filter(([, value]) => value !== '')))
}
