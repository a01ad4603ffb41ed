import { ClusterId, IasZoneType, attributeSpec, type AttributeSpec } from './clusters.js'
import type { ZclFrame } from './frame.js'
import type { ZclValue } from './types.js'

/**
 * From a decoded frame to state fields (ZIGBEE.md "One report's way": zcl decode → device model
 * maps cluster/attribute to a state field → range check). Pure. Values outside the cluster's
 * valid range, or equal to its "unknown" sentinel, are rejected and returned for the caller to
 * count: they are never published (EN 303 645 5.13-1).
 */

export type StateValue = number | boolean | string

/** What the hub knows about the device that sent the frame. */
export interface DeviceContext {
  /** The IAS zone type (ssIasZone attribute 0x0001 or the enroll request): says what alarm1 means. */
  iasZoneType?: number
}

export type RejectReason = 'unknown-value' | 'out-of-range' | 'wrong-type' | 'not-text' | 'no-zone-type' | 'read-failed'

export interface StateResult {
  /** Fields for `hearth/<id>/state`, named as in the device kinds (src/policy/device-kinds.ts). */
  state: Record<string, StateValue>
  /** Device description from the interview (manufacturer, model, power source, IAS zone type…). */
  info: Record<string, StateValue>
  /** Values refused, by attribute id; the caller counts them. */
  rejected: Array<{ attribute: number; reason: RejectReason }>
  /** Attributes the hub does not use (or manufacturer-specific ones), skipped. */
  ignored: number[]
}

const ZONE_STATUS = 0x0002

/** Maps one decoded frame on `clusterId` to state and info fields. */
export function toState(clusterId: number, frame: ZclFrame, ctx: DeviceContext = {}): StateResult {
  const out: StateResult = { state: {}, info: {}, rejected: [], ignored: [] }
  const cmd = frame.command
  const records: Array<{ id: number; type: number; value: ZclValue }> = []
  switch (cmd.name) {
    case 'reportAttributes':
      records.push(...cmd.records)
      break
    case 'readAttributesResponse':
      for (const r of cmd.records)
        if (r.status === 0 && r.type !== undefined && r.value !== undefined) records.push({ id: r.id, type: r.type, value: r.value })
        else if (attributeSpec(clusterId, r.id)) out.rejected.push({ attribute: r.id, reason: 'read-failed' })
        else out.ignored.push(r.id)
      break
    case 'zoneStatusChangeNotification':
      if (clusterId === ClusterId.ssIasZone) zoneStatus(cmd.zoneStatus, ctx, out)
      return out
    case 'zoneEnrollRequest':
      if (clusterId === ClusterId.ssIasZone) out.info.zoneType = cmd.zoneType
      return out
    default:
      return out
  }
  // Attribute ids in a manufacturer-specific frame belong to the manufacturer (ZCL 2.4.1.1.3):
  // they must not be read as the standard attributes with the same number.
  if (frame.header.manufacturerCode !== undefined) {
    out.ignored.push(...records.map((r) => r.id))
    return out
  }
  for (const r of records) {
    const spec = attributeSpec(clusterId, r.id)
    if (!spec) out.ignored.push(r.id)
    else if (r.type !== spec.type) out.rejected.push({ attribute: r.id, reason: 'wrong-type' })
    else if (spec.convert === 'iasZoneStatus') zoneStatus(r.value as number, ctx, out)
    else {
      const v = convert(spec, r.value)
      if (typeof v === 'object') out.rejected.push({ attribute: r.id, reason: v.reason })
      else (spec.target === 'state' ? out.state : out.info)[spec.field] = v
    }
  }
  return out
}

function convert(spec: AttributeSpec, raw: ZclValue): StateValue | { reason: RejectReason } {
  if (spec.unknown !== undefined && raw === spec.unknown) return { reason: 'unknown-value' }
  switch (spec.convert) {
    case 'onOff':
      return typeof raw === 'boolean' ? (raw ? 'ON' : 'OFF') : { reason: 'out-of-range' }
    case 'text': {
      if (typeof raw !== 'string') return { reason: 'wrong-type' }
      // Some devices pad with NULs or spaces; anything else non-printable is refused.
      const s = raw.replace(/[\0\s]+$/u, '')
      return s.length > 0 && !/[\p{Cc}\p{Cf}]/u.test(s) ? s : { reason: 'not-text' }
    }
    case 'raw':
      if (typeof raw === 'string') return raw
      break
  }
  if (typeof raw !== 'number') return { reason: 'wrong-type' }
  if ((spec.min !== undefined && raw < spec.min) || (spec.max !== undefined && raw > spec.max)) return { reason: 'out-of-range' }
  switch (spec.convert) {
    case 'div100':
      return raw / 100
    case 'half':
      return Math.round(raw / 2)
    case 'bit0':
      return (raw & 1) === 1
    default:
      return raw
  }
}

/** ZCL 8.2.2.2.1.4: bit 0 alarm1, bit 2 tamper, bit 3 battery low. */
function zoneStatus(status: number, ctx: DeviceContext, out: StateResult): void {
  const alarm1 = (status & 0x0001) !== 0
  if (ctx.iasZoneType === IasZoneType.contact) out.state.contact = !alarm1 // alarm1 = open; `contact: true` = closed
  else if (ctx.iasZoneType === IasZoneType.motion) out.state.occupancy = alarm1
  else out.rejected.push({ attribute: ZONE_STATUS, reason: 'no-zone-type' })
  out.state.tamper = (status & 0x0004) !== 0
  out.state.battery_low = (status & 0x0008) !== 0
}
