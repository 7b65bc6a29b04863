// The server's background thread (decision 005): its workers process what requests bring in, pages
// are answered while it writes, and a graceful stop lets it finish and hand the linker back.
import { createClient, type Client } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginCookie, startServer, type RunningServer } from '../helpers/server'
import { deliverGithub, githubExamples, settled } from '../helpers/webhooks'

let server: RunningServer
let db: Client
let secret = ''
let repositoryId = ''

beforeAll(async () => {
  server = await startServer()
  db = createClient({ url: server.databaseUrl })
  const admin = await loginCookie(server, 'admin@example.com')
  const response = await fetch(`${server.url}/api/v1/repositories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: admin },
    body: JSON.stringify({ name: 'threaded', provider: 'github', externalName: 'Codertocat/Hello-World', defaultBranch: 'master' }),
  })
  expect(response.status).toBe(201)
  const body = await response.json()
  secret = body.secret
  repositoryId = body.id
})
afterAll(async () => {
  db?.close()
  await server?.stop()
})

describe('the background thread', () => {
  it('processes deliveries and links their runs while the request thread answers, then stops cleanly and hands the linker back', async () => {
    const runs = githubExamples('workflow_run').filter((example) => (example.workflow_run as { status?: string }).status === 'completed')
    const deliveries = await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const payload = structuredClone(runs[0])
        Object.assign(payload.workflow_run as object, { id: 7_000_000 + index, head_sha: (index + 1).toString(16).padStart(40, 'a') })
        Object.assign(payload.repository as object, { full_name: 'Codertocat/Hello-World' })
        const { response, deliveryId } = await deliverGithub(server.url, 'workflow_run', payload, { secret })
        expect(response.status).toBe(202)
        return deliveryId
      }),
    )
    // Pages are answered while the background thread works through the batch.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    for (const deliveryId of deliveries) expect((await settled(db, 'github', deliveryId)).status).toBe('processed')
    // The linker (in the same thread) links each run to its commit.
    const deadline = Date.now() + 15_000
    let linked = 0
    while (Date.now() < deadline && linked < 40) {
      const { rows } = await db.execute({ sql: "select count(*) as n from links where repository_id = ? and from_kind = 'ci_run' and rule = 'run-head-sha'", args: [repositoryId] })
      linked = Number(rows[0].n)
      if (linked < 40) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(linked).toBe(40)

    expect(await server.stop()).toBe(0)
    const lease = (await db.execute("select int_value from linker_state where key = 'lease'")).rows[0]
    expect(Number(lease.int_value)).toBeLessThanOrEqual(Date.now())
  })
})
