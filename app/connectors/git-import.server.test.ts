// Imports real repositories made with real git in a temporary import root.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { and, asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog, branches, commitFiles, commitParents, commits, events, gitImports, repositories } from '../../db/schema'
import { getDb } from '../db.server'
import { isShuttingDown, startWorkers, stopWorkers } from '../jobs/workers.server'
import { forgetSingleton } from '../utils/singleton.server'
import { latestGitImport, resolveRepositoryPath, runNextGitImport, startGitImport } from './git-import.server'
import { upsertCommits } from './timeline.server'

const ROOT = mkdtempSync(path.join(tmpdir(), 'inquest-git-root-'))
const OUTSIDE = mkdtempSync(path.join(tmpdir(), 'inquest-git-outside-'))

const PEOPLE = {
  alice: { name: 'Alice Example', email: 'alice@example.com' },
  bob: { name: 'Bob Müller', email: 'bob@example.org' },
  carol: { name: 'Carol Ng', email: 'carol@example.net' },
  dave: { name: 'Dave O’Brien', email: 'dave@example.com' },
}

let clock = Date.UTC(2025, 0, 6, 9, 0, 0) / 1000

/** Runs git in `dir` with a fixed identity and date, and no user or system config. */
function git(dir: string, args: string[], who: keyof typeof PEOPLE = 'alice') {
  clock += 3600
  const person = PEOPLE[who]
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('GIT_')) delete env[key]
  Object.assign(env, {
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: person.name,
    GIT_AUTHOR_EMAIL: person.email,
    GIT_COMMITTER_NAME: person.name,
    GIT_COMMITTER_EMAIL: person.email,
    GIT_AUTHOR_DATE: `@${clock} +0000`,
    GIT_COMMITTER_DATE: `@${clock} +0000`,
  })
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env }).trim()
}

function write(dir: string, file: string, content: string | Buffer) {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  writeFileSync(path.join(dir, file), content)
}

const UNICODE_BODY = 'Prices were off by one cent — “rounding” bug.\n\n\nFixes #42 for Zoë 🎉\n\n    indented line\n\u001e record separator and \u001f unit separator stay text'

/** A repository with several authors, a binary file, a rename, a branch and a merge. */
function makeRepository(dir: string) {
  mkdirSync(dir, { recursive: true })
  git(dir, ['-c', 'init.defaultBranch=main', 'init', '-q'])
  write(dir, 'README.md', '# Shop\n\nSells things.\n')
  write(dir, 'src/cart.js', 'export const total = (items) => items.reduce((sum, item) => sum + item.price, 0)\n')
  write(dir, 'assets/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0x00]))
  git(dir, ['add', '.'])
  git(dir, ['commit', '-q', '-m', 'Initial commit'])
  const root = git(dir, ['rev-parse', 'HEAD'])

  write(dir, 'src/cart.js', 'export const total = (items) =>\n  Math.round(items.reduce((sum, item) => sum + item.price, 0) * 100) / 100\n')
  git(dir, ['commit', '-q', '-a', '--cleanup=verbatim', '-m', `Round cart totals\n\n${UNICODE_BODY}`], 'bob')
  const rounding = git(dir, ['rev-parse', 'HEAD'])

  git(dir, ['checkout', '-q', '-b', 'feature/checkout'])
  git(dir, ['mv', 'src/cart.js', 'src/basket.js'])
  write(dir, 'src/basket.js', 'export const total = (items) =>\n  Math.round(items.reduce((sum, item) => sum + item.price, 0) * 100) / 100\n// basket\n')
  git(dir, ['commit', '-q', '-a', '-m', 'Rename cart to basket'], 'carol')
  const rename = git(dir, ['rev-parse', 'HEAD'])

  git(dir, ['checkout', '-q', 'main'])
  write(dir, 'README.md', '# Shop\n\nSells things, rounded.\n')
  git(dir, ['commit', '-q', '-a', '-m', 'Document rounding'], 'alice')
  const docs = git(dir, ['rev-parse', 'HEAD'])
  git(dir, ['merge', '-q', '--no-ff', '-m', "Merge branch 'feature/checkout'", 'feature/checkout'], 'alice')
  const merge = git(dir, ['rev-parse', 'HEAD'])
  git(dir, ['tag', '-a', 'v1.0', '-m', 'First release', docs])
  return { root, rounding, rename, docs, merge }
}

let repo: ReturnType<typeof makeRepository>
const REPO_DIR = path.join(ROOT, 'team', 'shop')

async function addRepository(id: string, gitPath: string | null) {
  await getDb().insert(repositories).values({ id, name: id, provider: 'git', gitPath })
}

/** Starts an import of the repository and runs the worker until it is done; returns the import row. */
async function importNow(repositoryId: string) {
  const started = await startGitImport(repositoryId, { userId: null, label: 'test' })
  expect(started.ok).toBe(true)
  expect(await runNextGitImport()).toBe(1)
  return (await latestGitImport(repositoryId))!
}

beforeAll(async () => {
  process.env.GIT_IMPORT_ROOT = ROOT
  forgetSingleton('env')
  repo = makeRepository(REPO_DIR)
  await addRepository('shop', 'team/shop')
})

afterAll(() => {
  rmSync(ROOT, { recursive: true, force: true })
  rmSync(OUTSIDE, { recursive: true, force: true })
})

describe('git import of a real repository', () => {
  it('imports every commit of every branch with authors, parents, files, a binary, a rename and a merge', async () => {
    const job = await importNow('shop')
    expect(job).toMatchObject({ status: 'succeeded', total: 5, done: 5, error: null })

    const db = getDb()
    const stored = await db.select().from(commits).where(eq(commits.repositoryId, 'shop'))
    expect(stored).toHaveLength(5)
    const bySha = new Map(stored.map((row) => [row.sha, row]))
    expect(bySha.get(repo.root)).toMatchObject({ authorName: 'Alice Example', subject: 'Initial commit', body: '', filesChanged: 3, additions: 4 })
    expect(bySha.get(repo.rounding)).toMatchObject({ authorName: 'Bob Müller', authorEmail: 'bob@example.org', subject: 'Round cart totals', body: UNICODE_BODY })
    expect(bySha.get(repo.rename)).toMatchObject({ authorName: 'Carol Ng' })
    expect(bySha.get(repo.merge)).toMatchObject({ subject: "Merge branch 'feature/checkout'", filesChanged: 0 })
    expect(bySha.get(repo.docs)!.committedAt).toBeGreaterThan(bySha.get(repo.rename)!.committedAt)
    expect(bySha.get(repo.root)!.committedAt % 1000).toBe(0)

    const parents = await db.select().from(commitParents).where(eq(commitParents.repositoryId, 'shop')).orderBy(asc(commitParents.position))
    const parentsOf = (sha: string) => parents.filter((row) => row.sha === sha).map((row) => row.parentSha)
    expect(parentsOf(repo.root)).toEqual([])
    expect(parentsOf(repo.rename)).toEqual([repo.rounding])
    expect(parentsOf(repo.merge)).toEqual([repo.docs, repo.rename])

    const files = await db.select().from(commitFiles).where(eq(commitFiles.repositoryId, 'shop'))
    const filesOf = (sha: string) => files.filter((row) => row.sha === sha).map(({ path, additions, deletions }) => ({ path, additions, deletions }))
    expect(filesOf(repo.root)).toEqual(
      expect.arrayContaining([
        { path: 'assets/logo.png', additions: null, deletions: null },
        { path: 'README.md', additions: 3, deletions: 0 },
        { path: 'src/cart.js', additions: 1, deletions: 0 },
      ]),
    )
    expect(filesOf(repo.rename)).toEqual([{ path: 'src/basket.js', additions: 1, deletions: 0 }])
    expect(filesOf(repo.merge)).toEqual([])

    const heads = await db.select().from(branches).where(eq(branches.repositoryId, 'shop')).orderBy(asc(branches.name))
    expect(heads.map((row) => [row.name, row.headSha])).toEqual([
      ['feature/checkout', repo.rename],
      ['main', repo.merge],
    ])
    const timeline = await db.select().from(events).where(and(eq(events.repositoryId, 'shop'), eq(events.kind, 'commit')))
    expect(timeline).toHaveLength(5)
    expect(timeline.find((event) => event.sha === repo.rounding)?.title).toBe('Round cart totals')
  })

  it('a second import adds only the commits made since, including a new branch', async () => {
    write(REPO_DIR, 'src/basket.js', 'export const total = () => 0\n')
    git(REPO_DIR, ['commit', '-q', '-a', '-m', 'Simplify'], 'dave')
    const simplify = git(REPO_DIR, ['rev-parse', 'HEAD'])
    git(REPO_DIR, ['checkout', '-q', '-b', 'hotfix/vat'])
    write(REPO_DIR, 'src/vat.js', 'export const VAT = 0.2\n')
    git(REPO_DIR, ['add', '.'], 'carol')
    git(REPO_DIR, ['commit', '-q', '-m', 'Add VAT'], 'carol')
    const vat = git(REPO_DIR, ['rev-parse', 'HEAD'])
    git(REPO_DIR, ['checkout', '-q', 'main'])
    git(REPO_DIR, ['branch', '-q', '-D', 'feature/checkout'])

    const job = await importNow('shop')
    // git walked only the two new commits: the heads of the first import bounded it.
    expect(job).toMatchObject({ status: 'succeeded', total: 2, done: 2 })
    const db = getDb()
    expect(await db.select().from(commits).where(eq(commits.repositoryId, 'shop'))).toHaveLength(7)
    const parents = await db.select().from(commitParents).where(and(eq(commitParents.repositoryId, 'shop'), eq(commitParents.sha, vat)))
    expect(parents.map((row) => row.parentSha)).toEqual([simplify])
    const heads = await db.select().from(branches).where(eq(branches.repositoryId, 'shop')).orderBy(asc(branches.name))
    // The deleted branch is gone, the new one is there.
    expect(heads.map((row) => [row.name, row.headSha])).toEqual([
      ['hotfix/vat', vat],
      ['main', simplify],
    ])

    const again = await importNow('shop')
    expect(again).toMatchObject({ status: 'succeeded', total: 0, done: 0 })
    expect(await db.select().from(events).where(and(eq(events.repositoryId, 'shop'), eq(events.kind, 'commit')))).toHaveLength(7)
  })

  it('completes a commit a push webhook brought: second parent and line counts', async () => {
    const dir = path.join(ROOT, 'pushed')
    const made = makeRepository(dir)
    await addRepository('pushed', 'pushed')
    const db = getDb()
    await upsertCommits(db, 'pushed', [
      {
        sha: made.merge,
        parents: [made.docs],
        authorName: 'Alice Example',
        authorEmail: 'alice@example.com',
        authoredAt: 1,
        committerName: 'Alice Example',
        committerEmail: 'alice@example.com',
        committedAt: 1,
        subject: "Merge branch 'feature/checkout'",
        body: '',
        url: 'https://git.example/pushed/commit/x',
        files: [],
      },
      {
        sha: made.rename,
        parents: [made.rounding],
        authorName: 'Carol Ng',
        authorEmail: 'carol@example.net',
        authoredAt: 1,
        committerName: 'Carol Ng',
        committerEmail: 'carol@example.net',
        committedAt: 1,
        subject: 'Rename cart to basket',
        body: '',
        files: [
          { path: 'src/cart.js', additions: null, deletions: null },
          { path: 'src/basket.js', additions: null, deletions: null },
        ],
      },
    ])
    const job = await importNow('pushed')
    expect(job).toMatchObject({ status: 'succeeded', done: 5 })
    const parents = await db.select().from(commitParents).where(and(eq(commitParents.repositoryId, 'pushed'), eq(commitParents.sha, made.merge)))
    expect(parents.sort((a, b) => a.position - b.position).map((row) => row.parentSha)).toEqual([made.docs, made.rename])
    const files = await db.select().from(commitFiles).where(and(eq(commitFiles.repositoryId, 'pushed'), eq(commitFiles.sha, made.rename)))
    expect(files.map(({ path, additions, deletions }) => ({ path, additions, deletions }))).toEqual([{ path: 'src/basket.js', additions: 1, deletions: 0 }])
    const [row] = await db.select().from(commits).where(and(eq(commits.repositoryId, 'pushed'), eq(commits.sha, made.rename)))
    expect(row).toMatchObject({ additions: 1, filesChanged: 1, url: null })
    expect(row.committedAt).toBeGreaterThan(1000)
    const [kept] = await db.select().from(commits).where(and(eq(commits.repositoryId, 'pushed'), eq(commits.sha, made.merge)))
    expect(kept.url).toBe('https://git.example/pushed/commit/x')
  })
})

describe('starting, failing and retrying', () => {
  it('refuses a second import while one is queued, and records who started it', async () => {
    const first = await startGitImport('shop', { userId: null, label: 'first' })
    expect(first.ok).toBe(true)
    const second = await startGitImport('shop', { userId: null, label: 'second' })
    expect(second).toEqual({ ok: false, status: 409, message: expect.stringContaining('already queued or running') })
    const audit = await getDb().select().from(auditLog).where(eq(auditLog.action, 'git_import.start'))
    expect(audit.some((row) => row.actorLabel === 'first' && row.targetId === 'shop')).toBe(true)
    expect(audit.some((row) => row.actorLabel === 'second')).toBe(false)
    expect(await runNextGitImport()).toBe(1)
    expect(await startGitImport('nope', {})).toMatchObject({ ok: false, status: 404 })
  })

  it('fails with the reason for a path outside the root, a symlink out of it, and a directory that is not a repository', async () => {
    makeRepository(path.join(OUTSIDE, 'elsewhere'))
    symlinkSync(path.join(OUTSIDE, 'elsewhere'), path.join(ROOT, 'sneaky'))
    mkdirSync(path.join(ROOT, 'plain'))
    mkdirSync(path.join(REPO_DIR, 'src', 'nested'), { recursive: true })
    const cases: Array<[string, string, RegExp]> = [
      ['escape', '../' + path.basename(OUTSIDE) + '/elsewhere', /outside the import root/],
      ['absolute', path.join(OUTSIDE, 'elsewhere'), /outside the import root/],
      ['sneaky', 'sneaky', /outside the import root/],
      ['plain', 'plain', /plain is not a git repository/],
      // Inside a repository's work tree, but not a repository itself: git must not walk up to it.
      ['nested', 'team/shop/src/nested', /nested is not a git repository/],
      ['missing', 'no/such/dir', /does not exist/],
    ]
    for (const [id, gitPath, reason] of cases) {
      await addRepository(id, gitPath)
      const job = await importNow(id)
      expect(job.status, id).toBe('failed')
      expect(job.error, id).toMatch(reason)
      expect(job.finishedAt, id).not.toBeNull()
    }
    const stored = await getDb().select().from(commits).where(eq(commits.repositoryId, 'sneaky'))
    expect(stored).toHaveLength(0)
  })

  it('a failed import can be retried once the cause is fixed', async () => {
    await addRepository('later', 'later')
    expect((await importNow('later')).status).toBe('failed')
    makeRepository(path.join(ROOT, 'later'))
    const retried = await importNow('later')
    expect(retried).toMatchObject({ status: 'succeeded', done: 5 })
    const attempts = await getDb().select().from(gitImports).where(eq(gitImports.repositoryId, 'later'))
    expect(attempts.map((row) => row.status).sort()).toEqual(['failed', 'succeeded'])
  })

  it('takes over an import whose worker stopped renewing its lease, and never one whose lease is live', async () => {
    const db = getDb()
    await addRepository('orphan', 'team/shop')
    const now = Date.now()
    const [live] = await db
      .insert(gitImports)
      .values({ repositoryId: 'orphan', status: 'running', startedAt: now, leasedUntil: now + 60_000, done: 3, total: 7, createdAt: now })
      .returning()
    expect(await runNextGitImport()).toBe(0)
    await db.update(gitImports).set({ leasedUntil: now - 1 }).where(eq(gitImports.id, live.id))
    expect(await runNextGitImport()).toBe(1)
    const [done] = await db.select().from(gitImports).where(eq(gitImports.id, live.id))
    expect(done).toMatchObject({ status: 'succeeded', done: 7, total: 7, leasedUntil: null })
  })

  it('stops between batches when the server shuts down, back in the queue, and the next start completes it', async () => {
    await addRepository('paused', 'team/shop')
    expect((await startGitImport('paused', { userId: null, label: 'test' })).ok).toBe(true)
    startWorkers([])
    const stopping = stopWorkers()
    expect(isShuttingDown()).toBe(true)
    expect(await runNextGitImport()).toBe(1)
    await stopping
    const paused = (await latestGitImport('paused'))!
    expect(paused).toMatchObject({ status: 'queued', leasedUntil: null })
    const stored = await getDb().select().from(commits).where(eq(commits.repositoryId, 'paused'))
    expect(stored).toHaveLength(0)

    // The next start: workers run again and take the queued import.
    startWorkers([])
    expect(isShuttingDown()).toBe(false)
    expect(await runNextGitImport()).toBe(1)
    const resumed = (await latestGitImport('paused'))!
    expect(resumed.status).toBe('succeeded')
    expect(resumed.done).toBeGreaterThan(0)
    expect(await getDb().select().from(commits).where(eq(commits.repositoryId, 'paused'))).toHaveLength(resumed.done)
    await stopWorkers()
  })

  it('imports an empty repository as nothing, successfully', async () => {
    const dir = path.join(ROOT, 'empty')
    mkdirSync(dir)
    git(dir, ['init', '-q'])
    await addRepository('empty', 'empty')
    expect(await importNow('empty')).toMatchObject({ status: 'succeeded', done: 0, error: null })
  })

  it('resolves paths against the real import root', async () => {
    await expect(resolveRepositoryPath('team/shop', ROOT)).resolves.toBe(REPO_DIR)
    await expect(resolveRepositoryPath('.', ROOT)).rejects.toThrow(/outside the import root/)
    await expect(resolveRepositoryPath(null, ROOT)).rejects.toThrow(/no path/)
    await expect(resolveRepositoryPath('team/shop', path.join(ROOT, 'missing-root'))).rejects.toThrow(/does not exist on the server/)
  })
})
