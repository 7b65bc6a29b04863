import { getFormProps, getInputProps, getSelectProps, useForm, type FieldMetadata } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { requirePermission } from '../auth/require.server'
import { GeneralErrorBoundary } from '../components/error-boundary'
import { Field, FormErrors } from '../components/forms/field'
import { SettingsNav } from '../components/settings-nav'
import {
  DELIVERY_CHOICES,
  DELIVERY_LABELS,
  EVENT_LABELS,
  EVENT_TYPES,
  WEEKDAYS,
  preferencesSchema,
} from '../notifications/preferences-schema'
import { getPreferences, savePreferences } from '../notifications/preferences.server'

export const access = { loader: 'self:manage', action: 'self:manage' } as const

export const meta: MetaFunction = () => [{ title: 'Notifications · Inquest' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const actor = await requirePermission(request, access.loader)
  const preferences = await getPreferences(actor.user.id)
  return { preferences, email: actor.user.email, timeZones: Intl.supportedValuesOf('timeZone') }
}

export async function action({ request }: ActionFunctionArgs) {
  const actor = await requirePermission(request, access.action)
  const submission = parseWithZod(await request.formData(), { schema: preferencesSchema })
  if (submission.status !== 'success') return data({ result: submission.reply(), saved: false }, { status: 400 })
  await savePreferences(actor.user.id, submission.value)
  return { result: submission.reply(), saved: true }
}

const HOURS = Array.from({ length: 24 }, (_, hour) => hour)

/** The browser's own zone, once JavaScript runs; null on the server and without JavaScript. */
function useBrowserTimeZone() {
  const [zone, setZone] = useState<string | null>(null)
  useEffect(() => {
    try {
      setZone(Intl.DateTimeFormat().resolvedOptions().timeZone || null)
    } catch {
      setZone(null)
    }
  }, [])
  return zone
}

export default function NotificationSettingsPage() {
  const { preferences, email, timeZones } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const { deliveries, digest } = preferences
  const [form, fields] = useForm({
    id: 'notification-preferences',
    lastResult: actionData?.result,
    defaultValue: {
      ...deliveries,
      frequency: digest.frequency,
      weekday: String(digest.weekday),
      hour: String(digest.hour),
      timezone: digest.timezone,
      paused: digest.paused ? 'on' : undefined,
    },
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: preferencesSchema }),
  })
  const browserZone = useBrowserTimeZone()
  const currentZone = String(fields.timezone.value ?? digest.timezone)
  const digestOff = fields.frequency.value === 'off'
  const waitsForDigest = EVENT_TYPES.some((type) => (fields[type].value ?? deliveries[type]) === 'digest')
  return (
    <main>
      <SettingsNav />
      <h1 className="page-title">Notifications</h1>
      <p className="mt-1 text-zinc-500">
        What mail you get at <span className="font-medium">{email}</span>, and when. Invites and other security mail
        always come.
      </p>
      {actionData?.saved ? (
        <p role="status" className="mt-4 text-emerald-700 dark:text-emerald-300">
          Saved. The next mail follows these settings.
        </p>
      ) : null}
      <Form method="post" className="mt-4 max-w-3xl space-y-6" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <section aria-labelledby="events-heading" className="card overflow-x-auto">
          <h2 id="events-heading" className="px-4 pt-4 text-sm font-semibold">
            Tell me about
          </h2>
          <table className="table-dense mt-2">
            <thead>
              <tr>
                <th scope="col">Event</th>
                {DELIVERY_CHOICES.map((choice) => (
                  <th key={choice} scope="col" className="text-center">
                    {DELIVERY_LABELS[choice]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {EVENT_TYPES.map((type) => (
                <DeliveryRow
                  key={type}
                  field={fields[type]}
                  label={EVENT_LABELS[type].label}
                  hint={EVENT_LABELS[type].hint}
                />
              ))}
            </tbody>
          </table>
          {digestOff && waitsForDigest ? (
            <p className="px-4 pb-3 text-sm text-amber-700 dark:text-amber-300">
              Your digest is off: anything set to “in my digest” is not sent.
            </p>
          ) : null}
        </section>

        <section aria-labelledby="digest-heading" className="card grid gap-4 p-4 sm:grid-cols-2">
          <h2 id="digest-heading" className="text-sm font-semibold sm:col-span-2">
            Digest
          </h2>
          <Field
            label="How often"
            htmlFor={fields.frequency.id}
            errorId={fields.frequency.errorId}
            errors={fields.frequency.errors}
          >
            <select className="input" {...getSelectProps(fields.frequency)}>
              <option value="daily">Daily</option>
              <option value="weekly">Weekly</option>
              <option value="off">Off</option>
            </select>
          </Field>
          <Field
            label="Day (weekly digests)"
            htmlFor={fields.weekday.id}
            errorId={fields.weekday.errorId}
            errors={fields.weekday.errors}
          >
            <select className="input" {...getSelectProps(fields.weekday)}>
              {WEEKDAYS.map((day, index) => (
                <option key={day} value={index + 1}>
                  {day}
                </option>
              ))}
            </select>
          </Field>
          <Field label="At" htmlFor={fields.hour.id} errorId={fields.hour.errorId} errors={fields.hour.errors}>
            <select className="input" {...getSelectProps(fields.hour)}>
              {HOURS.map((hour) => (
                <option key={hour} value={hour}>
                  {String(hour).padStart(2, '0')}:00
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Time zone"
            htmlFor={fields.timezone.id}
            errorId={fields.timezone.errorId}
            errors={fields.timezone.errors}
            hint={
              browserZone && browserZone !== currentZone ? (
                <button
                  type="button"
                  className="text-indigo-600 underline dark:text-indigo-400"
                  onClick={() => form.update({ name: fields.timezone.name, value: browserZone })}
                >
                  Use this browser’s zone: {browserZone}
                </button>
              ) : (
                'An IANA name such as Europe/Berlin, or UTC.'
              )
            }
          >
            <input
              className="input"
              list="time-zones"
              autoComplete="off"
              spellCheck={false}
              {...getInputProps(fields.timezone, { type: 'text' })}
            />
            <datalist id="time-zones">
              {['UTC', ...timeZones].map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </Field>
        </section>

        <section aria-labelledby="pause-heading" className="card p-4">
          <h2 id="pause-heading" className="text-sm font-semibold">
            Pause
          </h2>
          <div className="mt-2 flex items-start gap-2">
            <input
              className="mt-1"
              {...getInputProps(fields.paused, { type: 'checkbox' })}
              aria-describedby={`${fields.paused.id}-hint`}
            />
            <div>
              <label htmlFor={fields.paused.id} className="label">
                Pause all non-essential mail
              </label>
              <p id={`${fields.paused.id}-hint`} className="text-xs text-zinc-500">
                Nothing but security mail until you turn this off; what happens meanwhile is not saved up for later.
              </p>
            </div>
          </div>
        </section>

        <button type="submit" className="btn btn-primary">
          Save preferences
        </button>
      </Form>
    </main>
  )
}

function DeliveryRow({ field, label, hint }: { field: FieldMetadata<string>; label: string; hint: string }) {
  return (
    <tr>
      <th scope="row" className="!normal-case !tracking-normal">
        <span id={`${field.id}-label`} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          {label}
        </span>
        <span className="block text-xs font-normal text-zinc-500">{hint}</span>
        <span id={field.errorId} className="field-error block text-xs font-normal" aria-live="polite">
          {field.errors?.join(' ')}
        </span>
      </th>
      {DELIVERY_CHOICES.map((choice) => (
        <td key={choice} className="text-center align-middle">
          <input
            {...getInputProps(field, { type: 'radio', value: choice })}
            id={`${field.id}-${choice}`}
            aria-label={`${label}: ${DELIVERY_LABELS[choice]}`}
            className="h-4 w-4"
          />
        </td>
      ))}
    </tr>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
