// The kind and severity of an investigation, as the wizard's first step and the page's
// "Edit details" form both ask them.
import { getSelectProps, type FieldMetadata } from '@conform-to/react'
import { INVESTIGATION_KINDS, KIND_LABELS, SEVERITIES, SEVERITY_LABELS } from '../../investigations/wizard-schema'
import { Field } from './field'

export function KindSeverityFields({ kind, severity }: { kind: FieldMetadata<string>; severity: FieldMetadata<string> }) {
  return (
    <>
      <Field label="Kind" htmlFor={kind.id} errorId={kind.errorId} errors={kind.errors}>
        <select className="input" {...getSelectProps(kind)}>
          {INVESTIGATION_KINDS.map((value) => (
            <option key={value} value={value}>
              {KIND_LABELS[value]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Severity" htmlFor={severity.id} errorId={severity.errorId} errors={severity.errors}>
        <select className="input" {...getSelectProps(severity)}>
          {SEVERITIES.map((value) => (
            <option key={value} value={value}>
              {SEVERITY_LABELS[value]}
            </option>
          ))}
        </select>
      </Field>
    </>
  )
}
