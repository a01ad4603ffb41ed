import type { DeviceKind } from './device-kinds.js'
import { validateCommand, validateState } from './device-kinds.js'

/**
 * What a publish may carry, by topic (EN 303 645 5.13-1): device state must match its kind's
 * schema and ranges; availability is `online`/`offline`; commands must be valid for the target
 * device's kind. Pure: the caller supplies the device-kind lookup.
 */
export type ContentDecision = { ok: true } | { ok: false; reason: string }

const STATE = /^hearth\/([a-z0-9-]+)\/state$/
const AVAILABILITY = /^hearth\/([a-z0-9-]+)\/availability$/
const COMMAND = /^hearth\/([a-z0-9-]+)\/set$/
const ONLINE_OFFLINE = new Set(['online', 'offline'])

export function checkPublishContent(
  topic: string,
  payload: Buffer,
  kindOf: (deviceId: string) => DeviceKind | undefined,
  maxBytes: number,
): ContentDecision {
  if (payload.length > maxBytes) return { ok: false, reason: 'too-large' }
  let m = STATE.exec(topic)
  if (m) {
    const kind = kindOf(m[1]!)
    if (!kind) return { ok: false, reason: 'unknown-device' }
    const r = validateState(kind, payload, maxBytes)
    return r.ok ? { ok: true } : { ok: false, reason: `state-${r.reason}` }
  }
  if (AVAILABILITY.test(topic) || topic === 'homeassistant/status')
    return ONLINE_OFFLINE.has(payload.toString('utf8')) ? { ok: true } : { ok: false, reason: 'availability-value' }
  m = COMMAND.exec(topic)
  if (m) {
    const kind = kindOf(m[1]!)
    if (!kind) return { ok: false, reason: 'unknown-device' }
    const r = validateCommand(kind, payload, maxBytes)
    return r.ok ? { ok: true } : { ok: false, reason: `command-${r.reason}` }
  }
  return { ok: true }
}
