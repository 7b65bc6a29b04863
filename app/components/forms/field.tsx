import type { ReactNode } from 'react'

/** A label, the control, and the field's errors beneath it, wired for screen readers. */
export function Field({
  label,
  htmlFor,
  errorId,
  errors,
  hint,
  children,
}: {
  label: string
  htmlFor: string
  errorId: string
  errors?: string[]
  hint?: ReactNode
  children: ReactNode
}) {
  return (
    <div>
      <label htmlFor={htmlFor} className="label">
        {label}
      </label>
      <div className="mt-1">{children}</div>
      {hint ? <p className="mt-1 text-xs text-zinc-500">{hint}</p> : null}
      <div id={errorId} className="field-error" aria-live="polite">
        {errors?.map((error) => <p key={error}>{error}</p>)}
      </div>
    </div>
  )
}

export function FormErrors({ id, errors }: { id?: string; errors?: string[] }) {
  if (!errors?.length) return null
  return (
    <div id={id} role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300">
      {errors.map((error) => (
        <p key={error}>{error}</p>
      ))}
    </div>
  )
}
