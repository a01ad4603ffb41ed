import { filterCovers, isValidTopicFilter, type TopicLimits } from './topics.js'

/**
 * What the uplink may send out and take back (EN 303 645 6.4 data minimisation, 5.13-1 input
 * validation). Pure.
 *
 * - Out: only local topics matched by the owner's allow-list, and the allow-list itself may only
 *   name device state and availability (never commands, discovery, `$` topics or `#`).
 * - In: only `<prefix>/hearth/<deviceId>/set` from the remote, mapped to the local command topic;
 *   the payload is then checked by the broker's own per-kind rules (policy/publish-content).
 */
export const UPLINK_SCOPES = ['hearth/+/state', 'hearth/+/availability'] as const
export const DEFAULT_UPLINK_TOPICS = 'hearth/+/state'
const LIMITS: TopicLimits = { maxLength: 256, maxLevels: 8 }
const MAX_FILTERS = 16
const COMMAND = /^hearth\/([a-z0-9][a-z0-9-]{0,63})\/set$/

export type FilterCheck = { ok: true; filters: string[] } | { ok: false; problem: string }

/** Parses and checks a comma-separated allow-list of local topic filters. */
export function parseUplinkTopics(list: string): FilterCheck {
  const filters = [...new Set(list.split(',').map((s) => s.trim()).filter((s) => s.length > 0))]
  if (filters.length === 0) return { ok: false, problem: 'the allow-list is empty: name at least one filter (default hearth/+/state)' }
  if (filters.length > MAX_FILTERS) return { ok: false, problem: `at most ${MAX_FILTERS} filters` }
  for (const f of filters) {
    if (!isValidTopicFilter(f, LIMITS)) return { ok: false, problem: `${f} is not a valid topic filter` }
    if (!UPLINK_SCOPES.some((scope) => filterCovers(scope, f)))
      return { ok: false, problem: `${f} reaches beyond device state and availability (${UPLINK_SCOPES.join(', ')})` }
  }
  // One subscription per topic: a filter another one covers would deliver everything twice.
  const kept = filters.filter((f) => !filters.some((o) => o !== f && filterCovers(o, f)))
  return { ok: true, filters: kept }
}

/** A remote topic prefix: plain levels only (no wildcards, no `$`, no empty levels). */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.length === 0 || prefix.length > 128) return 'must be 1–128 characters'
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(prefix)) return 'must be plain topic levels (letters, digits, _ -) separated by /'
  return undefined
}

/** The remote topic a local one is forwarded to. */
export const remoteTopic = (prefix: string, local: string): string => `${prefix}/${local}`

/** The remote filter the bridge subscribes to for commands. */
export const remoteCommandFilter = (prefix: string): string => `${prefix}/hearth/+/set`

/** A remote command topic → the local command topic and device id; anything else → undefined. */
export function localCommandOf(prefix: string, remote: string): { topic: string; deviceId: string } | undefined {
  if (!remote.startsWith(prefix + '/')) return undefined
  const local = remote.slice(prefix.length + 1)
  const m = COMMAND.exec(local)
  return m ? { topic: local, deviceId: m[1]! } : undefined
}
