// A group of checkboxes for a plain GET filter form: each checked value is sent as `name=value`.
export function Checkboxes<T extends string>({
  legend,
  name,
  options,
  checked,
  label,
}: {
  legend: string
  name: string
  options: readonly T[]
  checked: readonly T[]
  label: (value: T) => string
}) {
  return (
    <fieldset>
      <legend className="label">{legend}</legend>
      <div className="mt-1 flex flex-wrap gap-x-3 gap-y-1">
        {options.map((option) => (
          <label key={option} className="flex items-center gap-1.5 text-sm">
            <input type="checkbox" name={name} value={option} defaultChecked={checked.includes(option)} />
            {label(option)}
          </label>
        ))}
      </div>
    </fieldset>
  )
}
