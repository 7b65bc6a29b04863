import { getFormProps, getInputProps, getSelectProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { createApiToken, listTokens, revokeApiToken } from '../auth/api-tokens.server'
import { requirePermission } from '../auth/require.server'
import { createTokenSchema } from '../auth/schemas'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Field, FormErrors } from '../components/forms/field'
import { SettingsNav } from '../components/settings-nav'
import { TokenStatusBadge, tokenStatus } from '../components/token-status'
import { formatDateTime } from '../utils/format'

export const access = { loader: 'self:manage', action: 'self:manage' } as const

export const meta: MetaFunction = () => [{ title: 'API tokens · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  return { tokens: await listTokens({ userId: actor.user.id }), role: actor.user.role }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const form = await request.formData()
  const intent = form.get('intent')
  if (intent === 'create') {
    const submission = parseWithZod(form, { schema: createTokenSchema })
    if (submission.status !== 'success') return data({ result: submission.reply(), created: null }, { status: 400 })
    const created = await createApiToken({ userId: actor.user.id, ...submission.value }, { userId: actor.user.id })
    return { result: submission.reply({ resetForm: true }), created: { token: created.token, name: submission.value.name } }
  }
  if (intent === 'revoke') {
    const revoked = await revokeApiToken(String(form.get('tokenId') ?? ''), { userId: actor.user.id }, actor.user.id)
    if (!revoked) return data({ result: null, created: null, message: 'That token does not exist or is already revoked.' }, { status: 404 })
    return { result: null, created: null, message: 'The token is revoked.' }
  }
  return data({ result: null, created: null, message: `Unknown intent: ${String(intent)}` }, { status: 400 })
}

export default function TokensPage() {
  const { tokens, role } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'create-token',
    lastResult: actionData?.result,
    defaultValue: { scope: 'read', days: '90' },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: createTokenSchema }),
  })
  return (
    <main>
      <SettingsNav />
      <h1 className="page-title">API tokens</h1>
      <p className="mt-1 text-zinc-500">
        For scripts and CI: send <code className="font-mono">Authorization: Bearer inq_…</code> to <code className="font-mono">/api/v1</code>. A
        token can never do more than your role ({role}) allows.
      </p>
      {actionData?.created ? (
        <div role="status" className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950">
          <p className="font-medium">Token “{actionData.created.name}” created. Copy it now: it will not be shown again.</p>
          <code data-testid="new-token" className="mt-2 block select-all break-all font-mono text-sm">
            {actionData.created.token}
          </code>
        </div>
      ) : null}
      {actionData && 'message' in actionData && actionData.message ? (
        <p role="status" className="mt-4 text-sm">
          {actionData.message}
        </p>
      ) : null}
      <Form method="post" className="card mt-4 grid max-w-3xl gap-4 p-5 sm:grid-cols-4" {...getFormProps(form)}>
        <input type="hidden" name="intent" value="create" />
        <div className="sm:col-span-4">
          <FormErrors id={form.errorId} errors={form.errors} />
        </div>
        <div className="sm:col-span-2">
          <Field label="Name" htmlFor={fields.name.id} errorId={fields.name.errorId} errors={fields.name.errors}>
            <input className="input" placeholder="nightly-ci" {...getInputProps(fields.name, { type: 'text' })} />
          </Field>
        </div>
        <Field label="Scope" htmlFor={fields.scope.id} errorId={fields.scope.errorId} errors={fields.scope.errors}>
          <select className="input" {...getSelectProps(fields.scope)}>
            <option value="read">read</option>
            <option value="read+write">read + write</option>
          </select>
        </Field>
        <Field label="Expires in (days)" htmlFor={fields.days.id} errorId={fields.days.errorId} errors={fields.days.errors}>
          <input className="input" {...getInputProps(fields.days, { type: 'number' })} min={1} max={365} />
        </Field>
        <div className="sm:col-span-4">
          <button type="submit" className="btn btn-primary">
            Create token
          </button>
        </div>
      </Form>
      <div className="card mt-6 overflow-x-auto">
        <table className="table-dense">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Token</th>
              <th scope="col">Scope</th>
              <th scope="col">Status</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 ? (
              <tr>
                <td colSpan={7} className="text-zinc-500">
                  No tokens yet.
                </td>
              </tr>
            ) : null}
            {tokens.map((token) => {
              const status = tokenStatus(token)
              return (
                <tr key={token.id}>
                  <td>{token.name}</td>
                  <td className="font-mono text-xs">{token.prefix}…</td>
                  <td>{token.scope}</td>
                  <td>
                    <TokenStatusBadge status={status} />
                  </td>
                  <td>{formatDateTime(token.expiresAt)}</td>
                  <td>
                    {formatDateTime(token.lastUsedAt)}
                    {token.lastUsedIp ? <span className="ml-1 font-mono text-xs text-zinc-500">{token.lastUsedIp}</span> : null}
                  </td>
                  <td className="text-right">
                    {status === 'active' ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="tokenId" value={token.id} />
                        <button type="submit" className="btn">
                          Revoke
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
