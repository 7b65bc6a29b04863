// The one schema for registering a repository: the form validates with it in the browser (Conform)
// and in the action, and POST /api/v1/repositories validates its JSON body with it.
import { z } from 'zod'

export const REPOSITORY_PROVIDERS = ['github', 'gitlab', 'git'] as const
export type RepositoryProvider = (typeof REPOSITORY_PROVIDERS)[number]
export const WEBHOOK_PROVIDERS = ['github', 'gitlab'] as const

export const PROVIDER_LABELS: Record<RepositoryProvider, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  git: 'Git (local import)',
}

// GitHub names a repository owner/repo; GitLab group/subgroup/.../project.
const GITHUB_NAME = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/
const GITLAB_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$/
// What git check-ref-format refuses, roughly: spaces, ~^:?*[\, "..", "@{", a leading or trailing "/" or ".".
const BRANCH_NAME = /^(?!\/|.*\/$|.*\.\.|.*@\{|.*\.$|.*\.lock$)[^\s~^:?*[\\\p{Cc}]+$/u

const optionalText = (max: number) => z.string().trim().max(max, `Use at most ${max} characters`).optional()

export const repositorySchema = z
  .object({
    // Checked below with the other fields, so that one submission shows every field's error.
    name: optionalText(100),
    provider: z.enum(REPOSITORY_PROVIDERS, { errorMap: () => ({ message: 'Choose GitHub, GitLab or Git' }) }),
    defaultBranch: z
      .string()
      .trim()
      .max(255, 'Use at most 255 characters')
      .regex(BRANCH_NAME, 'Enter a valid branch name, such as main')
      .default('main'),
    externalName: optionalText(255),
    gitPath: optionalText(1024),
  })
  .superRefine((value, ctx) => {
    if (!value.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'Enter a name' })
    else if (value.name.includes('/')) ctx.addIssue({ code: 'custom', path: ['name'], message: 'Use a name without slashes' })
    if (value.provider === 'github' || value.provider === 'gitlab') {
      const example = value.provider === 'github' ? 'owner/repo' : 'group/project'
      if (!value.externalName) {
        ctx.addIssue({ code: 'custom', path: ['externalName'], message: `Enter the repository as ${example}` })
      } else if (!(value.provider === 'github' ? GITHUB_NAME : GITLAB_NAME).test(value.externalName)) {
        ctx.addIssue({ code: 'custom', path: ['externalName'], message: `Enter it as ${example}, the way ${PROVIDER_LABELS[value.provider]} names it` })
      }
    }
    if (value.provider === 'git' && !value.gitPath) {
      ctx.addIssue({ code: 'custom', path: ['gitPath'], message: 'Enter the path of the repository on the server' })
    }
  })
  // Keep only what the provider uses: a git repository has no external name, a webhook one no path.
  .transform((value) => ({
    name: value.name ?? '',
    provider: value.provider,
    defaultBranch: value.defaultBranch,
    externalName: value.provider === 'git' ? null : (value.externalName ?? null),
    gitPath: value.provider === 'git' ? (value.gitPath ?? null) : null,
  }))

export type RepositoryInput = z.output<typeof repositorySchema>
