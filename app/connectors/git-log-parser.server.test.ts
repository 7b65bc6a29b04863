import { describe, expect, it } from 'vitest'
import { GitLogParseError, GitLogParser, type ParsedCommit } from './git-log-parser.server'

const sha = (digit: string) => digit.repeat(40)

/** One record as `git log -z --numstat --format=GIT_LOG_FORMAT` writes it. */
function record(fields: { sha: string; parents?: string[]; subject: string; body?: string; name?: string; at?: number }, numstat: string[] = []) {
  const header = [
    `\x1e${fields.sha}`,
    (fields.parents ?? []).join(' '),
    fields.name ?? 'Ada',
    'ada@example.com',
    String(fields.at ?? 1700000000),
    fields.name ?? 'Ada',
    'ada@example.com',
    String((fields.at ?? 1700000000) + 60),
    fields.subject,
    fields.body ?? '',
  ].join('\0')
  // git ends %b's field with our %x00, the record with -z's NUL, and starts numstat with a newline.
  return `${header}\0\0${numstat.length ? `\n${numstat.join('\0')}\0` : ''}`
}

function parse(output: string | Buffer, chunkSize = Number.MAX_SAFE_INTEGER) {
  const bytes = typeof output === 'string' ? Buffer.from(output, 'utf8') : output
  const parser = new GitLogParser()
  const out: ParsedCommit[] = []
  for (let offset = 0; offset < bytes.length; offset += chunkSize) parser.push(bytes.subarray(offset, offset + chunkSize), out)
  parser.end(out)
  return out
}

const OUTPUT =
  record({ sha: sha('a'), parents: [sha('b'), sha('c')], subject: "Merge branch 'feature'" }) +
  record(
    { sha: sha('b'), parents: [sha('d')], subject: 'Fix \x1e odd \x1f subject', body: 'Line one — ünïcode 🎉\n\n\nLine after blank lines\n' },
    ['3\t1\tsrc/app.ts', '-\t-\tassets/logo.png', '2\t0\t', 'src/old name.ts', 'src/new name.ts', '0\t5\tdocs/tab\there.md'],
  ) +
  record({ sha: sha('c'), parents: [sha('d')], subject: 'Empty commit' }) +
  record({ sha: sha('d'), subject: 'Root', name: 'Grace Hopper', at: 1600000000 }, ['10\t0\tREADME.md'])

describe('GitLogParser', () => {
  it('reads commits, parents, renames, binary files, merges, root commits and any characters in messages', () => {
    const commits = parse(OUTPUT)
    expect(commits.map((commit) => commit.sha)).toEqual([sha('a'), sha('b'), sha('c'), sha('d')])
    expect(commits[0]).toMatchObject({ parents: [sha('b'), sha('c')], subject: "Merge branch 'feature'", files: [] })
    expect(commits[1]).toMatchObject({
      subject: 'Fix \x1e odd \x1f subject',
      body: 'Line one — ünïcode 🎉\n\n\nLine after blank lines',
      authoredAt: 1700000000_000,
      committedAt: 1700000060_000,
      files: [
        { path: 'src/app.ts', additions: 3, deletions: 1 },
        { path: 'assets/logo.png', additions: null, deletions: null },
        { path: 'src/new name.ts', additions: 2, deletions: 0 },
        { path: 'docs/tab\there.md', additions: 0, deletions: 5 },
      ],
    })
    expect(commits[2]).toMatchObject({ subject: 'Empty commit', files: [] })
    expect(commits[3]).toMatchObject({ parents: [], authorName: 'Grace Hopper', files: [{ path: 'README.md', additions: 10, deletions: 0 }] })
  })

  it('gives the same commits wherever the stream is cut, even inside a multi-byte character', () => {
    const whole = parse(OUTPUT)
    for (const size of [1, 2, 3, 5, 17, 64]) expect(parse(OUTPUT, size), `chunks of ${size}`).toEqual(whole)
  })

  it('reads nothing from an empty history', () => {
    expect(parse('')).toEqual([])
  })

  it('refuses output that is not what it asked git for', () => {
    expect(() => parse('fatal: bad revision\n')).toThrow(GitLogParseError)
    expect(() => parse(`\x1enot-a-sha\0\0A\0a@x\0 1\0A\0a@x\0 1\0s\0\0\0`)).toThrow(/Unexpected commit id/)
    expect(() => parse(record({ sha: sha('e'), subject: 's' }) + 'x\ty\tpath\0')).toThrow(/Unexpected numstat count/)
    expect(() => parse(`\x1e${sha('f')}\0\0Ada`)).toThrow(/ended in the middle of a commit/)
  })
})
