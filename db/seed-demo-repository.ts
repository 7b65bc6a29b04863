// The demo workspace's repository: a small git history made with real `git`, imported the way a
// person would import one, and CI runs on it with a red streak and the failing tests behind it.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { testResults } from './schema'
import { getDb } from '../app/db.server'
import { getEnv } from '../app/env.server'
import { upsertCiRun } from '../app/connectors/ci-runs.server'
import { runNextGitImport, startGitImport } from '../app/connectors/git-import.server'
import { createRepository } from '../app/connectors/repositories.server'
import { newId } from '../app/utils/crypto.server'

const SEED = { label: 'seed' }
const START = Date.UTC(2026, 10, 23, 9, 0, 0)

interface DemoCommit {
  author: [name: string, email: string]
  subject: string
  files: Record<string, string>
}

const ADA: DemoCommit['author'] = ['Ada Admin', 'admin@example.com']
const ELI: DemoCommit['author'] = ['Eli Engineer', 'engineer@example.com']
const SAM: DemoCommit['author'] = ['Sam Contractor', 'sam@contractor.example']

const HISTORY: DemoCommit[] = [
  { author: ADA, subject: 'Start the shop', files: { 'README.md': '# Shop\n', 'src/cart.ts': 'export const total = (items: number[]) => items.reduce((a, b) => a + b, 0)\n' } },
  { author: ADA, subject: 'Add CI workflow', files: { '.github/workflows/ci.yml': 'name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{ run: npm test }]\n' } },
  { author: ELI, subject: 'Test the cart total', files: { 'tests/cart.test.ts': "import { total } from '../src/cart'\ntest('total', () => expect(total([1, 2])).toBe(3))\n" } },
  { author: ELI, subject: 'Add checkout', files: { 'src/checkout.ts': "import { total } from './cart'\nexport const checkout = (items: number[]) => ({ amount: total(items) })\n" } },
  { author: SAM, subject: 'Add discount codes to the cart', files: { 'src/cart.ts': 'export const total = (items: number[], discount = 0) => items.reduce((a, b) => a + b, 0) * (1 - discount)\n' } },
  { author: ELI, subject: 'Document checkout', files: { 'docs/checkout.md': '# Checkout\nCall checkout(items).\n' } },
  { author: SAM, subject: 'Round discounted totals', files: { 'src/cart.ts': 'export const total = (items: number[], discount = 0) => Math.round(items.reduce((a, b) => a + b, 0) * (1 - discount))\n' } },
  { author: ADA, subject: 'Bump the CI node version', files: { '.github/workflows/ci.yml': 'name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{ uses: actions/setup-node@v4, with: { node-version: 22 } }, { run: npm test }]\n' } },
]

function git(dir: string, args: string[], env: Record<string, string> = {}) {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1', ...env } as unknown as NodeJS.ProcessEnv,
  }).trim()
}

/** Makes the repository with real git and returns the commit shas, oldest first. */
function createDemoHistory(dir: string): string[] {
  mkdirSync(dir, { recursive: true })
  git(dir, ['init', '--quiet', '--initial-branch=main'])
  const shas: string[] = []
  HISTORY.forEach((commit, index) => {
    for (const [file, content] of Object.entries(commit.files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
      writeFileSync(path.join(dir, file), content)
    }
    git(dir, ['add', '--all'])
    const when = new Date(START + index * 3 * 60 * 60 * 1000).toISOString()
    const [name, email] = commit.author
    git(dir, ['commit', '--quiet', '-m', commit.subject], {
      GIT_AUTHOR_NAME: name,
      GIT_AUTHOR_EMAIL: email,
      GIT_COMMITTER_NAME: name,
      GIT_COMMITTER_EMAIL: email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
    })
    shas.push(git(dir, ['rev-parse', 'HEAD']))
  })
  return shas
}

// Green up to "Add checkout"; no CI on the next two commits (CI was down); red from "Round discounted
// totals" on: three suspects, two of them touching the file the failing test names.
const RESULTS: Array<'success' | 'failure' | null> = ['success', 'success', 'success', 'success', null, null, 'failure', 'failure']

export async function seedDemoRepository() {
  const created = await createRepository(
    { name: 'acme/shop', provider: 'git', defaultBranch: 'main', gitPath: `demo-shop-${newId().toLowerCase()}`, externalName: null } as never,
    SEED,
  )
  if (!created.ok) throw new Error(`demo repository: ${created.message}`)
  const repository = created.repository
  const shas = createDemoHistory(path.resolve(getEnv().GIT_IMPORT_ROOT, repository.gitPath!))

  const started = await startGitImport(repository.id, SEED)
  if (!started.ok) throw new Error(`demo import: ${started.message}`)
  await runNextGitImport()

  const db = getDb()
  for (const [index, sha] of shas.entries()) {
    const conclusion = RESULTS[index]
    if (!conclusion) continue
    const startedAt = START + index * 3 * 60 * 60 * 1000 + 5 * 60 * 1000
    await db.transaction(async (tx) => {
      const { run } = await upsertCiRun(tx, {
        repositoryId: repository.id,
        provider: 'github',
        kind: 'workflow_run',
        externalId: String(7000 + index),
        attempt: 1,
        name: 'CI',
        branch: 'main',
        headSha: sha,
        status: 'completed',
        conclusion,
        startedAt,
        completedAt: startedAt + 4 * 60 * 1000,
        url: null,
        sourceUpdatedAt: startedAt + 4 * 60 * 1000,
      })
      if (!run) return
      await tx.insert(testResults).values([
        { ciRunId: run.id, suite: 'cart', classname: 'cart', name: 'total', file: 'tests/cart.test.ts', durationMs: 12, status: conclusion === 'success' ? 'passed' : 'failed', failureMessage: conclusion === 'success' ? null : 'expected 3 but got 2.97 at src/cart.ts:1' },
        { ciRunId: run.id, suite: 'checkout', classname: 'checkout', name: 'amount', file: 'tests/checkout.test.ts', durationMs: 8, status: 'passed' },
      ])
    })
  }
  return repository
}
