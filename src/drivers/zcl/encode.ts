import { HubError } from '../../core/errors.js'
import { ClusterId } from './clusters.js'
import { GlobalCommand, type AttrRecord, type ReadStatusRecord, type ReportingRecord, type StatusRecord, type ZclCommand, type ZclFrame, type ZclHeader } from './frame.js'
import { Writer, isAnalogType, isKnownType } from './types.js'

/**
 * ZCL encoders: the inverse of `decodeZcl` (`encodeZcl(c, decodeZcl(c, b).frame)` gives `b` back
 * for every frame the decoder accepts without trailing bytes), and the small helpers the
 * coordinator and the simulator use. Pure. Arguments come from our own code, so a value that
 * does not fit its type is a bug: it throws a HubError `HUB_ERR_BAD_REQUEST`.
 */

/** A ZCL payload ready for AF_DATA_REQUEST on `clusterId`. */
export interface ZclOut { clusterId: number; data: Uint8Array }

/** Header options; defaults: client → server, default response requested, no manufacturer code. */
export interface HeaderOptions { serverToClient?: boolean; disableDefaultResponse?: boolean; manufacturerCode?: number }

const CLUSTER_COMMAND_ID: Readonly<Record<string, number>> = {
  off: 0x00, on: 0x01, toggle: 0x02, moveToLevel: 0x00, moveToLevelWithOnOff: 0x04,
  zoneStatusChangeNotification: 0x00, zoneEnrollRequest: 0x01, zoneEnrollResponse: 0x00,
}

/** Encodes a whole frame; `header.commandId` is taken from the command for known commands. */
export function encodeZcl(clusterId: number, frame: ZclFrame): ZclOut {
  const { header: h, command: c } = frame
  const w = new Writer()
  let fc = h.frameType
  if (h.manufacturerCode !== undefined) fc |= 0x04
  if (h.serverToClient) fc |= 0x08
  if (h.disableDefaultResponse) fc |= 0x10
  w.u8(fc)
  if (h.manufacturerCode !== undefined) w.u16(h.manufacturerCode)
  w.u8(h.seq)
  const id = h.frameType === 0 ? GlobalCommand[c.name as keyof typeof GlobalCommand] : CLUSTER_COMMAND_ID[c.name]
  if (id === undefined) throw new HubError('HUB_ERR_BAD_REQUEST', `cannot encode ZCL command ${c.name} as frame type ${h.frameType}`)
  w.u8(id)
  body(w, c)
  return { clusterId, data: w.done() }
}

function body(w: Writer, c: ZclCommand): void {
  switch (c.name) {
    case 'readAttributes':
      for (const id of c.ids) w.u16(id)
      return
    case 'readAttributesResponse':
      for (const r of c.records) {
        w.u16(r.id).u8(r.status)
        if (r.status === 0) {
          if (r.type === undefined || r.value === undefined) throw new HubError('HUB_ERR_BAD_REQUEST', 'a successful read record needs a type and value')
          w.u8(r.type).value(r.type, r.value)
        }
      }
      return
    case 'writeAttributes':
    case 'reportAttributes':
      for (const r of c.records) w.u16(r.id).u8(r.type).value(r.type, r.value)
      return
    case 'writeAttributesResponse':
    case 'configureReportingResponse':
      for (const r of c.records) {
        w.u8(r.status)
        if (c.name === 'configureReportingResponse' && r.direction !== undefined) w.u8(r.direction)
        if (r.id !== undefined) w.u16(r.id)
      }
      return
    case 'configureReporting':
      for (const r of c.records) {
        w.u8(r.direction).u16(r.id)
        if (r.direction === 1) {
          w.u16(r.timeout)
          continue
        }
        if (!isKnownType(r.type)) throw new HubError('HUB_ERR_BAD_REQUEST', `unknown ZCL type 0x${r.type.toString(16)}`)
        w.u8(r.type).u16(r.minInterval).u16(r.maxInterval)
        if (isAnalogType(r.type)) w.value(r.type, r.reportableChange ?? 0)
      }
      return
    case 'defaultResponse':
      w.u8(c.commandId).u8(c.status)
      return
    case 'off':
    case 'on':
    case 'toggle':
      return
    case 'moveToLevel':
    case 'moveToLevelWithOnOff':
      w.u8(c.level).u16(c.transitionDs)
      return
    case 'zoneStatusChangeNotification':
      w.u16(c.zoneStatus).u8(c.extendedStatus)
      if (c.zoneId !== undefined) w.u8(c.zoneId)
      if (c.zoneId !== undefined && c.delay !== undefined) w.u16(c.delay)
      return
    case 'zoneEnrollRequest':
      w.u16(c.zoneType).u16(c.manufacturerCode)
      return
    case 'zoneEnrollResponse':
      w.u8(c.code).u8(c.zoneId)
  }
}

function header(frameType: 0 | 1, seq: number, o: HeaderOptions, commandId = 0): ZclHeader {
  const h: ZclHeader = { frameType, seq, commandId, serverToClient: o.serverToClient ?? false, disableDefaultResponse: o.disableDefaultResponse ?? false }
  if (o.manufacturerCode !== undefined) h.manufacturerCode = o.manufacturerCode
  return h
}

const global = (clusterId: number, seq: number, o: HeaderOptions, command: ZclCommand): ZclOut => encodeZcl(clusterId, { header: header(0, seq, o), command })
const specific = (clusterId: number, seq: number, o: HeaderOptions, command: ZclCommand): ZclOut => encodeZcl(clusterId, { header: header(1, seq, o), command })

/** What the hub can ask an actuator to do (from `hearth/<id>/set`). `level` is 0–100 %, `brightness` 0–254. */
export type DeviceCommand =
  | { cmd: 'on' }
  | { cmd: 'off' }
  | { cmd: 'toggle' }
  | { cmd: 'level'; level: number; transitionDs?: number }
  | { cmd: 'brightness'; brightness: number; transitionDs?: number }

/**
 * On/off (genOnOff 0x00–0x02) or level (genLevelCtrl moveToLevelWithOnOff 0x04, which also
 * switches the light on or off, ZCL 3.10.2.1.1). A default response is requested so a refusal
 * by the device comes back as a status, not silence.
 */
export function encodeCommand(cmd: DeviceCommand, seq: number, o: HeaderOptions = {}): ZclOut {
  switch (cmd.cmd) {
    case 'on':
    case 'off':
    case 'toggle':
      return specific(ClusterId.genOnOff, seq, o, { name: cmd.cmd })
    case 'level':
    case 'brightness': {
      const pct = cmd.cmd === 'level'
      const v = pct ? cmd.level : cmd.brightness
      if (!Number.isFinite(v) || v < 0 || v > (pct ? 100 : 254)) throw new HubError('HUB_ERR_BAD_REQUEST', `${cmd.cmd} must be from 0 to ${pct ? 100 : 254}`)
      const level = pct ? Math.round((v * 254) / 100) : Math.round(v)
      return specific(ClusterId.genLevelCtrl, seq, o, { name: 'moveToLevelWithOnOff', level, transitionDs: cmd.transitionDs ?? 0 })
    }
  }
}

/** Read attributes (0x00), hub → device. */
export function encodeReadAttributes(clusterId: number, ids: number[], seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { disableDefaultResponse: true, ...o }, { name: 'readAttributes', ids })
}

/** Read attributes response (0x01), device → hub (the simulator). */
export function encodeReadAttributesResponse(clusterId: number, records: ReadStatusRecord[], seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { serverToClient: true, disableDefaultResponse: true, ...o }, { name: 'readAttributesResponse', records })
}

/** Write attributes (0x02), hub → device (e.g. the IAS CIE address, ZCL 8.2.2.2.3). */
export function encodeWriteAttributes(clusterId: number, records: AttrRecord[], seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { disableDefaultResponse: true, ...o }, { name: 'writeAttributes', records })
}

/** Write attributes response (0x04), device → hub; no records means "all written". */
export function encodeWriteAttributesResponse(clusterId: number, failures: StatusRecord[], seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { serverToClient: true, disableDefaultResponse: true, ...o }, { name: 'writeAttributesResponse', records: failures.length ? failures : [{ status: 0 }] })
}

/** Configure reporting (0x06), hub → device: how often the device reports each attribute. */
export function encodeConfigureReporting(clusterId: number, entries: ReportingRecord[], seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { disableDefaultResponse: true, ...o }, { name: 'configureReporting', records: entries })
}

/** Configure reporting response (0x07), device → hub; no records means "all configured". */
export function encodeConfigureReportingResponse(clusterId: number, failures: StatusRecord[], seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { serverToClient: true, disableDefaultResponse: true, ...o }, { name: 'configureReportingResponse', records: failures.length ? failures : [{ status: 0 }] })
}

/** Report attributes (0x0A), device → hub (the simulator): `18 <seq> 0A (id type value)…`. */
export function encodeReport(clusterId: number, attrs: AttrRecord[], seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { serverToClient: true, disableDefaultResponse: true, ...o }, { name: 'reportAttributes', records: attrs })
}

/** Default response (0x0B): `status` for `commandId` (0 success; ZCL 2.6.3 status codes). */
export function encodeDefaultResponse(clusterId: number, r: { commandId: number; status: number }, seq: number, o: HeaderOptions = {}): ZclOut {
  return global(clusterId, seq, { disableDefaultResponse: true, ...o }, { name: 'defaultResponse', commandId: r.commandId, status: r.status })
}

/** IAS zone enroll response (ssIasZone 0x00, client → server): code 0 success; `zoneId` 0–0xFE. */
export function encodeIasEnrollResponse(seq: number, r: { code?: number; zoneId: number }, o: HeaderOptions = {}): ZclOut {
  return specific(ClusterId.ssIasZone, seq, o, { name: 'zoneEnrollResponse', code: r.code ?? 0, zoneId: r.zoneId })
}

/** IAS zone enroll request (0x01, device → hub; the simulator). */
export function encodeIasEnrollRequest(seq: number, r: { zoneType: number; manufacturerCode: number }, o: HeaderOptions = {}): ZclOut {
  return specific(ClusterId.ssIasZone, seq, { serverToClient: true, ...o }, { name: 'zoneEnrollRequest', ...r })
}

/** IAS zone status change notification (0x00, device → hub; the simulator). */
export function encodeZoneStatusChange(seq: number, r: { zoneStatus: number; extendedStatus?: number; zoneId?: number; delay?: number }, o: HeaderOptions = {}): ZclOut {
  return specific(ClusterId.ssIasZone, seq, { serverToClient: true, disableDefaultResponse: true, ...o }, {
    name: 'zoneStatusChangeNotification', zoneStatus: r.zoneStatus, extendedStatus: r.extendedStatus ?? 0, zoneId: r.zoneId ?? 0, delay: r.delay ?? 0,
  })
}
