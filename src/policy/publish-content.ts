import type { DeviceKind } from './device-kinds.js'
import { commandSurelyValid, stateSurelyValid, validateCommand, validateState } from './device-kinds.js'

/**
 * What a publish may carry, by topic (EN 303 645 5.13-1): device state must match its kind's
 * schema and ranges; availability is `online`/`offline`; commands must be valid for the target
 * device's kind. Pure: the caller supplies the device-kind lookup.
 */
export type ContentDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/**
 * Which content rule a topic falls under. It depends on the topic alone, so the broker may keep
 * it per connection and topic; the device's kind is looked up on every check (it may be removed).
 */
export type ContentRoute =
  | { readonly rule: 'state' | 'command'; readonly deviceId: string }
  | { readonly rule: 'availability' }
  | { readonly rule: 'any' }

const STATE = /^hearth\/([a-z0-9-]+)\/state$/
const AVAILABILITY = /^hearth\/([a-z0-9-]+)\/availability$/
const COMMAND = /^hearth\/([a-z0-9-]+)\/set$/
const ONLINE_OFFLINE = new Set(['online', 'offline'])
const OK: ContentDecision = Object.freeze({ ok: true })
const AVAILABILITY_ROUTE: ContentRoute = Object.freeze({ rule: 'availability' })
const ANY_ROUTE: ContentRoute = Object.freeze({ rule: 'any' })

export function contentRoute(topic: string): ContentRoute {
  let m = STATE.exec(topic)
  if (m) return { rule: 'state', deviceId: m[1]! }
  if (AVAILABILITY.test(topic) || topic === 'homeassistant/status') return AVAILABILITY_ROUTE
  m = COMMAND.exec(topic)
  if (m) return { rule: 'command', deviceId: m[1]! }
  return ANY_ROUTE
}

/** The content decision for a publish whose topic has `route` (see `contentRoute`). */
export function checkContent(
  route: ContentRoute,
  payload: Buffer,
  kindOf: (deviceId: string) => DeviceKind | undefined,
  maxBytes: number,
): ContentDecision {
  if (payload.length > maxBytes) return { ok: false, reason: 'too-large' }
  switch (route.rule) {
    case 'state': {
      const kind = kindOf(route.deviceId)
      if (!kind) return { ok: false, reason: 'unknown-device' }
      // The byte-level check says only "surely valid"; anything else gets the full check and its reason.
      if (stateSurelyValid(kind, payload, maxBytes)) return OK
      const r = validateState(kind, payload, maxBytes)
      return r.ok ? OK : { ok: false, reason: `state-${r.reason}` }
    }
    case 'availability':
      return ONLINE_OFFLINE.has(payload.toString('utf8')) ? OK : { ok: false, reason: 'availability-value' }
    case 'command': {
      const kind = kindOf(route.deviceId)
      if (!kind) return { ok: false, reason: 'unknown-device' }
      if (commandSurelyValid(kind, payload, maxBytes)) return OK
      const r = validateCommand(kind, payload, maxBytes)
      return r.ok ? OK : { ok: false, reason: `command-${r.reason}` }
    }
    case 'any':
      return OK
  }
}

export function checkPublishContent(
  topic: string,
  payload: Buffer,
  kindOf: (deviceId: string) => DeviceKind | undefined,
  maxBytes: number,
): ContentDecision {
  return checkContent(contentRoute(topic), payload, kindOf, maxBytes)
}
