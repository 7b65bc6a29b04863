import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { requirePermission } from '../auth/require.server'
import { AdminPage, Badge } from '../components/admin-nav'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { EMAIL_TEMPLATES } from '../emails/registry'
import { renderEmail } from '../emails/render.server'

// Every mail template rendered with its sample data, HTML and plain text, as recipients would get it.
export const access = { loader: 'outbox:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Email templates · Admin · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, access.loader)
  const wanted = new URL(request.url).searchParams.get('template')
  const entry = EMAIL_TEMPLATES.find((item) => item.name === wanted) ?? EMAIL_TEMPLATES[0]
  if (wanted && entry.name !== wanted) throw new Response('No such template', { status: 404, statusText: 'Not Found' })
  const sample = entry.sample()
  const { html, text } = await renderEmail(sample.element)
  return {
    templates: EMAIL_TEMPLATES.map(({ name, description, category }) => ({ name, description, category })),
    selected: { name: entry.name, category: entry.category, subject: sample.subject, html, text },
  }
}

export default function EmailTemplatesPage() {
  const { templates, selected } = useLoaderData<typeof loader>()
  return (
    <AdminPage
      title="Email templates"
      description="Every mail Inquest sends, rendered with sample data: the HTML and the plain-text version."
    >
      <div className="mt-4 grid gap-6 lg:grid-cols-[16rem_1fr]">
        <nav aria-label="Templates">
          <ul className="card divide-y divide-zinc-100 dark:divide-zinc-800">
            {templates.map((template) => (
              <li key={template.name}>
                <Link
                  to={`?template=${template.name}`}
                  aria-current={template.name === selected.name ? 'page' : undefined}
                  className={`block px-3 py-2 hover:bg-zinc-50 dark:hover:bg-zinc-800 ${
                    template.name === selected.name ? 'font-medium text-indigo-700 dark:text-indigo-300' : ''
                  }`}
                >
                  <span className="font-mono text-xs">{template.name}</span>
                  <span className="block text-xs text-zinc-500">{template.description}</span>
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <section aria-labelledby="preview-heading" className="min-w-0">
          <h2 id="preview-heading" className="text-base font-semibold">
            {selected.subject}
          </h2>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-xs text-zinc-500">
            <span className="font-mono">{selected.name}</span>
            <Badge tone={selected.category === 'security' ? 'amber' : 'grey'}>{selected.category}</Badge>
            {selected.category === 'security' ? (
              <span>always sent, no unsubscribe</span>
            ) : (
              <span>with one-click unsubscribe</span>
            )}
          </p>
          <h3 className="mt-4 text-sm font-semibold">HTML</h3>
          {/* An empty sandbox: the mail's markup can run nothing and reach nothing of this page. */}
          <iframe
            title={`HTML preview of ${selected.name}`}
            sandbox=""
            srcDoc={selected.html}
            className="mt-2 h-[32rem] w-full rounded-lg border border-zinc-200 bg-white dark:border-zinc-800"
          />
          <h3 className="mt-4 text-sm font-semibold">Plain text</h3>
          <pre
            data-testid="text-version"
            className="card mt-2 overflow-x-auto whitespace-pre-wrap p-4 font-mono text-xs"
          >
            {selected.text}
          </pre>
        </section>
      </div>
    </AdminPage>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
