import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { createClient } from '@libsql/client'
import { describe, expect, it } from 'vitest'
import { startServer, tempDatabaseUrl } from '../tests/helpers/server'

const run = promisify(execFile)

async function inquest(databaseUrl: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(path.resolve('node_modules/.bin/tsx'), ['cli/inquest.ts', ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('npm run inquest', () => {
  it('creates the first admin, a token that works against the server, and disables an account', async () => {
    const databaseUrl = tempDatabaseUrl('inquest-cli-')
    const created = await inquest(databaseUrl, 'user:create', '--email', 'Root@Example.com', '--role', 'admin', '--password', 'correct-horse-battery')
    expect(created.code).toBe(0)
    expect(created.stdout).toContain('created admin root@example.com')

    const token = await inquest(databaseUrl, 'token:create', '--email', 'root@example.com', '--scope', 'read', '--days', '7')
    expect(token.code).toBe(0)
    expect(token.stdout.trim()).toMatch(/^inq_[A-Za-z0-9_-]{32}$/)

    const server = await startServer({ DATABASE_URL: databaseUrl, SEED_DEMO: 'false' })
    try {
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } })
      expect(me.status).toBe(200)
      expect((await me.json()).email).toBe('root@example.com')

      expect((await inquest(databaseUrl, 'user:create', '--email', 'dev@example.com', '--role', 'engineer', '--password', 'another-long-password')).code).toBe(0)
      const devToken = (await inquest(databaseUrl, 'token:create', '--email', 'dev@example.com', '--scope', 'read', '--days', '7')).stdout.trim()
      const disabled = await inquest(databaseUrl, 'user:disable', '--email', 'dev@example.com')
      expect(disabled.code).toBe(0)
      expect(disabled.stdout).toContain('disabled dev@example.com')
      const refused = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${devToken}` } })
      expect(refused.status).toBe(401)
    } finally {
      await server.stop()
    }

    const lastAdmin = await inquest(databaseUrl, 'user:disable', '--email', 'root@example.com')
    expect(lastAdmin.code).toBe(2)
    expect(lastAdmin.stderr).toContain('last active admin')
    const audit = createClient({ url: databaseUrl })
    const actions = (await audit.execute("select action from audit_log where actor_label = 'cli' order by id")).rows.map((row) => row.action)
    audit.close()
    expect(actions).toEqual(['user.create', 'token.create', 'user.create', 'token.create', 'user.disable'])
  })

  it('prints an invite link when no password is given', async () => {
    const result = await inquest(tempDatabaseUrl('inquest-cli-'), 'user:create', '--email', 'new@example.com', '--role', 'viewer')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/\/invite\/[A-Za-z0-9_-]{27,}/)
  })

  it('refuses bad input with one line and exit code 2', async () => {
    const databaseUrl = tempDatabaseUrl('inquest-cli-')
    for (const args of [
      ['user:create', '--email', 'x@example.com', '--role', 'owner', '--password', 'long-enough-password'],
      ['user:create', '--email', 'x@example.com', '--role', 'viewer', '--password', 'short'],
      ['token:create', '--email', 'nobody@example.com', '--scope', 'read', '--days', '7'],
      ['token:create', '--email', 'x@example.com', '--scope', 'read', '--days', '400'],
      ['no:such-command'],
    ]) {
      const result = await inquest(databaseUrl, ...args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^inquest: /)
    }
  })
})
