import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { actorCan, requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { getDelivery, replayDelivery } from '../connectors/webhooks/deliveries.server'
import { nudgeDeliveryWorker } from '../connectors/webhooks/intake.server'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { DeliveryStatusBadge, Section } from '../components/repositories'
import { formatDateTime } from '../utils/format'

// One delivery: its payload as received, and (for admins) a replay that processes it again.
export const access = { loader: 'workspace:read', action: 'repository:manage' } as const

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.delivery.event ?? 'Delivery'} delivery · Inquest` }]

/** Past this, the page shows the start of the payload: a browser should not lay out 25 MB of JSON. */
const SHOWN_PAYLOAD_CHARS = 512 * 1024

function deliveryKey(params: LoaderFunctionArgs['params']) {
  const id = Number(params.deliveryId)
  return { repositoryId: params.id ?? '', id: Number.isSafeInteger(id) && id > 0 ? id : 0 }
}

function pretty(payload: string) {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2)
  } catch {
    return payload
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const key = deliveryKey(params)
  const row = key.id ? await getDelivery(key.repositoryId, key.id) : undefined
  if (!row) throw new Response('Not found', { status: 404 })
  const { payload, ...delivery } = row
  const text = pretty(payload)
  return {
    delivery,
    payload: text.length > SHOWN_PAYLOAD_CHARS ? text.slice(0, SHOWN_PAYLOAD_CHARS) : text,
    truncated: text.length > SHOWN_PAYLOAD_CHARS ? text.length : null,
    canReplay: actorCan(actor, 'repository:manage'),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  if (formData.get('intent') !== 'replay') return data({ ok: false, message: 'Unknown action.' }, { status: 400 })
  const key = deliveryKey(params)
  const outcome = key.id ? await replayDelivery(key.repositoryId, key.id, auditActorOf(actor)) : ({ ok: false, reason: 'not_found' } as const)
  if (!outcome.ok) {
    if (outcome.reason === 'not_found') throw new Response('Not found', { status: 404 })
    return data({ ok: false, message: 'The delivery is being processed right now; try again in a moment.' }, { status: 409 })
  }
  nudgeDeliveryWorker()
  return { ok: true, message: 'Replaying: the delivery is back in line and will be processed again shortly.' }
}

export default function DeliveryPage() {
  const { delivery, payload, truncated, canReplay } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <>
      {actionData?.message ? <Notice tone={actionData.ok ? 'info' : 'error'}>{actionData.message}</Notice> : null}
      <Section
        title={`Delivery ${delivery.deliveryId}`}
        id="delivery-heading"
        aside={
          canReplay ? (
            <Form method="post">
              <input type="hidden" name="intent" value="replay" />
              <button type="submit" className="btn" disabled={delivery.status === 'processing'}>
                Replay
              </button>
            </Form>
          ) : null
        }
      >
        <dl className="grid gap-3 text-sm sm:grid-cols-4">
          <Item label="Event">
            <span className="font-mono text-xs">{delivery.event}</span>
          </Item>
          <Item label="Status">
            <DeliveryStatusBadge status={delivery.status} retrying={delivery.status === 'pending' && delivery.lastError !== null} />
          </Item>
          <Item label="Received">{formatDateTime(delivery.receivedAt)}</Item>
          <Item label="Processed">{formatDateTime(delivery.processedAt)}</Item>
          <Item label="Attempts">{delivery.attempts}</Item>
          {delivery.status === 'pending' && delivery.lastError ? <Item label="Next attempt">{formatDateTime(delivery.nextAttemptAt)}</Item> : null}
        </dl>
        {delivery.lastError ? (
          <p className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300">
            Last error: {delivery.lastError}
          </p>
        ) : null}
      </Section>
      <Section title="Payload" id="payload-heading">
        {truncated ? <p className="mb-2 text-sm text-zinc-500">The first {SHOWN_PAYLOAD_CHARS.toLocaleString('en')} of {truncated.toLocaleString('en')} characters.</p> : null}
        <pre className="max-h-[70vh] overflow-auto rounded-md bg-zinc-100 p-3 font-mono text-xs dark:bg-zinc-950" data-testid="payload">
          {payload}
        </pre>
      </Section>
    </>
  )
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-zinc-500">{label}</dt>
      <dd className="mt-1">{children}</dd>
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
