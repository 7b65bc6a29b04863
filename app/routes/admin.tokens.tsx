import type { SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { requirePermission } from '../auth/require.server'
import { auditActorOf, listAllTokens, revokeTokenAsAdmin } from '../auth/user-admin.server'
import { AdminPage, Badge, Notice, RowActionForm, TableHead } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'access:manage', action: 'access:manage' } as const

export const meta: MetaFunction = () => [{ title: 'API tokens · Admin · Inquest' }]

export const revokeTokenSchema = z.object({
  intent: z.literal('revoke'),
  tokenId: z.string({ required_error: 'No token given' }).max(64),
})

type Reply = { tokenId: string | null; result: SubmissionResult<string[]> | null; notice: string | null }
const reply = (body: Partial<Reply>, status = 200) =>
  data<Reply>({ tokenId: null, result: null, notice: null, ...body }, { status })

const STATUS_TONE = { active: 'green', expired: 'amber', revoked: 'grey' } as const

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  return { tokens: await listAllTokens() }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  if (formData.get('intent') !== 'revoke') return reply({ notice: 'Unknown action.' }, 400)
  const tokenId = String(formData.get('tokenId') ?? '')
  const submission = parseWithZod(formData, { schema: revokeTokenSchema })
  if (submission.status !== 'success') return reply({ tokenId, result: submission.reply() }, 400)
  const outcome = await revokeTokenAsAdmin(submission.value.tokenId, auditActorOf(actor))
  if (outcome === 'not_found') return reply({ tokenId, notice: 'That token does not exist.' }, 404)
  if (outcome === 'already_revoked') return reply({ tokenId, notice: 'That token was already revoked.' }, 409)
  return reply({ tokenId, result: submission.reply(), notice: 'The token is revoked; requests with it now get 401.' })
}

export default function AdminTokensPage() {
  const { tokens } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <AdminPage title="API tokens" description="Every person's API tokens. Revoke any token that should no longer work.">
      {actionData?.notice ? <Notice tone={actionData.result ? 'info' : 'error'}>{actionData.notice}</Notice> : null}
      <div className="card mt-4 overflow-x-auto">
        <table className="table-dense">
          <TableHead
            columns={['Owner', 'Name', 'Token', 'Scope', 'Created', 'Expires', 'Last used', 'Status']}
            actions
          />
          <tbody>
            {tokens.length === 0 ? (
              <tr>
                <td colSpan={9} className="text-zinc-500">
                  Nobody has an API token.
                </td>
              </tr>
            ) : null}
            {tokens.map((token) => (
              <tr key={token.id}>
                <td>{token.ownerEmail}</td>
                <td>{token.name}</td>
                <td className="font-mono text-xs">{token.prefix}…</td>
                <td>{token.scope}</td>
                <td className="whitespace-nowrap">{formatDateTime(token.createdAt)}</td>
                <td className="whitespace-nowrap">{formatDateTime(token.expiresAt)}</td>
                <td className="whitespace-nowrap">
                  {token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'never'}
                  {token.lastUsedIp ? (
                    <span className="block font-mono text-xs text-zinc-500">{token.lastUsedIp}</span>
                  ) : null}
                </td>
                <td>
                  <Badge tone={STATUS_TONE[token.status]}>{token.status}</Badge>
                </td>
                <td className="text-right">
                  {token.status === 'revoked' ? null : (
                    <RowActionForm
                      id={`revoke-${token.id}`}
                      schema={revokeTokenSchema}
                      values={{ intent: 'revoke', tokenId: token.id }}
                      lastResult={actionData?.tokenId === token.id ? actionData.result : undefined}
                    >
                      Revoke<span className="sr-only"> {`token ${token.name} of ${token.ownerEmail}`}</span>
                    </RowActionForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </AdminPage>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
