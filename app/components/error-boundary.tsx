import { isRouteErrorResponse, Link, useRouteError, useRouteLoaderData, type ErrorResponse } from '@remix-run/react'
import type { ReactNode } from 'react'

type StatusHandler = (info: { error: ErrorResponse }) => ReactNode

const DEFAULT_HANDLERS: Record<number, StatusHandler> = {
  403: () => (
    <ErrorPanel title="You do not have access to this" code={403}>
      Your role does not allow this. Ask an admin if you need it.
    </ErrorPanel>
  ),
  404: () => (
    <ErrorPanel title="Nothing here" code={404}>
      This page does not exist, or it was moved.
    </ErrorPanel>
  ),
}

/** The one error boundary; routes re-export it and may pass handlers for particular statuses. */
export function GeneralErrorBoundary({
  statusHandlers,
  unexpectedErrorHandler,
}: {
  statusHandlers?: Record<number, StatusHandler>
  unexpectedErrorHandler?: (error: unknown) => ReactNode
}) {
  const error = useRouteError()
  const root = useRouteLoaderData<{ requestId?: string }>('root')
  if (isRouteErrorResponse(error)) {
    const handler = statusHandlers?.[error.status] ?? DEFAULT_HANDLERS[error.status]
    if (handler) return <>{handler({ error })}</>
    return (
      <ErrorPanel title={`${error.status} ${error.statusText}`} code={error.status}>
        {typeof error.data === 'string' ? error.data : 'The request could not be completed.'}
      </ErrorPanel>
    )
  }
  if (unexpectedErrorHandler) return <>{unexpectedErrorHandler(error)}</>
  return (
    <ErrorPanel title="Something went wrong" code={500}>
      The error was logged{root?.requestId ? ` with request id ${root.requestId}` : ''}. Try again, or tell
      an admin what you were doing.
    </ErrorPanel>
  )
}

export function ErrorPanel({ title, code, children }: { title: string; code: number; children: ReactNode }) {
  return (
    <main className="mx-auto max-w-xl px-6 py-16">
      <p className="font-mono text-sm text-zinc-500">{code}</p>
      <h1 className="mt-1 text-2xl font-semibold">{title}</h1>
      <p className="mt-3 text-zinc-600 dark:text-zinc-400">{children}</p>
      <p className="mt-6">
        <Link to="/" className="text-indigo-600 hover:underline dark:text-indigo-400">
          Back to the dashboard
        </Link>
      </p>
    </main>
  )
}
