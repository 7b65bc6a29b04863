import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useOutlet } from '@remix-run/react'
import { actorCan, requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { getRepository, isWebhookProvider, rotateWebhookSecret, webhookUrlFor } from '../connectors/repositories.server'
import { getRepositoryActivity } from '../connectors/repository-activity.server'
import { deliveryHealth, listRecentDeliveries } from '../connectors/webhooks/deliveries.server'
import { webhookSetupSteps } from '../connectors/webhook-setup'
import { Notice } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { RepositoryActivitySections } from '../components/repository-activity'
import { DeliveriesPerDay, DeliveriesTable, DeliveryStatusBadge, ProviderBadge, SecretShownOnce, Section, SetupSteps } from '../components/repositories'
import { formatDateTime } from '../utils/format'

// The repository and its connection health. Child routes (a delivery's payload, the git import)
// render below the repository's heading instead of the overview.
export const access = { loader: 'workspace:read', action: 'repository:manage' } as const

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.repository.name ?? 'Repository'} · Inquest` }]

export async function loader({ request, params }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const repository = await getRepository(params.id ?? '')
  if (!repository) throw new Response('Not found', { status: 404 })
  const webhookUrl = webhookUrlFor(repository.provider)
  const [health, recent, activity] = await Promise.all([
    webhookUrl ? deliveryHealth(repository.id) : null,
    webhookUrl ? listRecentDeliveries(repository.id, 25) : [],
    getRepositoryActivity(repository.id),
  ])
  return {
    repository,
    activity,
    canManage: actorCan(actor, 'repository:manage'),
    setup: isWebhookProvider(repository.provider) && webhookUrl ? webhookSetupSteps(repository.provider, { url: webhookUrl, externalName: repository.externalName }) : null,
    health,
    recent,
    previousSecretValidUntil:
      repository.previousSecretExpiresAt && repository.previousSecretExpiresAt.getTime() > Date.now() ? repository.previousSecretExpiresAt : null,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  if (formData.get('intent') !== 'rotate') return data({ rotated: null, message: 'Unknown action.' }, { status: 400 })
  const outcome = await rotateWebhookSecret(params.id ?? '', auditActorOf(actor))
  if (!outcome.ok) {
    if (outcome.reason === 'not_found') throw new Response('Not found', { status: 404 })
    return data({ rotated: null, message: 'A git repository has no webhook secret.' }, { status: 400 })
  }
  const repository = await getRepository(params.id ?? '')
  const url = repository ? webhookUrlFor(repository.provider) : null
  return {
    message: null,
    rotated: {
      secret: outcome.secret,
      previousValidUntil: outcome.previousValidUntil.toISOString(),
      steps: repository && url && isWebhookProvider(repository.provider) ? webhookSetupSteps(repository.provider, { url, externalName: repository.externalName, secret: outcome.secret }) : [],
    },
  }
}

export default function RepositoryPage() {
  const { repository } = useLoaderData<typeof loader>()
  const outlet = useOutlet()
  return (
    <main>
      <p className="text-sm">
        <Link to="/repositories" className="text-indigo-600 hover:underline dark:text-indigo-400">
          Repositories
        </Link>
        {outlet ? (
          <>
            {' / '}
            <Link to={`/repositories/${repository.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
              {repository.name}
            </Link>
          </>
        ) : null}
      </p>
      <div className="mt-1 flex flex-wrap items-center gap-2">
        <h1 className="page-title">{repository.name}</h1>
        <ProviderBadge provider={repository.provider} />
      </div>
      <p className="mt-1 font-mono text-xs text-zinc-500">
        {repository.provider === 'git' ? repository.gitPath : repository.externalName} · default branch {repository.defaultBranch}
      </p>
      {outlet ?? <Overview />}
    </main>
  )
}

function Overview() {
  const { repository, activity, canManage, setup, health, recent, previousSecretValidUntil } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <>
      {actionData?.rotated ? (
        <SecretShownOnce heading="New webhook secret." secret={actionData.rotated.secret} steps={actionData.rotated.steps}>
          The previous secret keeps working until {formatDateTime(actionData.rotated.previousValidUntil)}.
        </SecretShownOnce>
      ) : null}
      {actionData?.message ? <Notice tone="error">{actionData.message}</Notice> : null}

      {repository.provider === 'git' ? (
        // Git import: the import page (/repositories/:id/import) shows progress and starts imports.
        <Section title="Git import" id="import-heading">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Commits come from the repository on the server&rsquo;s disk.</p>
          <Link
            to={`/repositories/${repository.id}/import`}
            className={canManage ? 'btn mt-3' : 'mt-3 inline-block text-indigo-600 hover:underline dark:text-indigo-400'}
          >
            {canManage ? 'Import history' : 'Import status'}
          </Link>
        </Section>
      ) : null}

      <RepositoryActivitySections repositoryId={repository.id} activity={activity} />

      {health ? (
        <Section title="Connection health" id="health-heading">
          <dl className="grid gap-4 sm:grid-cols-3">
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-zinc-500">Last delivery</dt>
              <dd className="mt-1" data-testid="last-delivery">
                {health.last ? (
                  <>
                    {formatDateTime(health.last.receivedAt)} · <span className="font-mono text-xs">{health.last.event}</span>{' '}
                    <DeliveryStatusBadge status={health.last.status} />
                  </>
                ) : (
                  'None yet'
                )}
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-zinc-500">Failed, last {health.days.length} days</dt>
              <dd className="mt-1 text-lg font-semibold tabular-nums" data-testid="failed-count">
                {health.failedInPeriod}
                <span className="ml-1 text-sm font-normal text-zinc-500">of {health.totalInPeriod}</span>
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-zinc-500">Waiting to retry</dt>
              <dd className="mt-1 text-lg font-semibold tabular-nums">{health.retrying}</dd>
            </div>
          </dl>
          <h3 className="mt-5 text-xs font-medium uppercase tracking-wide text-zinc-500">Deliveries per day</h3>
          <div className="mt-2">
            <DeliveriesPerDay days={health.days} />
          </div>
          {health.recentFailures.length ? (
            <>
              <h3 className="mt-5 text-xs font-medium uppercase tracking-wide text-zinc-500">Recent failures</h3>
              <div className="mt-2">
                <DeliveriesTable repositoryId={repository.id} rows={health.recentFailures} empty="" />
              </div>
            </>
          ) : null}
        </Section>
      ) : null}

      {health ? (
        <Section title="Recent deliveries" id="deliveries-heading">
          <DeliveriesTable repositoryId={repository.id} rows={recent} empty="No deliveries yet. Set up the webhook below; GitHub's ping or GitLab's test delivery will show here." />
        </Section>
      ) : null}

      {setup ? (
        <Section
          title="Webhook setup"
          id="setup-heading"
          aside={
            canManage ? (
              <Form method="post">
                <input type="hidden" name="intent" value="rotate" />
                <button type="submit" className="btn">
                  Rotate secret
                </button>
              </Form>
            ) : null
          }
        >
          <SetupSteps steps={setup} />
          {previousSecretValidUntil ? (
            <p className="mt-3 text-sm text-zinc-500">The secret before the last rotation works until {formatDateTime(previousSecretValidUntil)}.</p>
          ) : null}
        </Section>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
