// Parses `git log -z --numstat` output incrementally, chunk by chunk as git writes it, so that a
// history of any length passes through in constant memory.
//
// With -z every field we ask for and every numstat entry ends in a NUL byte. Git refuses a NUL in a
// commit message or an ident, so NUL is the one separator no field can contain; fields are read by
// position, and the record marker (0x1e) is only looked for where a numstat entry could start (an
// entry starts with a digit or `-`), so a subject or body may hold any other character, 0x1e too.
//
// One record: 0x1e H \0 P \0 an \0 ae \0 at \0 cn \0 ce \0 ct \0 s \0 b \0 \0, then for a commit
// with changes `\n` and entries `A \t D \t path \0`, or for a rename `A \t D \t \0 old \0 new \0`.
// Binary files count `-` for A and D. Merges print no numstat (git's default): they have none here.
import type { CommitInput } from './timeline.server'

export const GIT_LOG_FORMAT = '%x1e%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%s%x00%b%x00'

/** Options for `git log` that make its output what this parser reads, whatever the repository's config says. */
export const GIT_LOG_OPTIONS = [
  '-z',
  '--numstat',
  // Renames are found as git log finds them by default; the file is recorded under its new path.
  '-M',
  // A root commit's files count too (log.showRoot=false would hide them); signatures would add lines.
  '--root',
  '--no-show-signature',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--no-notes',
  '--encoding=UTF-8',
  `--format=${GIT_LOG_FORMAT}`,
] as const

const NUL = 0
const RECORD = 0x1e
const HEADER_FIELDS = 10

export type ParsedCommit = CommitInput

type State = 'files' | 'header' | 'rename-from' | 'rename-to'

export class GitLogParseError extends Error {
  name = 'GitLogParseError'
}

function count(text: string): number | null {
  if (text === '-') return null
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) throw new GitLogParseError(`Unexpected numstat count "${text.slice(0, 20)}".`)
  return value
}

export class GitLogParser {
  private rest: Buffer | null = null
  private state: State = 'files'
  private fields: string[] = []
  private current: ParsedCommit | null = null
  private pendingCounts: { additions: number | null; deletions: number | null } | null = null

  /** Parses a chunk; commits completed by it are appended to `out`. */
  push(chunk: Buffer, out: ParsedCommit[]) {
    const buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk
    let start = 0
    for (;;) {
      const end = buffer.indexOf(NUL, start)
      if (end === -1) break
      this.token(buffer, start, end, out)
      start = end + 1
    }
    this.rest = start < buffer.length ? buffer.subarray(start) : null
  }

  /** Call once git has exited: returns the last commit. */
  end(out: ParsedCommit[]) {
    if (this.rest && this.rest.length > 0) {
      // The very last entry may lack its NUL if git was cut short; treat what is there as a token.
      const rest = this.rest
      this.rest = null
      this.token(rest, 0, rest.length, out)
    }
    if (this.state === 'header' || this.state === 'rename-from' || this.state === 'rename-to') {
      throw new GitLogParseError('git log output ended in the middle of a commit.')
    }
    this.finish(out)
  }

  private token(buffer: Buffer, start: number, end: number, out: ParsedCommit[]) {
    switch (this.state) {
      case 'header': {
        this.fields.push(buffer.toString('utf8', start, end))
        if (this.fields.length === HEADER_FIELDS) this.startCommit()
        return
      }
      case 'rename-from':
        this.state = 'rename-to'
        return
      case 'rename-to': {
        const counts = this.pendingCounts!
        this.current!.files.push({ path: buffer.toString('utf8', start, end), additions: counts.additions, deletions: counts.deletions })
        this.pendingCounts = null
        this.state = 'files'
        return
      }
      case 'files': {
        if (end === start) return
        if (buffer[start] === RECORD) {
          this.finish(out)
          this.fields = [buffer.toString('latin1', start + 1, end)]
          this.state = 'header'
          return
        }
        if (buffer[start] === 0x0a) start++
        if (!this.current) throw new GitLogParseError('git log output does not start with a commit record.')
        const firstTab = buffer.indexOf(0x09, start)
        const secondTab = firstTab === -1 || firstTab >= end ? -1 : buffer.indexOf(0x09, firstTab + 1)
        if (secondTab === -1 || secondTab >= end) {
          throw new GitLogParseError(`Unexpected line in git log output: "${buffer.toString('utf8', start, Math.min(end, start + 60))}".`)
        }
        const additions = count(buffer.toString('latin1', start, firstTab))
        const deletions = count(buffer.toString('latin1', firstTab + 1, secondTab))
        if (secondTab + 1 === end) {
          this.pendingCounts = { additions, deletions }
          this.state = 'rename-from'
          return
        }
        this.current.files.push({ path: buffer.toString('utf8', secondTab + 1, end), additions, deletions })
        return
      }
    }
  }

  private startCommit() {
    const [sha, parents, authorName, authorEmail, authoredAt, committerName, committerEmail, committedAt, subject, body] = this.fields
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) throw new GitLogParseError(`Unexpected commit id "${sha.slice(0, 64)}".`)
    this.current = {
      sha,
      parents: parents === '' ? [] : parents.split(' '),
      authorName,
      authorEmail,
      authoredAt: Number(authoredAt) * 1000,
      committerName,
      committerEmail,
      committedAt: Number(committedAt) * 1000,
      subject,
      // %b ends with the message's last newline; the message itself does not.
      body: body.replace(/\n+$/, ''),
      files: [],
    }
    this.fields = []
    this.state = 'files'
  }

  private finish(out: ParsedCommit[]) {
    if (this.current) out.push(this.current)
    this.current = null
  }
}
