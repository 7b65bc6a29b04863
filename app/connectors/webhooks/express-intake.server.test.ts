import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { webhookProvider } from './express-intake.server'

const request = (method: string, url: string) => ({ method, url }) as IncomingMessage

describe('webhookProvider', () => {
  it('takes POSTs to the two webhook paths as express would route them: any case, a trailing slash, a query', () => {
    expect(webhookProvider(request('POST', '/webhooks/github'))).toBe('github')
    expect(webhookProvider(request('POST', '/webhooks/gitlab'))).toBe('gitlab')
    expect(webhookProvider(request('POST', '/Webhooks/GitHub/'))).toBe('github')
    expect(webhookProvider(request('POST', '/webhooks/github?repository=abc'))).toBe('github')
  })

  it('leaves everything else to express and Remix: other methods, other paths, longer paths', () => {
    expect(webhookProvider(request('GET', '/webhooks/github'))).toBeNull()
    expect(webhookProvider(request('PUT', '/webhooks/gitlab'))).toBeNull()
    expect(webhookProvider(request('POST', '/webhooks/bitbucket'))).toBeNull()
    expect(webhookProvider(request('POST', '/webhooks/github/extra'))).toBeNull()
    expect(webhookProvider(request('POST', '/api/v1/ci-runs'))).toBeNull()
  })
})
