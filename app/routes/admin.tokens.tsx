import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { requirePermission } from '../auth/require.server'
import { listAllTokens, revokeTokenAsAdmin } from '../auth/user-admin.server'
import { AdminPage, Badge, Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'access:manage', action: 'access:manage' } as const

export const meta: MetaFunction = () => [{ title: 'API tokens · Admin · Inquest' }]

export const revokeTokenSchema = z.object({
  intent: z.literal('revoke'),
  tokenId: z.string({ required_error: 'No token given' }).max(64),
})

type Reply = { tokenId: string | null; result: SubmissionResult<string[]> | null; notice: string | null }
const reply = (body: Partial<Reply>, status = 200) => data<Reply>({ tokenId: null, result: null, notice: null, ...body }, { status })

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
  const outcome = await revokeTokenAsAdmin(submission.value.tokenId, actor)
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
          <thead>
            <tr>
              <th scope="col">Owner</th>
              <th scope="col">Name</th>
              <th scope="col">Token</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
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
                  {token.lastUsedIp ? <span className="block font-mono text-xs text-zinc-500">{token.lastUsedIp}</span> : null}
                </td>
                <td>
                  <Badge tone={STATUS_TONE[token.status]}>{token.status}</Badge>
                </td>
                <td className="text-right">
                  {token.status === 'revoked' ? null : (
                    <RevokeForm
                      tokenId={token.id}
                      label={`${token.name} of ${token.ownerEmail}`}
                      lastResult={actionData?.tokenId === token.id ? actionData.result : undefined}
                    />
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

function RevokeForm({ tokenId, label, lastResult }: { tokenId: string; label: string; lastResult?: SubmissionResult<string[]> | null }) {
  const [form] = useForm({ id: `revoke-${tokenId}`, lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema: revokeTokenSchema }) })
  return (
    <Form method="post" {...getFormProps(form)}>
      <input type="hidden" name="intent" value="revoke" />
      <input type="hidden" name="tokenId" value={tokenId} />
      <button type="submit" className="btn py-1" aria-describedby={form.errorId}>
        Revoke<span className="sr-only"> token {label}</span>
      </button>
      <div id={form.errorId} className="field-error text-xs">
        {form.errors?.map((error) => <p key={error}>{error}</p>)}
      </div>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
