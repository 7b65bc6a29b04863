import MarkdownIt from 'markdown-it'
import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db.server'
import { decideSuspect } from '../linker/episodes.server'
import { getLinker } from '../linker/worker.server'
import { userWithRole } from '../../tests/helpers/auth'
import { addCommits, addRun, createRepository, episodesOf, settleLinker, sha } from '../../tests/helpers/linker'
import { updateInvestigation } from './changes.server'
import { buildCaseFile, caseFileMarkdown, exportInvestigation, mdLink, mdQuote, mdText, type CaseFile } from './export.server'
import { createInvestigation } from './investigations.server'
import { addNote } from './notes.server'

const APP = 'http://localhost:3000'
type User = Awaited<ReturnType<typeof userWithRole>>
let engineer: User
let admin: User
let investigationId = 0
let episodeId = 0
let noteId = 0
let redRun = 0
let file: CaseFile
let markdown = ''

// A renderer that lets raw HTML through: the worst a reader of the file might use.
const permissive = new MarkdownIt({ html: true })

beforeAll(async () => {
  getLinker().reset()
  engineer = await userWithRole('engineer')
  admin = await userWithRole('admin')
  const repo = await createRepository()
  await addCommits(repo, [
    { label: 'x1' },
    { label: 'x2', parents: ['x1'], subject: 'Retry payments | *fast* [sic]', files: ['src/checkout.ts'] },
    { label: 'x3', parents: ['x2'], subject: 'Tidy the README', files: ['README.md'] },
  ])
  const greenRun = await addRun(repo, { commit: 'x1', conclusion: 'success' })
  redRun = await addRun(repo, { commit: 'x3', conclusion: 'failure', externalId: 'build-42' })
  await settleLinker()
  const [episode] = await episodesOf(repo)
  episodeId = episode.id
  await getDb().run(sql`update ci_runs set url = 'https://ci.example.com/builds/42' where id = ${redRun}`)
  await getDb().run(sql`update commits set url = ${`https://git.example.com/c/${sha('x2')}`} where sha = ${sha('x2')}`)
  await decideSuspect(episodeId, sha('x2'), 'accepted', { userId: engineer.id })
  await decideSuspect(episodeId, sha('x3'), 'rejected', { userId: admin.id })

  investigationId = await createInvestigation(
    {
      title: 'Checkout | payments <b>red</b> on main #',
      description: 'Payments time out.\n\n<script>alert(1)</script>',
      kind: 'failing_build',
      severity: 'sev2',
      repositoryId: repo,
      branch: 'main',
      workflow: 'CI',
      episodeId,
      firstRedRunId: redRun,
      lastGreenRunId: greenRun,
      ownerId: admin.id,
      evidence: [
        { kind: 'ci_run', ref: String(redRun), label: 'CI #build-42 | red', occurredAt: 1_700_000_500_000 },
        { kind: 'link', ref: 'https://status.example.com/incidents/7|8?a=(b)', label: 'Status [page]', note: 'multi\nline | note' },
        { kind: 'suspect', ref: `${episodeId}:${sha('x2')}`, label: 'Retry payments' },
      ],
    },
    engineer.id,
  )
  await updateInvestigation(investigationId, { status: 'investigating' }, engineer.id)
  const note = await addNote(investigationId, '# Not a heading of the file\n<script>alert("x")</script> and `<kbd>` in code\n```\nan unclosed fence', engineer.id)
  if (!note.ok) throw new Error(note.message)
  noteId = note.noteId
  file = (await buildCaseFile(investigationId))!
  markdown = caseFileMarkdown(file)
})

describe('the JSON case file', () => {
  it('has the documented, versioned shape', () => {
    expect(Object.keys(file).sort()).toEqual(['episodes', 'evidence', 'format', 'generatedAt', 'investigation', 'notes', 'suspects', 'timeline', 'version'])
    expect(file).toMatchObject({ format: 'inquest.case-file', version: 1 })
    expect(file.investigation).toMatchObject({
      id: investigationId,
      url: `${APP}/investigations/${investigationId}`,
      status: 'investigating',
      severity: 'sev2',
      kind: 'failing_build',
      scope: { branch: 'main', workflow: 'CI', environment: null },
      owner: { id: admin.id, name: admin.name },
      createdBy: { id: engineer.id, name: engineer.name },
      episode: { id: episodeId, url: `${APP}/episodes/${episodeId}` },
      firstRedRun: { id: redRun, externalId: 'build-42', conclusion: 'failure', url: 'https://ci.example.com/builds/42' },
    })
    expect(file.investigation.watchers.map((watcher) => watcher.name).sort()).toEqual([admin.name, engineer.name].sort())
    expect(file.episodes).toEqual([expect.objectContaining({ id: episodeId, url: `${APP}/episodes/${episodeId}`, rangeSize: 2, rankedSuspects: 1 })])
  })

  it('lists the suspects with their reasons, scores and who decided what, when', () => {
    const accepted = file.suspects.find((suspect) => suspect.sha === sha('x2'))!
    expect(accepted).toMatchObject({
      episodeId,
      status: 'accepted',
      decidedBy: { id: engineer.id, name: engineer.name },
      rank: 1,
      attached: true,
      subject: 'Retry payments | *fast* [sic]',
      url: `https://git.example.com/c/${sha('x2')}`,
    })
    expect(accepted.decidedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(accepted.reasons.length).toBeGreaterThan(0)
    expect(accepted.reasons[0]).toEqual({ code: expect.any(String), text: expect.any(String), points: expect.any(Number) })
    expect(file.suspects.find((suspect) => suspect.sha === sha('x3'))).toMatchObject({ status: 'rejected', rank: null, decidedBy: { name: admin.name }, attached: false })
  })

  it('has the evidence with where each thing lives, the timeline in words, and the notes with permalinks', () => {
    expect(file.evidence.map((item) => [item.kind, item.url])).toEqual([
      ['ci_run', 'https://ci.example.com/builds/42'],
      ['link', 'https://status.example.com/incidents/7|8?a=(b)'],
      ['suspect', `${APP}/episodes/${episodeId}`],
    ])
    expect(file.evidence[0].run).toMatchObject({ id: redRun, conclusion: 'failure' })
    expect(file.timeline.map((entry) => entry.kind)).toEqual(['created', 'status_changed', 'note_added'])
    expect(file.timeline[1]).toMatchObject({ actor: { name: engineer.name }, data: { from: 'open', to: 'investigating' } })
    expect(file.timeline[1].text).toContain(engineer.name)
    expect(file.timeline[1].text.toLowerCase()).toContain('investigating')
    expect(file.notes).toEqual([expect.objectContaining({ id: noteId, url: `${APP}/investigations/${investigationId}#note-${noteId}`, author: { id: engineer.id, name: engineer.name } })])
    expect(file.notes[0].body).toContain('<script>alert("x")</script>')
  })

  it('is null for a deleted investigation', async () => {
    const id = await createInvestigation({ title: 'Gone soon', kind: 'incident', severity: 'sev4' }, engineer.id)
    await getDb().run(sql`update investigations set deleted_at = ${Date.now()} where id = ${id}`)
    expect(await buildCaseFile(id)).toBeNull()
    expect(await exportInvestigation(id, 'md')).toBeNull()
    expect(await exportInvestigation(999_999, 'json')).toBeNull()
  })
})

describe('the Markdown case file', () => {
  it('carries the summary, the suspects with reasons and decisions, and absolute permalinks', () => {
    expect(markdown).toContain(`# Investigation #${investigationId}: Checkout \\| payments \\<b\\>red\\</b\\> on main \\#`)
    expect(markdown).toContain(`Permalink: <${APP}/investigations/${investigationId}>`)
    expect(markdown).toContain(`Permalink: <${APP}/investigations/${investigationId}#note-${noteId}>`)
    expect(markdown).toContain(`[\\#${episodeId}](<${APP}/episodes/${episodeId}>)`)
    expect(markdown).toContain('(<https://ci.example.com/builds/42>)')
    expect(markdown).toContain(`[\`${sha('x2').slice(0, 7)}\`](<https://git.example.com/c/${sha('x2')}>) Retry payments \\| \\*fast\\* \\[sic\\]`)
    expect(markdown).toMatch(new RegExp(`Decision: \\*\\*accepted\\*\\* by ${engineer.name} on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`))
    expect(markdown).toContain(`Decision: **rejected** by ${admin.name}`)
    const accepted = file.suspects.find((suspect) => suspect.sha === sha('x2'))!
    expect(markdown).toContain(mdText(accepted.reasons[0].text))
    expect(markdown).toContain('| Status | Investigating |')
    expect(markdown).toContain('| Severity | SEV2 |')
  })

  it('keeps every table row to its columns whatever the labels hold', () => {
    const tableLines = markdown.split('\n').filter((line) => line.startsWith('|'))
    expect(tableLines.length).toBeGreaterThan(10)
    for (const line of tableLines) {
      const columns = line.split(/(?<!\\)\|/).length - 2
      expect([2, 5], line).toContain(columns)
    }
    // The link's pipe and parentheses are percent-encoded in the destination; the note's line break is gone.
    expect(markdown).toContain('[Status \\[page\\]](<https://status.example.com/incidents/7%7C8?a=%28b%29>)')
    expect(markdown).toContain('| multi line \\| note |')
  })

  it('renders as the document it means to be, even with raw HTML and an unclosed fence in a note', () => {
    const html = permissive.render(markdown)
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/<b>red/)
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    // Code keeps what was typed.
    expect(html).toContain('<code>&lt;kbd&gt;</code>')
    // The note's heading and fence stay inside its quote: the file's own sections and footer follow it.
    expect(html.match(/<h1>/g)).toHaveLength(2)
    expect(html).toMatch(/<blockquote>\s*<h1>Not a heading of the file<\/h1>/)
    expect(html).toMatch(/<\/blockquote>\s*<hr>\s*<p>Exported from Inquest/)
    for (const section of ['Description', 'Suspects', 'Evidence', 'Timeline', 'Notes']) expect(html).toContain(`<h2>${section}</h2>`)
    // Each table row has its cells, pipes in the text included.
    const evidenceTable = html.slice(html.indexOf('<h2>Evidence</h2>'), html.indexOf('<h2>Timeline</h2>'))
    const rows = evidenceTable.match(/<tr>[\s\S]*?<\/tr>/g)!
    expect(rows).toHaveLength(4)
    for (const row of rows) expect(row.match(/<t[dh][ >]/g)).toHaveLength(5)
    expect(evidenceTable).toContain('CI #build-42 | red')
  })
})

describe('markdown escaping', () => {
  it('escapes what Markdown would read as syntax in plain text', () => {
    expect(mdText('a|b *c* _d_ [e](f) <g> `h` # ~i~ &amp;\nnext')).toBe('a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\<g\\> \\`h\\` \\# \\~i\\~ \\&amp; next')
    const html = permissive.renderInline(mdText('<img src=x onerror=alert(1)> **bold** &lt;'))
    expect(html).toBe('&lt;img src=x onerror=alert(1)&gt; **bold** &amp;lt;')
  })

  it('links only http(s) addresses', () => {
    expect(mdLink('run', 'javascript:alert(1)')).toBe('run')
    expect(mdLink('run', 'https://ci.example.com/a b')).toBe('[run](<https://ci.example.com/a%20b>)')
    expect(mdLink('run', null)).toBe('run')
  })

  it('quotes Markdown source, leaving code alone and autolinks working', () => {
    expect(mdQuote('hi <b>x</b> <https://example.com> `<i>`\n\n    <pre>indented code</pre>\n```\n<tag>\n```')).toBe(
      '> hi \\<b>x\\</b> <https://example.com> `<i>`\n>\n>     <pre>indented code</pre>\n> ```\n> <tag>\n> ```',
    )
  })
})
