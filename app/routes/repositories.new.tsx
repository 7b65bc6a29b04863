import { getFormProps, getInputProps, getSelectProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { requirePermission } from '../auth/require.server'
import { auditActorOf } from '../auth/user-admin.server'
import { createRepository } from '../connectors/repositories.server'
import { PROVIDER_LABELS, REPOSITORY_PROVIDERS, repositorySchema } from '../connectors/repository-schema'
import { webhookSetupSteps } from '../connectors/webhook-setup'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Field, FormErrors } from '../components/forms/field'
import { SecretShownOnce } from '../components/repositories'

export const access = { loader: 'repository:manage', action: 'repository:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Register a repository · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  return null
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const formData = await request.formData()
  if (formData.get('intent') !== 'create') return data({ result: null, created: null, message: 'Unknown action.' }, { status: 400 })
  const submission = parseWithZod(formData, { schema: repositorySchema })
  if (submission.status !== 'success') return data({ result: submission.reply(), created: null, message: null }, { status: 400 })
  const outcome = await createRepository(submission.value, auditActorOf(actor))
  if (!outcome.ok) {
    return data({ result: submission.reply({ fieldErrors: { [outcome.field]: [outcome.message] } }), created: null, message: null }, { status: 409 })
  }
  const { repository, secret, webhookUrl } = outcome
  return {
    result: submission.reply({ resetForm: true }),
    message: null,
    created: {
      id: repository.id,
      name: repository.name,
      provider: repository.provider,
      secret,
      steps: secret && webhookUrl && repository.provider !== 'git' ? webhookSetupSteps(repository.provider, { url: webhookUrl, externalName: repository.externalName, secret }) : null,
    },
  }
}

const HINTS = {
  externalName: { github: 'As GitHub names it: owner/repo.', gitlab: 'As GitLab names it: group/project (subgroups too).' },
}

export default function NewRepositoryPage() {
  const actionData = useActionData<typeof action>()
  const created = actionData?.created
  const [form, fields] = useForm({
    id: 'register-repository',
    lastResult: actionData?.result,
    defaultValue: { provider: 'github', defaultBranch: 'main' },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: repositorySchema }),
  })
  const provider = (fields.provider.value ?? 'github') as (typeof REPOSITORY_PROVIDERS)[number]
  return (
    <main>
      <p className="text-sm">
        <Link to="/repositories" className="text-indigo-600 hover:underline dark:text-indigo-400">
          Repositories
        </Link>
      </p>
      <h1 className="page-title mt-1">Register a repository</h1>
      {created ? (
        created.secret && created.steps ? (
          <SecretShownOnce heading={`${created.name} is registered.`} secret={created.secret} steps={created.steps}>
            <Link to={`/repositories/${created.id}`} className="text-indigo-600 underline dark:text-indigo-400">
              Open {created.name}
            </Link>{' '}
            to watch its deliveries arrive.
          </SecretShownOnce>
        ) : (
          <p role="status" className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950">
            {created.name} is registered.{' '}
            <Link to={`/repositories/${created.id}`} className="text-indigo-600 underline dark:text-indigo-400">
              Open it
            </Link>{' '}
            to import its history.
          </p>
        )
      ) : null}
      {actionData?.message ? <FormErrors errors={[actionData.message]} /> : null}
      <Form method="post" className="card mt-4 grid max-w-2xl gap-4 p-5" {...getFormProps(form)}>
        <input type="hidden" name="intent" value="create" />
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field label="Name" htmlFor={fields.name.id} errorId={fields.name.errorId} errors={fields.name.errors} hint="How Inquest shows it; unique.">
          <input className="input" autoComplete="off" {...getInputProps(fields.name, { type: 'text' })} />
        </Field>
        <Field label="Provider" htmlFor={fields.provider.id} errorId={fields.provider.errorId} errors={fields.provider.errors}>
          <select className="input" {...getSelectProps(fields.provider)}>
            {REPOSITORY_PROVIDERS.map((value) => (
              <option key={value} value={value}>
                {PROVIDER_LABELS[value]}
              </option>
            ))}
          </select>
        </Field>
        {provider === 'git' ? (
          <Field label="Path on the server" htmlFor={fields.gitPath.id} errorId={fields.gitPath.errorId} errors={fields.gitPath.errors} hint="A git repository under the server's import root (GIT_IMPORT_ROOT).">
            <input className="input font-mono" autoComplete="off" placeholder="team/service.git" {...getInputProps(fields.gitPath, { type: 'text' })} />
          </Field>
        ) : (
          <Field
            label={provider === 'gitlab' ? 'GitLab project' : 'GitHub repository'}
            htmlFor={fields.externalName.id}
            errorId={fields.externalName.errorId}
            errors={fields.externalName.errors}
            hint={HINTS.externalName[provider]}
          >
            <input className="input font-mono" autoComplete="off" placeholder={provider === 'gitlab' ? 'group/project' : 'owner/repo'} {...getInputProps(fields.externalName, { type: 'text' })} />
          </Field>
        )}
        <Field label="Default branch" htmlFor={fields.defaultBranch.id} errorId={fields.defaultBranch.errorId} errors={fields.defaultBranch.errors}>
          <input className="input font-mono" autoComplete="off" {...getInputProps(fields.defaultBranch, { type: 'text' })} />
        </Field>
        <div>
          <button type="submit" className="btn btn-primary">
            Register
          </button>
        </div>
      </Form>
    </main>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
