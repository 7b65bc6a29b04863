import { describe, expect, it } from 'vitest'
import { describeRef, githubRunState, gitlabRunState, parseTime, splitMessage } from './normalize.server'
import { chainParents } from './push.server'

describe('parseTime', () => {
  it('reads ISO 8601, GitLab`s spaced forms and unix seconds', () => {
    expect(parseTime('2019-05-15T15:19:25Z')).toBe(Date.parse('2019-05-15T15:19:25Z'))
    expect(parseTime('2011-12-12T14:27:31+02:00')).toBe(Date.parse('2011-12-12T12:27:31Z'))
    expect(parseTime('2016-08-12 15:23:28 UTC')).toBe(Date.parse('2016-08-12T15:23:28Z'))
    expect(parseTime('2021-04-28 21:50:00 +0200')).toBe(Date.parse('2021-04-28T19:50:00Z'))
    expect(parseTime('2021-02-23T02:41:37.886Z')).toBe(Date.parse('2021-02-23T02:41:37.886Z'))
    expect(parseTime(1557933657)).toBe(1557933657000)
    expect(parseTime(null)).toBeNull()
    expect(parseTime('yesterday-ish')).toBeNull()
  })
})

describe('run states', () => {
  it('maps GitLab statuses onto status and conclusion', () => {
    expect(gitlabRunState('created')).toEqual({ status: 'queued', conclusion: null })
    expect(gitlabRunState('pending')).toEqual({ status: 'queued', conclusion: null })
    expect(gitlabRunState('manual')).toEqual({ status: 'queued', conclusion: null })
    expect(gitlabRunState('running')).toEqual({ status: 'in_progress', conclusion: null })
    expect(gitlabRunState('success')).toEqual({ status: 'completed', conclusion: 'success' })
    expect(gitlabRunState('failed')).toEqual({ status: 'completed', conclusion: 'failure' })
    expect(gitlabRunState('canceled')).toEqual({ status: 'completed', conclusion: 'cancelled' })
    expect(gitlabRunState('skipped')).toEqual({ status: 'completed', conclusion: 'skipped' })
    expect(gitlabRunState('something-new')).toEqual({ status: 'queued', conclusion: null })
  })

  it('maps GitHub statuses, keeping the conclusion only once completed', () => {
    expect(githubRunState('requested', null)).toEqual({ status: 'queued', conclusion: null })
    expect(githubRunState('waiting', null)).toEqual({ status: 'queued', conclusion: null })
    expect(githubRunState('in_progress', 'success')).toEqual({ status: 'in_progress', conclusion: null })
    expect(githubRunState('completed', 'timed_out')).toEqual({ status: 'completed', conclusion: 'timed_out' })
  })
})

describe('commits of a push', () => {
  const commit = (sha: string) => ({ sha, authorName: 'a', authorEmail: '', authoredAt: 0, committerName: 'a', committerEmail: '', committedAt: 0, subject: '', body: '', files: [] })
  const commits = [commit('c1'), commit('c2'), commit('c3')]

  it('chains parents, the first to `before`', () => {
    expect(chainParents({ before: 'b0', commits, complete: true, forced: false }).map((entry) => entry.parents)).toEqual([['b0'], ['c1'], ['c2']])
  })

  it('leaves the first without a parent when the ref is new, the push forced, or the list cut', () => {
    for (const input of [
      { before: '0'.repeat(40), complete: true, forced: false },
      { before: 'b0', complete: true, forced: true },
      { before: 'b0', complete: false, forced: false },
    ]) {
      expect(chainParents({ ...input, commits }).map((entry) => entry.parents)).toEqual([[], ['c1'], ['c2']])
    }
  })

  it('splits messages and refs', () => {
    expect(splitMessage('Fix it\n\nBecause.\n')).toEqual({ subject: 'Fix it', body: 'Because.' })
    expect(splitMessage('One line')).toEqual({ subject: 'One line', body: '' })
    expect(describeRef('refs/heads/feature/x')).toEqual({ branch: 'feature/x', tag: null })
    expect(describeRef('refs/tags/v1')).toEqual({ branch: null, tag: 'v1' })
  })
})
