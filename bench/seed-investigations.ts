// Bench only: a workspace with many investigations (10,000 by default), with notes, watchers and
// activity, written straight into a (demo-seeded) database in one transaction. Rows go in as one JSON
// parameter per table, unpacked by json_each, as the git import does: a few seconds, not minutes.
// The FTS triggers of migration 0004 index titles, descriptions and notes as the app's writes would.
import { createClient } from '@libsql/client'

export interface SeededInvestigations {
  investigations: number
  notes: number
  watchers: number
  activity: number
  users: number
  repositories: number
  ms: number
}

/** A small seeded generator, so every run measures the same workspace. */
function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const AREAS = [
  'checkout',
  'payments',
  'login',
  'search',
  'upload',
  'cache',
  'scheduler',
  'billing',
  'reports',
  'webhooks',
  'inventory',
  'emails',
]
const SYMPTOMS = [
  'timeout',
  'crash on start',
  'memory leak',
  'flaky tests',
  '500 errors',
  'slow queries',
  'wrong totals',
  'deadlock',
  'build failure',
  'regression',
]
const PLACES = [
  'on main',
  'after the deploy',
  'in staging',
  'on release/2.4',
  'for EU customers',
  'since the upgrade',
  'in nightly',
  'behind the proxy',
]
// Words of notes and descriptions, most frequent first; drawn with Zipf's law (the n-th word about
// 1/n as often as the first), as in real text: a few words everywhere, most words in a few notes.
const VOCABULARY = (
  'the to a and of in is it on we that for this with was not after but be from at as have by now so ' +
  'test build deploy error request fails run main branch commit fix log logs timeout retry release job ' +
  'config database query cache worker queue service api client server version check alert customer ' +
  'staging production rollback revert change merge pipeline latency memory heap cpu disk network proxy ' +
  'connection pool lock migration schema index token session upload payment invoice order cart search ' +
  'login email webhook scheduler cron container node image dependency upgrade flaky reproduce repro ' +
  'bisect suspect cause mitigate monitor dashboard metric spike trace span stack exception null ' +
  'undefined panic segfault oom kill restart crashloop probe readiness liveness dns tls certificate ' +
  'expired rate limit throttle backoff jitter idempotency duplicate race condition deadlock contention ' +
  'transaction isolation replica lag failover shard partition vacuum analyze plan sequential scan ' +
  'serializer encoding utf8 timezone dst clock skew ntp leap locale currency rounding decimal float ' +
  'overflow pagination cursor offset sort filter facet ranking tokenizer stemming feature flag canary ' +
  'rollout percentage cohort experiment hotfix patch cherry pick tag changelog owner oncall pager ' +
  'incident postmortem timeline impact severity escalate vendor outage region zone balancer ingress ' +
  'egress firewall secret vault rotate key hash signature verify webhook payload schema contract'
).split(' ')
const FILES = [
  'retry.ts',
  'pool.ts',
  'client.ts',
  'worker.ts',
  'handler.ts',
  'schema.sql',
  'config.yml',
  'index.ts',
  'queue.ts',
  'totals.ts',
]
// Running sums of 1/n, for drawing a word by binary search.
const ZIPF: number[] = []
for (let index = 0, sum = 0; index < VOCABULARY.length; index++) ZIPF.push((sum += 1 / (index + 1)))
const KINDS = ['failing_build', 'regression', 'incident'] as const
const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev3', 'sev4', 'sev4'] as const
// Most investigations of a long-lived workspace are done.
const STATUSES = [
  'open',
  'investigating',
  'identified',
  'mitigated',
  'resolved',
  'resolved',
  'closed',
  'closed',
  'closed',
  'closed',
] as const
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Adds `count` investigations owned and watched by the demo users and `extraUsers` more people, over
 * `repositories` bench repositories and the last 180 days. The demo engineer owns about 1 in
 * (extraUsers + 3) of them and watches about twice as many, as one member of a busy team would.
 */
export async function seedInvestigations(
  databaseUrl: string,
  options: { count?: number; extraUsers?: number; repositories?: number; seed?: number; now?: number } = {},
): Promise<SeededInvestigations> {
  const started = performance.now()
  const count = options.count ?? 10_000
  const extraUsers = options.extraUsers ?? 22
  const repositoryCount = options.repositories ?? 6
  const now = options.now ?? Date.now()
  const random = mulberry32(options.seed ?? 20_251_201)
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]
  const word = () => {
    const target = random() * ZIPF[ZIPF.length - 1]
    let low = 0
    let high = ZIPF.length - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if (ZIPF[middle] < target) low = middle + 1
      else high = middle
    }
    return VOCABULARY[low]
  }
  const sentence = (area: string) => {
    const words = Array.from({ length: 8 + Math.floor(random() * 18) }, word)
    if (random() < 0.5) words.splice(Math.floor(random() * words.length), 0, `\`src/${area}/${pick(FILES)}\``)
    const text = words.join(' ')
    return `${text[0].toUpperCase()}${text.slice(1)}.`
  }

  const client = createClient({ url: databaseUrl })
  try {
    await client.execute('PRAGMA busy_timeout = 10000')
    const demo = await client.execute(
      `select id from users where email like '%@example.com' and email not like 'bench-%' order by email`,
    )
    const userIds = demo.rows.map((row) => String(row.id))
    const benchUsers = Array.from({ length: extraUsers }, (_, n) => ({
      id: `bench-user-${n}`,
      email: `bench-${n}@example.com`,
      name: `Bench Person ${String(n).padStart(2, '0')}`,
    }))
    userIds.push(...benchUsers.map((user) => user.id))
    const repositories = Array.from({ length: repositoryCount }, (_, n) => ({
      id: `bench-repo-${n}`,
      name: `acme/service-${n}`,
    }))
    const ids = await client.execute(
      `select (select coalesce(max(id), 0) from investigations) as i, (select coalesce(max(id), 0) from investigation_notes) as n`,
    )
    let investigationId = Number(ids.rows[0].i)
    let noteId = Number(ids.rows[0].n)

    const investigations: unknown[][] = []
    const notes: unknown[][] = []
    const watchers: unknown[][] = []
    const activity: unknown[][] = []
    for (let n = 0; n < count; n++) {
      const id = ++investigationId
      const area = pick(AREAS)
      const title = `${area[0].toUpperCase()}${area.slice(1)} ${pick(SYMPTOMS)} ${pick(PLACES)}`
      const description = `${sentence(area)} ${sentence(area)}\n\nFirst seen by ${pick(['the nightly build', 'a customer', 'the on-call engineer', 'monitoring'])} in ${area}.`
      const createdAt = Math.floor(now - random() * 180 * DAY_MS)
      const owner = random() < 0.9 ? pick(userIds) : null
      const creator = pick(userIds)
      const status = pick(STATUSES)
      const repository = random() < 0.85 ? pick(repositories).id : null
      let at = createdAt
      // Each later change a few hours after the one before, never in the future.
      const later = () => (at = Math.min(now, at + Math.floor(random() * 8 * 60 * 60 * 1000) + 1))

      activity.push([id, creator, 'created', JSON.stringify({ title, ownerId: owner, evidence: 0 }), createdAt])
      const following = new Set([creator, ...(owner ? [owner] : [])])
      for (let w = Math.floor(random() * 3); w > 0; w--) following.add(pick(userIds))
      for (const userId of following) watchers.push([id, userId, createdAt])
      for (let k = Math.floor(random() * 4); k > 0; k--) {
        const body = random() < 0.3 ? `${sentence(area)} ${sentence(area)}` : sentence(area)
        const author = pick([...following])
        const noteAt = later()
        notes.push([++noteId, id, author, body, noteAt])
        activity.push([
          id,
          author,
          'note_added',
          JSON.stringify({ noteId, excerpt: body.slice(0, 140), mentions: [] }),
          noteAt,
        ])
      }
      if (status !== 'open') {
        activity.push([id, owner ?? creator, 'status_changed', JSON.stringify({ from: 'open', to: status }), later()])
      }
      const deletedAt = random() < 0.01 ? later() : null
      investigations.push([
        id,
        title,
        description,
        pick(KINDS),
        pick(SEVERITIES),
        status,
        repository,
        repository ? pick(['main', 'develop', 'release/2.4']) : null,
        owner,
        creator,
        createdAt,
        at,
        deletedAt,
      ])
    }

    const json = (rows: unknown) => JSON.stringify(rows)
    await client.batch(
      [
        {
          sql: `insert or ignore into users (id, email, name, role) select value ->> 0, value ->> 1, value ->> 2, 'engineer' from json_each(?)`,
          args: [json(benchUsers.map((user) => [user.id, user.email, user.name]))],
        },
        {
          sql: `insert or ignore into repositories (id, name, provider, default_branch) select value ->> 0, value ->> 1, 'github', 'main' from json_each(?)`,
          args: [json(repositories.map((repository) => [repository.id, repository.name]))],
        },
        {
          sql: `insert into investigations (id, title, description, kind, severity, status, repository_id, branch, owner_id, created_by, created_at, updated_at, deleted_at)
                select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9,
                  value ->> 10, value ->> 11, value ->> 12
                from json_each(?)`,
          args: [json(investigations)],
        },
        {
          sql: `insert into investigation_notes (id, investigation_id, author_id, body, created_at, updated_at)
                select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 4 from json_each(?)`,
          args: [json(notes)],
        },
        {
          sql: `insert or ignore into investigation_watchers (investigation_id, user_id, created_at)
                select value ->> 0, value ->> 1, value ->> 2 from json_each(?)`,
          args: [json(watchers)],
        },
        {
          sql: `insert into activity (investigation_id, actor_id, kind, data, created_at)
                select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from json_each(?) order by value ->> 4`,
          args: [json(activity)],
        },
      ],
      'write',
    )
    // No ANALYZE: the app never runs it, so the planner sees what production sees.
    return {
      investigations: count,
      notes: notes.length,
      watchers: watchers.length,
      activity: activity.length,
      users: userIds.length,
      repositories: repositoryCount,
      ms: performance.now() - started,
    }
  } finally {
    client.close()
  }
}
