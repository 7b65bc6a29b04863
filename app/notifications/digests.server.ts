// Digests: once a minute (scheduler.server.ts, under a lease), everyone whose digest time has come
// in their own timezone gets one mail with what waited for it, and the weekly summary goes to those
// who want it, on their weekday and hour.
//
// A digest is due for a person when their period (`2026-12-01` daily, `2026-W49` weekly) has no
// digest yet, its local delivery time has passed, and something they chose "in my digest" was
// waiting at that time. (Something that arrives after today's digest hour waits for the next one:
// a digest comes at its hour, never whenever a notification lands; nothing waiting, nothing sent
// and no row written.) Claiming the (user, period) row, reading what waits, rendering, writing the
// outbox row and marking the notifications `digested` happen in one transaction; the unique index on
// (user, period) makes a second process's claim of the same period a no-op, so two replicas ticking
// at once send each digest once.
//
// For speed, one transaction handles a chunk of people (each person's claim, mail and marks in it,
// so still all or nothing per person), reads are one query per chunk, and mail is filled into a
// template compiled once (digests-render.server.ts) instead of being rendered by React each time.
import { sql } from 'drizzle-orm'
import { createElement, type ReactElement } from 'react'
import DigestEmail, { digestSubject } from '../emails/digest'
import WeeklySummaryEmail, {
  weeklySummarySubject,
  type SummaryList,
  type WorkspaceSummaryContent,
} from '../emails/weekly-summary'
import type { Tx } from '../connectors/timeline.server'
import { getDb } from '../db.server'
import { getEnv } from '../env.server'
import type { ScheduledJob } from '../jobs/scheduler.server'
import { readTuples } from '../linker/sql.server'
import { getLogger } from '../observability/logger.server'
import { compileTemplate, type CompiledTemplate } from './digests-render.server'
import { enqueueEmails, type OutgoingEmail } from './outbox.server'
import {
  dueDigestPeriod,
  dueSummaryWeek,
  localTime,
  slotInstant,
  summaryKey,
  type LocalTime,
  type Schedule,
} from './periods'
import { DEFAULT_DELIVERY, DEFAULT_DIGEST, WEEKDAYS, type Delivery } from './preferences-schema'
import { effectiveDelivery } from './preferences.server'
import { preferencesUrl, unsubscribeLinkFor } from './unsubscribe.server'

/** People per transaction: big enough that a commit is paid rarely, small enough that requests wait little. */
const CHUNK_USERS = 100
/** A digest lists this many notifications; the rest are counted ("and 12 more"). */
export const DIGEST_ITEM_LIMIT = 50
const SUMMARY_LINES = 5
const WEEK_MS = 7 * 24 * 60 * 60 * 1000

export interface DigestTickResult {
  /** The tick's time (ISO). */
  at: string
  /** Active people looked at. */
  people: number
  digests: number
  /** Notifications those digests took. */
  notifications: number
  /** Weekly summaries sent as their own mail. */
  summaries: number
  /** Weekly summaries folded into a digest. */
  foldedSummaries: number
  /** Periods another process claimed first (a race between replicas; nothing sent twice). */
  alreadyClaimed: number
  /** People whose digest failed this tick (tried again next tick). */
  failed: number
  /** The tick stopped early (server shutting down); the rest waits for the next tick. */
  stopped: boolean
}

interface Person {
  id: string
  email: string
  name: string
  joined: boolean
  schedule: Schedule
  paused: boolean
  summaryDelivery: Delivery
}

/** What is due for one person at this tick. */
interface Plan {
  person: Person
  local: LocalTime
  /** The digest period due now, and the instant its delivery time was. */
  digest: { period: string; slot: number } | null
  /** The summary's period (`summary:2026-W49`) and its week, when due; `folded` into the digest or its own mail. */
  summary: { period: string; week: string; folded: boolean } | null
}

type PersonTuple = [
  string,
  string,
  string,
  number,
  string | null,
  number | null,
  number | null,
  string | null,
  number | null,
  string | null,
]

function personFrom(row: PersonTuple): Person {
  const [id, email, name, joined, frequency, weekday, hour, timezone, paused, summaryDelivery] = row
  const settings =
    frequency === null
      ? DEFAULT_DIGEST
      : {
          frequency: frequency as Schedule['frequency'],
          weekday: weekday ?? 1,
          hour: hour ?? 8,
          timezone: timezone ?? 'UTC',
          paused: Boolean(paused),
        }
  return {
    id,
    email,
    name,
    joined: Boolean(joined),
    schedule: {
      frequency: settings.frequency,
      weekday: settings.weekday,
      hour: settings.hour,
      timezone: settings.timezone,
    },
    paused: settings.paused,
    summaryDelivery: (summaryDelivery as Delivery | null) ?? DEFAULT_DELIVERY.weekly_summary,
  }
}

/** Active people with their schedule and weekly-summary choice; `ids` limits the read to those people. */
async function readPeople(db: Tx, ids?: readonly string[]): Promise<Person[]> {
  const filter = ids ? sql`and u.id in (select value from json_each(${JSON.stringify(ids)}))` : sql``
  const rows = await readTuples<PersonTuple>(
    db,
    sql`select json_group_array(json_array(u.id, u.email, u.name, u.password_hash is not null, d.frequency, d.weekday, d.hour,
          d.timezone, d.paused, p.delivery)) as j
        from users u
        left join digest_settings d on d.user_id = u.id
        left join notification_preferences p on p.user_id = u.id and p.event_type = 'weekly_summary'
        where u.disabled_at is null ${filter}`,
  )
  return rows.map(personFrom)
}

/** Local times and slots of one tick: the same for everyone on the same zone and schedule, so worked out once. */
class TickClock {
  private readonly locals = new Map<string, LocalTime>()
  private readonly slots = new Map<string, number>()

  constructor(readonly now: number) {}

  local(zone: string): LocalTime {
    let local = this.locals.get(zone)
    if (!local) this.locals.set(zone, (local = localTime(this.now, zone)))
    return local
  }

  slot(schedule: Schedule): number {
    const key = `${schedule.timezone}|${schedule.frequency}|${schedule.weekday}|${schedule.hour}`
    let slot = this.slots.get(key)
    if (slot === undefined) this.slots.set(key, (slot = slotInstant(schedule, this.now, this.local(schedule.timezone))))
    return slot
  }
}

function planFor(person: Person, clock: TickClock): Plan | null {
  if (person.paused) return null
  const { now } = clock
  const local = clock.local(person.schedule.timezone)
  const period = dueDigestPeriod(person.schedule, now, local)
  const digest = period ? { period, slot: clock.slot(person.schedule) } : null
  let summary: Plan['summary'] = null
  // Invited people who never joined get no weekly mail about a workspace they have not seen.
  const wants = effectiveDelivery(person.summaryDelivery, {
    paused: person.paused,
    frequency: person.schedule.frequency,
  })
  if (person.joined && wants !== 'off') {
    const week = dueSummaryWeek(person.schedule, now, local)
    if (week) summary = { period: summaryKey(week), week, folded: wants === 'digest' }
  }
  // Folded into a digest that is not due now: it waits for that digest.
  if (summary?.folded && !digest) summary = null
  return digest || summary ? { person, local, digest, summary } : null
}

/** The (user, period) pairs among these that have a row already. */
async function claimedPairs(db: Tx, pairs: Array<[string, string]>): Promise<Set<string>> {
  const done = new Set<string>()
  for (let start = 0; start < pairs.length; start += 5000) {
    const rows = await readTuples<[string, string]>(
      db,
      sql`select json_group_array(json_array(d.user_id, d.period)) as j
          from json_each(${JSON.stringify(pairs.slice(start, start + 5000))}) p
          cross join digests d on d.user_id = json_extract(p.value, '$[0]') and d.period = json_extract(p.value, '$[1]')`,
    )
    for (const [userId, period] of rows) done.add(`${userId}\0${period}`)
  }
  return done
}

/** Per person, the oldest notification waiting for their digest. */
async function oldestPending(db: Tx, userIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (let start = 0; start < userIds.length; start += 5000) {
    const rows = await readTuples<[string, number]>(
      db,
      sql`select json_group_array(json_array(user_id, oldest)) as j from (
            select user_id, min(created_at) as oldest from notifications
            where user_id in (select value from json_each(${JSON.stringify(userIds.slice(start, start + 5000))}))
              and status = 'pending' and delivery = 'digest'
            group by user_id)`,
    )
    for (const [userId, oldest] of rows) out.set(userId, oldest)
  }
  return out
}

interface PendingNotification {
  id: number
  userId: string
  summary: string
  path: string
  createdAt: number
}

async function pendingFor(tx: Tx, userIds: readonly string[]): Promise<Map<string, PendingNotification[]>> {
  const rows = await readTuples<[number, string, string, string, number]>(
    tx,
    sql`select json_group_array(json_array(id, user_id, summary, path, created_at)) as j from (
          select id, user_id, summary, path, created_at from notifications
          where user_id in (select value from json_each(${JSON.stringify(userIds)})) and status = 'pending' and delivery = 'digest'
          order by user_id, created_at, id)`,
  )
  const out = new Map<string, PendingNotification[]>()
  for (const [id, userId, summary, path, createdAt] of rows) {
    let list = out.get(userId)
    if (!list) out.set(userId, (list = []))
    list.push({ id, userId, summary, path, createdAt })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The workspace summary: the same for everyone this tick, read once when someone's summary is due.

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`
const shortDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' })

function list(heading: string, lines: SummaryList['lines'], count: number): SummaryList {
  return { heading, lines, more: count > lines.length ? `and ${count - lines.length} more` : '' }
}

/** Open investigations, branches red now and tests that turned flaky in the last week; null when all are empty. */
export async function workspaceSummary(now: number, db: Tx = getDb()): Promise<WorkspaceSummaryContent | null> {
  const appUrl = getEnv().APP_URL
  const [investigations, [openCount], episodes, [redCount], flaky, [flakyCount]] = await Promise.all([
    db.all<{ id: number; title: string; status: string; severity: string }>(sql`
      select id, title, status, severity from investigations
      where deleted_at is null and status not in ('resolved', 'closed')
      order by severity, updated_at desc, id desc limit ${SUMMARY_LINES}`),
    db.all<{ n: number }>(
      sql`select count(*) as n from investigations where deleted_at is null and status not in ('resolved', 'closed')`,
    ),
    db.all<{ id: number; repository: string; branch: string; workflow: string; openedAt: number }>(sql`
      select e.id, r.name as repository, e.branch, e.name as workflow, e.opened_at as openedAt
      from episodes e join repositories r on r.id = e.repository_id
      where e.status = 'open' and e.likely_flaky = 0
      order by e.opened_at desc, e.id desc limit ${SUMMARY_LINES}`),
    db.all<{ n: number }>(sql`select count(*) as n from episodes where status = 'open' and likely_flaky = 0`),
    db.all<{ repository: string; scope: string; name: string; firstFlakyAt: number }>(sql`
      select r.name as repository, f.scope, f.name, f.first_flaky_at as firstFlakyAt
      from flaky_tests f join repositories r on r.id = f.repository_id
      where f.first_flaky_at >= ${now - WEEK_MS}
      order by f.first_flaky_at desc limit ${SUMMARY_LINES}`),
    db.all<{ n: number }>(sql`select count(*) as n from flaky_tests where first_flaky_at >= ${now - WEEK_MS}`),
  ])
  const open = Number(openCount?.n ?? 0)
  const red = Number(redCount?.n ?? 0)
  const newFlaky = Number(flakyCount?.n ?? 0)
  if (open + red + newFlaky === 0) return null
  const capitalize = (value: string) => value.charAt(0).toUpperCase() + value.slice(1)
  return {
    openInvestigations: list(
      open ? plural(open, 'open investigation', 'open investigations') : 'No open investigations',
      investigations.map((row) => ({
        label: `#${row.id} ${row.title}`,
        note: `${capitalize(row.status)} · ${row.severity}`,
        url: `${appUrl}/investigations/${row.id}`,
      })),
      open,
    ),
    redBranches: list(
      red ? plural(red, 'red branch', 'red branches') : 'No red branches',
      episodes.map((row) => ({
        label: `${row.repository} ${row.branch} · ${row.workflow}`,
        note: `red since ${shortDate.format(row.openedAt)}`,
        url: `${appUrl}/episodes/${row.id}`,
      })),
      red,
    ),
    flakyTests: list(
      newFlaky
        ? plural(newFlaky, 'new flaky test this week', 'new flaky tests this week')
        : 'No new flaky tests this week',
      flaky.map((row) => ({
        label: `${row.repository}: ${row.scope ? `${row.scope} › ` : ''}${row.name}`,
        note: `first flaky ${shortDate.format(row.firstFlakyAt)}`,
        url: `${appUrl}/flaky-tests`,
      })),
      newFlaky,
    ),
  }
}

// ---------------------------------------------------------------------------------------------
// Templates, compiled once per variant (and per tick for those that hold this tick's summary).

type Values = Record<string, string>
const SAMPLE_FIELDS: Values = {
  name: 'Ada & "Bo" <o\'Neil>',
  countLabel: '2 updates',
  reason: 'You get this  digest daily at 08:00 (Europe/Berlin).',
  unsubscribeUrl: 'http://localhost:3000/unsubscribe/abc?x=1&y=2',
  weekLabel: 'week 49 of 2026',
  more: 'and 3 more in Inquest',
}
const SAMPLE_ITEMS: Values[] = [
  {
    summary: 'Grace moved #12 <Checkout> to "identified"',
    url: 'http://localhost:3000/investigations/12#activity-1',
    when: 'Tue 1 Dec, 14:05',
  },
  {
    summary: "The linker's new   suspect & more",
    url: 'http://localhost:3000/investigations/9?a=1&b=2',
    when: 'Wed 2 Dec, 09:00',
  },
]

interface DigestVariant {
  frequency: 'daily' | 'weekly'
  withItems: boolean
  withMore: boolean
  summary: WorkspaceSummaryContent | null
}

const staticTemplates = new Map<string, Promise<CompiledTemplate>>()

function digestBuilder(variant: DigestVariant, appUrl: string, preferences: string) {
  return (fields: Values, items: Values[]): ReactElement =>
    createElement(DigestEmail, {
      frequency: variant.frequency,
      name: fields.name,
      countLabel: fields.countLabel,
      items: items.map((item) => ({ summary: item.summary, url: item.url, when: item.when })),
      more: variant.withMore ? fields.more : '',
      appUrl,
      reason: fields.reason,
      summary: variant.summary,
      weekLabel: fields.weekLabel,
      unsubscribeUrl: fields.unsubscribeUrl,
      preferencesUrl: preferences,
    })
}

function compileDigest(variant: DigestVariant, appUrl: string, preferences: string): Promise<CompiledTemplate> {
  const fields = [
    'name',
    'countLabel',
    'reason',
    'unsubscribeUrl',
    ...(variant.summary ? ['weekLabel'] : []),
    ...(variant.withMore ? ['more'] : []),
  ]
  return compileTemplate(
    digestBuilder(variant, appUrl, preferences),
    fields,
    variant.withItems ? ['summary', 'url', 'when'] : [],
    {
      fields: SAMPLE_FIELDS,
      items: variant.withItems ? SAMPLE_ITEMS : [],
    },
  )
}

function compileSummary(
  summary: WorkspaceSummaryContent,
  appUrl: string,
  preferences: string,
): Promise<CompiledTemplate> {
  const build = (fields: Values): ReactElement =>
    createElement(WeeklySummaryEmail, {
      name: fields.name,
      weekLabel: fields.weekLabel,
      appUrl,
      summary,
      reason: fields.reason,
      unsubscribeUrl: fields.unsubscribeUrl,
      preferencesUrl: preferences,
    })
  return compileTemplate(build, ['name', 'weekLabel', 'reason', 'unsubscribeUrl'], [], {
    fields: SAMPLE_FIELDS,
    items: [],
  })
}

/** The templates of one tick: digests without the summary are kept across ticks; the rest live for the tick. */
class TickTemplates {
  private readonly perTick = new Map<string, Promise<CompiledTemplate>>()
  private readonly appUrl = getEnv().APP_URL
  private readonly preferences = preferencesUrl()

  constructor(private readonly summary: () => Promise<WorkspaceSummaryContent | null>) {}

  async digest(frequency: 'daily' | 'weekly', withItems: boolean, withMore: boolean, withSummary: boolean) {
    const key = `${frequency}:${withItems}:${withMore}:${withSummary}:${this.appUrl}`
    if (!withSummary) {
      let template = staticTemplates.get(key)
      if (!template)
        staticTemplates.set(
          key,
          (template = compileDigest({ frequency, withItems, withMore, summary: null }, this.appUrl, this.preferences)),
        )
      return template
    }
    let template = this.perTick.get(key)
    if (!template) {
      const summary = await this.summary()
      this.perTick.set(
        key,
        (template = compileDigest({ frequency, withItems, withMore, summary }, this.appUrl, this.preferences)),
      )
    }
    return template
  }

  async weeklySummary(summary: WorkspaceSummaryContent) {
    let template = this.perTick.get('summary')
    if (!template) this.perTick.set('summary', (template = compileSummary(summary, this.appUrl, this.preferences)))
    return template
  }
}

// ---------------------------------------------------------------------------------------------
// Words.

const HOUR = (hour: number) => `${String(hour).padStart(2, '0')}:00`
const whenFormats = new Map<string, Intl.DateTimeFormat>()

function whenLabel(at: number, timeZone: string): string {
  let format = whenFormats.get(timeZone)
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
    } catch {
      format = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'UTC',
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
    }
    whenFormats.set(timeZone, format)
  }
  return format.format(at)
}

function digestReason(schedule: Schedule) {
  const at = `${HOUR(schedule.hour)} (${schedule.timezone})`
  return schedule.frequency === 'weekly'
    ? `You get this digest on ${WEEKDAYS[schedule.weekday - 1]}s at ${at}.`
    : `You get this digest daily at ${at}.`
}

function summaryReason(schedule: Schedule) {
  return `You get the weekly summary on ${WEEKDAYS[schedule.weekday - 1]}s at ${HOUR(schedule.hour)} (${schedule.timezone}).`
}

function weekLabel(week: string) {
  const [year, number] = week.split('-W')
  return `week ${Number(number)} of ${year}`
}

// ---------------------------------------------------------------------------------------------
// One chunk: one transaction.

interface ChunkOutcome {
  digests: number
  notifications: number
  summaries: number
  foldedSummaries: number
  alreadyClaimed: number
}

async function claim(tx: Tx, rows: Array<[string, string, number]>, now: number): Promise<Map<string, number>> {
  const claimed = new Map<string, number>()
  if (rows.length === 0) return claimed
  const inserted = await tx.all<{ id: number; userId: string; period: string }>(sql`
    insert into digests (user_id, period, notification_count, created_at)
    select json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ${now} from json_each(${JSON.stringify(rows)}) where true
    on conflict (user_id, period) do nothing
    returning id, user_id as userId, period`)
  for (const row of inserted) claimed.set(`${row.userId}\0${row.period}`, Number(row.id))
  return claimed
}

/** What the tick found due for a person: their digest, their weekly summary, or both. */
interface Intent {
  digest: boolean
  summary: boolean
}

async function processChunk(
  intents: ReadonlyMap<string, Intent>,
  now: number,
  templates: TickTemplates,
  summary: () => Promise<WorkspaceSummaryContent | null>,
): Promise<ChunkOutcome> {
  const outcome: ChunkOutcome = { digests: 0, notifications: 0, summaries: 0, foldedSummaries: 0, alreadyClaimed: 0 }
  // The summary's queries run before the transaction: they read, and the transaction holds the write lock.
  const content = await summary()
  const appUrl = getEnv().APP_URL
  await getDb().transaction(async (tx) => {
    // Read again inside the transaction: a change of settings or an unsubscribe since the tick's
    // first read applies to this very send.
    const clock = new TickClock(now)
    const plans: Plan[] = []
    for (const person of await readPeople(tx, [...intents.keys()])) {
      const plan = planFor(person, clock)
      const intent = intents.get(person.id)
      if (!plan || !intent) continue
      if (!intent.digest) plan.digest = null
      if (!intent.summary || (plan.summary?.folded && !plan.digest)) plan.summary = null
      if (plan.digest || plan.summary) plans.push(plan)
    }
    const digestUsers = plans.filter((plan) => plan.digest).map((plan) => plan.person.id)
    const pending = digestUsers.length ? await pendingFor(tx, digestUsers) : new Map<string, PendingNotification[]>()

    // Who gets a digest: something waited at its delivery time, or a folded summary comes with it.
    const digestPlans = plans.filter((plan) => {
      if (!plan.digest) return false
      const waiting = pending.get(plan.person.id) ?? []
      return waiting.some((item) => item.createdAt <= plan.digest!.slot) || Boolean(plan.summary?.folded && content)
    })
    const digestClaims = await claim(
      tx,
      digestPlans.map((plan) => [plan.person.id, plan.digest!.period, pending.get(plan.person.id)?.length ?? 0]),
      now,
    )
    outcome.alreadyClaimed += digestPlans.length - digestClaims.size
    const claimedDigests = digestPlans.filter((plan) => digestClaims.has(`${plan.person.id}\0${plan.digest!.period}`))
    // Summaries: folded ones only with a digest that goes now; none at all when the workspace has nothing to say.
    const summaryPlans = content
      ? plans.filter((plan) => plan.summary && (!plan.summary.folded || claimedDigests.includes(plan)))
      : []
    const summaryClaims = await claim(
      tx,
      summaryPlans.map((plan) => [plan.person.id, plan.summary!.period, 0]),
      now,
    )
    const hasSummary = (plan: Plan) =>
      Boolean(plan.summary && summaryClaims.has(`${plan.person.id}\0${plan.summary.period}`))
    outcome.alreadyClaimed += summaryPlans.filter((plan) => !plan.summary!.folded && !hasSummary(plan)).length

    const mails: OutgoingEmail[] = []
    const digestOf: Array<[number, number]> = [] // [mail index, digest id]
    const summaryOf: Array<[number, number]> = [] // [mail index, summary row id]
    const marks: Array<[number, number]> = [] // [notification id, digest id]
    for (const plan of claimedDigests) {
      const { person } = plan
      const digestId = digestClaims.get(`${person.id}\0${plan.digest!.period}`)!
      const items = pending.get(person.id) ?? []
      const folded = Boolean(plan.summary?.folded && hasSummary(plan))
      if (items.length === 0 && !folded) continue // claimed, nothing to say: the period is done, no mail
      const frequency = person.schedule.frequency === 'weekly' ? 'weekly' : 'daily'
      const shown = items.slice(0, DIGEST_ITEM_LIMIT)
      const more = items.length - shown.length
      const link = await unsubscribeLinkFor(tx, person.id, 'digest', now)
      const countLabel = items.length ? plural(items.length, 'update', 'updates') : 'the weekly summary'
      const template = await templates.digest(frequency, items.length > 0, more > 0, folded)
      const rendered = await template.render(
        {
          name: person.name,
          countLabel,
          reason: digestReason(person.schedule),
          unsubscribeUrl: link.url,
          weekLabel: folded ? weekLabel(plan.summary!.week) : '',
          more: more > 0 ? `and ${more} more in Inquest` : '',
        },
        shown.map((item) => ({
          summary: item.summary,
          url: `${appUrl}${item.path}`,
          when: whenLabel(item.createdAt, person.schedule.timezone),
        })),
      )
      digestOf.push([mails.length, digestId])
      if (folded) summaryOf.push([mails.length, summaryClaims.get(`${person.id}\0${plan.summary!.period}`)!])
      mails.push({
        userId: person.id,
        to: person.email,
        category: 'digest',
        template: 'digest',
        subject: digestSubject(frequency, items.length && folded ? `${countLabel} and the weekly summary` : countLabel),
        ...rendered,
        headers: link.headers,
      })
      for (const item of items) marks.push([item.id, digestId])
      outcome.digests++
      outcome.notifications += items.length
      if (folded) outcome.foldedSummaries++
    }
    for (const plan of summaryPlans) {
      if (plan.summary!.folded || !hasSummary(plan) || !content) continue
      const { person } = plan
      const link = await unsubscribeLinkFor(tx, person.id, 'weekly_summary', now)
      const label = weekLabel(plan.summary!.week)
      const template = await templates.weeklySummary(content)
      const rendered = await template.render({
        name: person.name,
        weekLabel: label,
        reason: summaryReason(person.schedule),
        unsubscribeUrl: link.url,
      })
      summaryOf.push([mails.length, summaryClaims.get(`${person.id}\0${plan.summary!.period}`)!])
      mails.push({
        userId: person.id,
        to: person.email,
        category: 'weekly_summary',
        template: 'weekly-summary',
        subject: weeklySummarySubject(label),
        ...rendered,
        headers: link.headers,
      })
      outcome.summaries++
    }

    const ids = await enqueueEmails(tx, mails, now)
    const outboxOf = (pairs: Array<[number, number]>) =>
      JSON.stringify(pairs.map(([mail, rowId]) => [rowId, ids[mail]]))
    // UPDATE ... FROM joins each row to its pair once (a correlated lookup would scan the list per row).
    if (digestOf.length || summaryOf.length) {
      await tx.run(sql`update digests set outbox_id = pairs.outbox_id
        from (select json_extract(value, '$[0]') as id, json_extract(value, '$[1]') as outbox_id from json_each(${outboxOf([...digestOf, ...summaryOf])})) as pairs
        where digests.id = pairs.id`)
    }
    if (marks.length) {
      await tx.run(sql`update notifications set status = 'digested', digest_id = pairs.digest_id
        from (select json_extract(value, '$[0]') as id, json_extract(value, '$[1]') as digest_id from json_each(${JSON.stringify(marks)})) as pairs
        where notifications.id = pairs.id and notifications.status = 'pending'`)
    }
  })
  return outcome
}

// ---------------------------------------------------------------------------------------------
// The tick.

export interface DigestTickOptions {
  /** The tick's time: the clock's by default; tests pass a fake one. */
  now?: number
  signal?: AbortSignal
  chunkSize?: number
}

/** One tick: every digest and weekly summary due at `now`, written to the outbox. */
export async function runDigestTick({
  now = Date.now(),
  signal,
  chunkSize = CHUNK_USERS,
}: DigestTickOptions = {}): Promise<DigestTickResult> {
  const result: DigestTickResult = {
    at: new Date(now).toISOString(),
    people: 0,
    digests: 0,
    notifications: 0,
    summaries: 0,
    foldedSummaries: 0,
    alreadyClaimed: 0,
    failed: 0,
    stopped: false,
  }
  const db = getDb()
  const people = await readPeople(db)
  result.people = people.length
  const clock = new TickClock(now)
  const plans = people.map((person) => planFor(person, clock)).filter((plan): plan is Plan => plan !== null)
  if (plans.length === 0) return result

  // Periods already claimed are done; a digest period needs something that waited since its delivery time.
  const pairs: Array<[string, string]> = []
  for (const plan of plans) {
    if (plan.digest) pairs.push([plan.person.id, plan.digest.period])
    if (plan.summary) pairs.push([plan.person.id, plan.summary.period])
  }
  const done = await claimedPairs(db, pairs)
  const digestCandidates = plans.filter((plan) => plan.digest && !done.has(`${plan.person.id}\0${plan.digest.period}`))
  const oldest = digestCandidates.length
    ? await oldestPending(
        db,
        digestCandidates.map((plan) => plan.person.id),
      )
    : new Map<string, number>()

  let summaryContent: Promise<WorkspaceSummaryContent | null> | undefined
  const summary = () => (summaryContent ??= workspaceSummary(now))
  const due: Array<[string, Intent]> = []
  for (const plan of plans) {
    const id = plan.person.id
    const digestOpen = Boolean(plan.digest && !done.has(`${id}\0${plan.digest.period}`))
    const waiting = digestOpen && (oldest.get(id) ?? Infinity) <= plan.digest!.slot
    // A folded summary goes with a digest of this period, which may carry nothing else.
    const summaryDue = Boolean(
      plan.summary && !done.has(`${id}\0${plan.summary.period}`) && (!plan.summary.folded || digestOpen),
    )
    if (waiting || summaryDue)
      due.push([id, { digest: waiting || (summaryDue && plan.summary!.folded), summary: summaryDue }])
  }
  if (due.length === 0) return result
  // Someone's summary is due: is there anything to say? (Read once, outside any transaction.)
  if (!due.some(([, intent]) => intent.summary)) summaryContent = Promise.resolve(null)

  const templates = new TickTemplates(summary)
  // Compile the usual templates now, not inside the first chunk's transaction.
  const dueIds = new Set(due.map(([id]) => id))
  const frequencies = new Set(
    plans.filter((plan) => plan.digest && dueIds.has(plan.person.id)).map((plan) => plan.person.schedule.frequency),
  )
  const content = await summary()
  await Promise.all([
    ...[...frequencies].map((frequency) =>
      templates.digest(frequency === 'weekly' ? 'weekly' : 'daily', true, false, false),
    ),
    ...(content && due.some(([, intent]) => intent.summary) ? [templates.weeklySummary(content)] : []),
  ])
  const logger = getLogger()
  for (let start = 0; start < due.length; start += chunkSize) {
    if (signal?.aborted) {
      result.stopped = true
      break
    }
    const chunk = due.slice(start, start + chunkSize)
    try {
      add(result, await processChunk(new Map(chunk), now, templates, summary))
    } catch (error) {
      // One person's trouble must not hold up the rest: each alone, and whoever still fails waits for the next tick.
      logger.warn({ err: error, people: chunk.length }, 'digest chunk failed; one person at a time')
      for (const [userId, intent] of chunk) {
        try {
          add(result, await processChunk(new Map([[userId, intent]]), now, templates, summary))
        } catch (single) {
          result.failed++
          logger.error({ err: single, userId }, 'digest failed')
        }
      }
    }
    // Let requests in between chunks: the embedded database runs on this thread.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return result
}

function add(result: DigestTickResult, outcome: ChunkOutcome) {
  result.digests += outcome.digests
  result.notifications += outcome.notifications
  result.summaries += outcome.summaries
  result.foldedSummaries += outcome.foldedSummaries
  result.alreadyClaimed += outcome.alreadyClaimed
}

/** One line for logs and the CLI. */
export function describeTick(result: DigestTickResult): string {
  const parts = [
    `${plural(result.digests, 'digest', 'digests')} (${plural(result.notifications, 'notification', 'notifications')})`,
    `${plural(result.summaries, 'weekly summary', 'weekly summaries')}`,
  ]
  if (result.foldedSummaries) parts.push(`${result.foldedSummaries} folded into digests`)
  if (result.alreadyClaimed) parts.push(`${result.alreadyClaimed} already claimed by another process`)
  if (result.failed) parts.push(`${result.failed} failed (retried next tick)`)
  if (result.stopped) parts.push('stopped early')
  return `digest tick at ${result.at}: ${result.people} active people; queued ${parts.join(', ')}`
}

export const DIGEST_JOB = 'digests'

export const digestJob: ScheduledJob = {
  name: DIGEST_JOB,
  pattern: '* * * * *',
  // Renewed while a tick runs; a replica that dies mid-tick holds up the next ticks this long at most.
  leaseMs: 90_000,
  tick: (now, signal) => runDigestTick({ now, signal }),
}
