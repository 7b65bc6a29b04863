/** The `repository` filter of a GET form: every repository by name, or none chosen (`anyLabel`). */
export function RepositorySelect({
  repositories,
  selected,
  anyLabel,
  className = 'input mt-1 w-auto',
}: {
  repositories: Array<{ id: string; name: string }>
  selected: string | null | undefined
  anyLabel: string
  className?: string
}) {
  return (
    <select id="repository" name="repository" defaultValue={selected ?? ''} className={className}>
      <option value="">{anyLabel}</option>
      {repositories.map((repository) => (
        <option key={repository.id} value={repository.id}>
          {repository.name}
        </option>
      ))}
    </select>
  )
}
