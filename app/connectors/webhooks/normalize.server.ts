// Small pieces every provider's payload goes through on its way into commits, runs and events.
import type { RunStatus } from '../../../db/schema'

/** A payload that can never be processed, however often it is retried (a required field is missing). */
export class PermanentDeliveryError extends Error {
  name = 'PermanentDeliveryError'
}

export type Json = Record<string, unknown>

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function objectAt(parent: Json, key: string): Json | undefined {
  const value = parent[key]
  return isObject(value) ? value : undefined
}

export function stringAt(parent: Json | undefined, key: string): string | null {
  const value = parent?.[key]
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

export function requireObject(parent: Json, key: string): Json {
  const value = objectAt(parent, key)
  if (!value) throw new PermanentDeliveryError(`the payload has no "${key}" object`)
  return value
}

export function requireString(parent: Json, key: string, where = 'the payload'): string {
  const value = stringAt(parent, key)
  if (!value) throw new PermanentDeliveryError(`${where} has no "${key}"`)
  return value
}

export const ZERO_SHA = /^0+$/

// GitLab writes "2016-08-12 15:23:28 UTC" and "2021-04-28 21:50:00 +0200" as well as ISO 8601.
const SPACED_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/

/** Milliseconds since the epoch from an ISO 8601 or GitLab time, a unix time in seconds, or null. */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value
  if (typeof value !== 'string' || value === '') return null
  const spaced = SPACED_TIME.exec(value.trim())
  if (spaced) {
    const [, date, time, zone] = spaced
    const offset = !zone || zone === 'UTC' || zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone
    const parsed = Date.parse(`${date}T${time}${offset}`)
    return Number.isNaN(parsed) ? null : parsed
  }
  const parsed = Date.parse(value)
  return Number.isNaN(parsed) ? null : parsed
}

/** A commit message's first line, and the rest without the blank line between them. */
export function splitMessage(message: string): { subject: string; body: string } {
  const newline = message.indexOf('\n')
  if (newline === -1) return { subject: message.trim(), body: '' }
  return { subject: message.slice(0, newline).trim(), body: message.slice(newline + 1).replace(/^\s*\n/, '').trimEnd() }
}

/** refs/heads/x -> branch x; refs/tags/v1 -> tag v1. */
export function describeRef(ref: string): { branch: string | null; tag: string | null } {
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length), tag: null }
  if (ref.startsWith('refs/tags/')) return { branch: null, tag: ref.slice('refs/tags/'.length) }
  return { branch: null, tag: null }
}

export interface RunState {
  status: RunStatus
  conclusion: string | null
}

/** GitHub's workflow run and check suite statuses: requested, queued, pending, waiting, in_progress, completed. */
export function githubRunState(status: string | null, conclusion: string | null): RunState {
  if (status === 'completed') return { status: 'completed', conclusion: conclusion ?? 'neutral' }
  if (status === 'in_progress') return { status: 'in_progress', conclusion: null }
  return { status: 'queued', conclusion: null }
}

const GITLAB_STATES: Record<string, RunState> = {
  created: { status: 'queued', conclusion: null },
  waiting_for_resource: { status: 'queued', conclusion: null },
  preparing: { status: 'queued', conclusion: null },
  pending: { status: 'queued', conclusion: null },
  scheduled: { status: 'queued', conclusion: null },
  // Waiting for someone to start a manual job: not finished, and a run never moves back from
  // completed, so it stays queued until the job runs.
  manual: { status: 'queued', conclusion: null },
  running: { status: 'in_progress', conclusion: null },
  canceling: { status: 'in_progress', conclusion: null },
  success: { status: 'completed', conclusion: 'success' },
  failed: { status: 'completed', conclusion: 'failure' },
  canceled: { status: 'completed', conclusion: 'cancelled' },
  skipped: { status: 'completed', conclusion: 'skipped' },
}

/** GitLab pipeline and job statuses mapped onto ours (GitHub's vocabulary: success, failure, cancelled, skipped). */
export function gitlabRunState(status: string | null): RunState {
  return (status && GITLAB_STATES[status]) || { status: 'queued', conclusion: null }
}

export function pluralize(count: number, word: string) {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}
