// The repository page's "what came in lately": branches with the linker's verdict, newest commits,
// newest CI runs.
import { Link } from '@remix-run/react'
import type { RepositoryActivity } from '../connectors/repository-activity.server'
import { formatDateTime } from '../utils/format'
import { Sha, StateBadge } from './linker'
import { Section } from './repositories'

const linkClass = 'text-indigo-600 hover:underline dark:text-indigo-400'

export function RepositoryActivitySections({ repositoryId, activity }: { repositoryId: string; activity: RepositoryActivity }) {
  const { branches, commits, runs, totals } = activity
  return (
    <>
      <Section
        title={`Branches (${totals.branches})`}
        id="branches-heading"
        aside={
          <Link to={`/branches?repository=${encodeURIComponent(repositoryId)}`} className={`text-sm ${linkClass}`}>
            Red branches
          </Link>
        }
      >
        {branches.length ? (
          <table className="table-dense w-full">
            <thead>
              <tr>
                <th scope="col">Branch</th>
                <th scope="col">Head</th>
                <th scope="col">CI</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {branches.map((branch) => (
                <tr key={branch.name}>
                  <td className="font-mono text-xs">{branch.name}</td>
                  <td>
                    <Sha sha={branch.headSha} />
                  </td>
                  <td>{branch.state ? <StateBadge state={branch.state} /> : <span className="text-zinc-400">no runs</span>}</td>
                  <td className="whitespace-nowrap text-zinc-500">{formatDateTime(branch.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-zinc-500">No branches yet: a push or a git import brings them.</p>
        )}
      </Section>

      <Section title={`Recent commits (${totals.commits} in all)`} id="commits-heading">
        {commits.length ? (
          <table className="table-dense w-full">
            <thead>
              <tr>
                <th scope="col">Commit</th>
                <th scope="col">Subject</th>
                <th scope="col">Author</th>
                <th scope="col">Committed</th>
              </tr>
            </thead>
            <tbody>
              {commits.map((commit) => (
                <tr key={commit.sha}>
                  <td>{commit.url ? <a href={commit.url} className={linkClass}><Sha sha={commit.sha} /></a> : <Sha sha={commit.sha} />}</td>
                  <td className="max-w-md truncate" title={commit.subject}>
                    {commit.subject}
                  </td>
                  <td className="whitespace-nowrap">{commit.authorName}</td>
                  <td className="whitespace-nowrap text-zinc-500">{formatDateTime(commit.committedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-zinc-500">No commits yet.</p>
        )}
      </Section>

      <Section title={`Recent CI runs (${totals.runs} in all)`} id="runs-heading">
        {runs.length ? (
          <table className="table-dense w-full">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Branch</th>
                <th scope="col">Commit</th>
                <th scope="col">Result</th>
                <th scope="col">Completed</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id}>
                  <td>{run.url ? <a href={run.url} className={linkClass}>{run.name}</a> : run.name}</td>
                  <td className="font-mono text-xs">{run.branch ?? '—'}</td>
                  <td>
                    <Sha sha={run.headSha} />
                  </td>
                  <td>{run.status === 'completed' ? run.conclusion ?? 'completed' : run.status.replace('_', ' ')}</td>
                  <td className="whitespace-nowrap text-zinc-500">{formatDateTime(run.completedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-zinc-500">No CI runs yet: webhooks or POST /api/v1/ci-runs bring them.</p>
        )}
      </Section>
    </>
  )
}
