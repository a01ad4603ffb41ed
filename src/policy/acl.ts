import { HubError } from '../core/errors.js'
import { SPEC_TOPIC_LIMITS, filterCovers, filtersOverlap, topicFilterProblem, topicMatches, topicNameProblem, type TopicLimits } from './topics.js'

/**
 * Who may publish and subscribe to what on the hub's broker. Least privilege: a device reads
 * its own commands and writes its own state, nothing else; nobody reads or writes `$SYS`.
 * Every decision is a pure function of the principal and the topic.
 */

/** Kinds of account. `hub` is the hub's own internal client (drivers, web, monitor). */
export type Role = 'device' | 'integration' | 'custom' | 'hub'

/** Topic filters an account may (allow) and may not (deny) publish to and subscribe with. */
export interface Grants {
  pub: { allow: string[]; deny: string[] }
  sub: { allow: string[]; deny: string[] }
}

/** An authenticated account, as the broker hooks see it. */
export interface Principal {
  username: string
  role: Role
  /** Set for, and only for, `device` accounts. */
  deviceId?: string
  grants: Grants
}

/** The outcome of an authorization check; `reason` is for logs and counters, never for the client. */
export type Decision = { allow: true } | { allow: false; reason: 'sys-topic' | 'not-granted' | 'denied' | 'invalid-topic' }

/**
 * Device ids: 1–64 characters of `[a-z0-9-]`, starting with a letter or digit. They are used
 * verbatim as a topic level and as the MQTT client id, so they can never carry a wildcard
 * (`+`, `#`) or a level separator (`/`) into a grant, and fit aedes' 64-character client id cap.
 */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/

/** True iff `s` is a well-formed device id (see {@link DEVICE_ID_PATTERN}). */
export function isDeviceId(s: unknown): s is string {
  return typeof s === 'string' && DEVICE_ID_PATTERN.test(s)
}

const grants = (pubAllow: string[], subAllow: string[]): Grants => ({
  pub: { allow: pubAllow, deny: [] },
  sub: { allow: subAllow, deny: [] },
})

/**
 * The grants an account of `role` gets.
 *
 * - `device` (needs `deviceId`): publish `hearth/<id>/state` and `hearth/<id>/availability`,
 *   subscribe `hearth/<id>/set`. Only its own id, never a wildcard.
 * - `integration` (Home Assistant, Node-RED): subscribe every device's state and availability,
 *   `hearth/+/error` (where the hub says a command could not be delivered: a Zigbee device that
 *   did not acknowledge it), the hub's alerts (`hearth/$hub/alert`, retained; only the hub
 *   publishes there) and `homeassistant/#` (discovery configs); publish `hearth/+/set` (commands) and
 *   `homeassistant/status`, where Home Assistant publishes its birth (`online`) and last-will
 *   (`offline`) messages; the hub watches it to re-send discovery configs after HA restarts.
 *   Integrations may not publish discovery configs themselves: only the hub describes devices.
 * - `custom`: exactly `opts.custom`; every filter must be a valid topic filter.
 * - `hub`: publish `hearth/#` and `homeassistant/#`, subscribe `hearth/+/set` (the Zigbee
 *   driver turns commands into ZCL frames).
 *
 * @throws HubError `HUB_ERR_BAD_REQUEST` for a malformed device id or custom filter, or when
 *   the option a role needs is missing.
 */
export function grantsFor(role: Role, opts: { deviceId?: string; custom?: Grants } = {}): Grants {
  switch (role) {
    case 'device': {
      const id = opts.deviceId
      if (!isDeviceId(id)) throw new HubError('HUB_ERR_BAD_REQUEST', 'device id must be 1-64 characters of a-z, 0-9 and -', { deviceId: id })
      return grants([`hearth/${id}/state`, `hearth/${id}/availability`], [`hearth/${id}/set`])
    }
    case 'integration':
      return grants(['hearth/+/set', 'homeassistant/status'], ['hearth/+/state', 'hearth/+/availability', 'hearth/+/error', 'homeassistant/#', 'hearth/$hub/alert'])
    case 'custom': {
      const c = opts.custom
      if (!c) throw new HubError('HUB_ERR_BAD_REQUEST', 'custom account needs explicit grants')
      for (const list of [c.pub.allow, c.pub.deny, c.sub.allow, c.sub.deny])
        for (const f of list) {
          const problem = topicFilterProblem(f, SPEC_TOPIC_LIMITS)
          if (problem) throw new HubError('HUB_ERR_BAD_REQUEST', `invalid topic filter in grants: ${problem}`, { filter: f })
        }
      // Copies, so a caller mutating its object later cannot widen a live principal.
      return { pub: { allow: [...c.pub.allow], deny: [...c.pub.deny] }, sub: { allow: [...c.sub.allow], deny: [...c.sub.deny] } }
    }
    case 'hub':
      return grants(['hearth/#', 'homeassistant/#'], ['hearth/+/set'])
  }
}

/**
 * A device principal whose id is malformed is refused everything, even if its grants were
 * built by hand: its id would otherwise carry `+`, `#` or `/` into topic matching.
 */
function malformed(p: Principal): boolean {
  return p.role === 'device' && !isDeviceId(p.deviceId)
}

/**
 * May `p` publish to `topic`? Allowed iff the topic is a valid name, does not begin with `$`,
 * matches some `pub.allow` filter and no `pub.deny` filter (deny wins).
 * aedes' default `authorizePublish` refuses `$SYS/` and replacing it drops that guard; this
 * refuses every `$` topic for every role, the hub's own client included.
 */
export function authorizePublish(p: Principal, topic: string, limits: TopicLimits = SPEC_TOPIC_LIMITS): Decision {
  if (topicNameProblem(topic, limits)) return { allow: false, reason: 'invalid-topic' } // [MQTT-3.3.2-2] [MQTT-4.7.3-1..3]
  if (topic.startsWith('$')) return { allow: false, reason: 'sys-topic' }
  if (malformed(p)) return { allow: false, reason: 'not-granted' }
  if (!p.grants.pub.allow.some((f) => topicMatches(f, topic))) return { allow: false, reason: 'not-granted' }
  if (p.grants.pub.deny.some((f) => topicMatches(f, topic))) return { allow: false, reason: 'denied' }
  return { allow: true }
}

/**
 * May `p` subscribe with `filter`? Allowed iff the filter is valid, does not begin with `$`,
 * is COVERED by some `sub.allow` filter (every topic it can match is granted, so `#`,
 * `hearth/#` or `+/+/set` are refused to a device: no wildcard overreach), and does not
 * OVERLAP any `sub.deny` filter (not one denied topic can be delivered through it).
 * A refused filter gets SUBACK return code 0x80 (3.9.3); it is refused whole, never narrowed.
 */
export function authorizeSubscribe(p: Principal, filter: string, limits: TopicLimits = SPEC_TOPIC_LIMITS): Decision {
  if (topicFilterProblem(filter, limits)) return { allow: false, reason: 'invalid-topic' } // [MQTT-4.7.1-2] [MQTT-4.7.1-3]
  if (filter.startsWith('$')) return { allow: false, reason: 'sys-topic' }
  if (malformed(p)) return { allow: false, reason: 'not-granted' }
  if (!p.grants.sub.allow.some((f) => filterCovers(f, filter))) return { allow: false, reason: 'not-granted' }
  if (p.grants.sub.deny.some((f) => filtersOverlap(f, filter))) return { allow: false, reason: 'denied' }
  return { allow: true }
}

/** Characters that may follow a username to form one of its client ids. */
const CLIENT_ID_SEPARATORS = new Set(['-', '_', ':'])

/**
 * May `p` connect with MQTT client id `clientId`?
 *
 * Client ids are a shared namespace, and a second CONNECT with a connected client's id takes
 * over its session and disconnects it [MQTT-3.1.4-2], so an account must only ever use ids
 * that are its own:
 * - a `device` account uses exactly its device id;
 * - any other account uses `<username>` or `<username>` + one of `-` `_` `:` + at least one
 *   more character (`ha`, `ha-1`, `nodered:flow`).
 *
 * These namespaces are disjoint as long as no two accounts' namespaces overlap, which the
 * account store must check with {@link clientIdNamespacesOverlap} before it creates an
 * account (`ha-1` as a username, or a device id, next to an account `ha` is refused there).
 * The empty client id is never allowed here; the broker handles [MQTT-3.1.3-8] itself.
 */
export function clientIdAllowed(p: Principal, clientId: string): boolean {
  if (clientId.length === 0) return false
  if (p.role === 'device') return isDeviceId(p.deviceId) && clientId === p.deviceId
  if (p.username.length === 0 || !clientId.startsWith(p.username)) return false
  if (clientId.length === p.username.length) return true
  return CLIENT_ID_SEPARATORS.has(clientId[p.username.length]!) && clientId.length > p.username.length + 1
}

/**
 * True iff some client id would be allowed for both `a` and `b` by {@link clientIdAllowed},
 * i.e. one account could take over the other's sessions. Call it against every existing
 * account before creating one; two accounts whose namespaces overlap must not coexist.
 */
export function clientIdNamespacesOverlap(a: Pick<Principal, 'username' | 'role' | 'deviceId'>, b: Pick<Principal, 'username' | 'role' | 'deviceId'>): boolean {
  if (a.role === 'device' && b.role === 'device') return a.deviceId === b.deviceId
  if (a.role === 'device') return a.deviceId !== undefined && clientIdAllowed({ ...b, grants: grants([], []) }, a.deviceId)
  if (b.role === 'device') return b.deviceId !== undefined && clientIdAllowed({ ...a, grants: grants([], []) }, b.deviceId)
  // `u`, `u-x`, `u_x`, `u:x` against `v`, ...: they share an id iff u = v or one starts with
  // the other plus a separator (`ha-1` is itself an id of `ha`; `ha-` owns `ha--x`, also `ha`'s).
  const inside = (long: string, short: string) => long.length > short.length && long.startsWith(short) && CLIENT_ID_SEPARATORS.has(long[short.length]!)
  return a.username === b.username || inside(a.username, b.username) || inside(b.username, a.username)
}
