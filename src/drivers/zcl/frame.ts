import { Reader, ZclDecodeFailure, isAnalogType, isKnownType, type ZclReason, type ZclValue } from './types.js'
import { ClusterId } from './clusters.js'

/**
 * ZCL frames (ZCL rev 7, 2.4 "General ZCL Frame Format"): header, then the payload of one of
 * the commands the hub understands. Pure; `decodeZcl` never throws.
 */

/** Frame header (ZCL 2.4.1). */
export interface ZclHeader {
  /** 0 global (profile-wide), 1 cluster-specific; 2 and 3 are reserved and refused. */
  frameType: 0 | 1
  /** Present iff the manufacturer-specific bit is set. */
  manufacturerCode?: number
  /** Direction bit: true for server → client (a device reporting), false for client → server. */
  serverToClient: boolean
  disableDefaultResponse: boolean
  seq: number
  commandId: number
}

export interface AttrRecord { id: number; type: number; value: ZclValue }
export interface ReadStatusRecord { id: number; status: number; type?: number; value?: ZclValue }
export interface StatusRecord { status: number; id?: number; direction?: number }
export type ReportingRecord =
  | { direction: 0; id: number; type: number; minInterval: number; maxInterval: number; reportableChange?: number }
  | { direction: 1; id: number; timeout: number }

/** A decoded command, by name. Global commands (frameType 0) first, then cluster-specific ones. */
export type ZclCommand =
  | { name: 'readAttributes'; ids: number[] }
  | { name: 'readAttributesResponse'; records: ReadStatusRecord[] }
  | { name: 'writeAttributes'; records: AttrRecord[] }
  | { name: 'writeAttributesResponse'; records: StatusRecord[] }
  | { name: 'configureReporting'; records: ReportingRecord[] }
  | { name: 'configureReportingResponse'; records: StatusRecord[] }
  | { name: 'reportAttributes'; records: AttrRecord[] }
  | { name: 'defaultResponse'; commandId: number; status: number }
  // genOnOff, client → server
  | { name: 'off' } | { name: 'on' } | { name: 'toggle' }
  // genLevelCtrl, client → server
  | { name: 'moveToLevel' | 'moveToLevelWithOnOff'; level: number; transitionDs: number }
  // ssIasZone, server → client
  | { name: 'zoneStatusChangeNotification'; zoneStatus: number; extendedStatus: number; zoneId?: number; delay?: number }
  | { name: 'zoneEnrollRequest'; zoneType: number; manufacturerCode: number }
  // ssIasZone, client → server
  | { name: 'zoneEnrollResponse'; code: number; zoneId: number }

export interface ZclFrame { header: ZclHeader; command: ZclCommand }

/** ZCL status codes (ZCL 2.6.3) the hub may see in default and write/configure responses. */
export const ZclStatus: Readonly<Record<number, string>> = {
  0x00: 'SUCCESS', 0x01: 'FAILURE', 0x7e: 'NOT_AUTHORIZED', 0x80: 'MALFORMED_COMMAND', 0x81: 'UNSUP_COMMAND',
  0x85: 'INVALID_FIELD', 0x86: 'UNSUPPORTED_ATTRIBUTE', 0x87: 'INVALID_VALUE', 0x88: 'READ_ONLY',
  0x89: 'INSUFFICIENT_SPACE', 0x8b: 'NOT_FOUND', 0x8c: 'UNREPORTABLE_ATTRIBUTE', 0x8d: 'INVALID_DATA_TYPE',
  0x8e: 'INVALID_SELECTOR', 0x94: 'TIMEOUT', 0x95: 'ABORT', 0x96: 'INVALID_IMAGE', 0x97: 'WAIT_FOR_DATA',
  0x98: 'NO_IMAGE_AVAILABLE', 0x99: 'REQUIRE_MORE_IMAGE', 0x9a: 'NOTIFICATION_PENDING', 0xc3: 'UNSUPPORTED_CLUSTER',
}

/** A status code's name for logs and bus errors, e.g. `UNSUP_COMMAND` or `0x42`. */
export function zclStatusName(status: number): string {
  return Object.hasOwn(ZclStatus, status) ? ZclStatus[status]! : `0x${status.toString(16).padStart(2, '0')}`
}

export type ZclDecodeResult = { ok: true; frame: ZclFrame } | { ok: false; reason: ZclReason }

/** An AF payload carries at most 255 bytes (its length is one byte in AF_INCOMING_MSG). */
export const MAX_ZCL_FRAME = 255

export const GlobalCommand = {
  readAttributes: 0x00,
  readAttributesResponse: 0x01,
  writeAttributes: 0x02,
  writeAttributesResponse: 0x04,
  configureReporting: 0x06,
  configureReportingResponse: 0x07,
  reportAttributes: 0x0a,
  defaultResponse: 0x0b,
} as const

/**
 * Decodes one ZCL frame received on `clusterId`. Never throws: anything short, unknown or
 * malformed is `{ ok: false, reason }` for the caller to count. Unknown type ids reject the whole
 * frame. Trailing bytes after a fixed-layout command are ignored (ZCL 2.4: receivers ignore
 * fields added by later revisions); a partial record in a record list is `truncated`.
 */
export function decodeZcl(clusterId: number, data: Uint8Array): ZclDecodeResult {
  try {
    if (!(data instanceof Uint8Array) || data.length === 0) return { ok: false, reason: 'empty' }
    if (data.length > MAX_ZCL_FRAME) return { ok: false, reason: 'too-long' }
    const r = new Reader(data)
    const fc = r.u8()
    const frameType = fc & 0x03
    if (frameType > 1) return { ok: false, reason: 'reserved-frame-type' }
    const header: ZclHeader = {
      frameType: frameType as 0 | 1,
      serverToClient: (fc & 0x08) !== 0,
      disableDefaultResponse: (fc & 0x10) !== 0,
      seq: 0,
      commandId: 0,
    }
    if (fc & 0x04) header.manufacturerCode = r.u16()
    header.seq = r.u8()
    header.commandId = r.u8()
    const command = frameType === 0 ? globalCommand(header.commandId, r) : clusterCommand(clusterId, header, r)
    return { ok: true, frame: { header, command } }
  } catch (e) {
    return { ok: false, reason: e instanceof ZclDecodeFailure ? e.reason : 'internal' }
  }
}

/** Reads records until the frame ends; a record cut short fails the frame. */
function records<T>(r: Reader, one: () => T): T[] {
  const out: T[] = []
  while (r.remaining > 0) out.push(one())
  return out
}

function globalCommand(id: number, r: Reader): ZclCommand {
  switch (id) {
    case GlobalCommand.readAttributes:
      return { name: 'readAttributes', ids: records(r, () => r.u16()) }
    case GlobalCommand.readAttributesResponse:
      return {
        name: 'readAttributesResponse',
        records: records(r, () => {
          const rec: ReadStatusRecord = { id: r.u16(), status: r.u8() }
          if (rec.status === 0) {
            rec.type = r.u8()
            rec.value = r.value(rec.type)
          }
          return rec
        }),
      }
    case GlobalCommand.writeAttributes:
    case GlobalCommand.reportAttributes: {
      const recs = records(r, (): AttrRecord => {
        const aid = r.u16()
        const type = r.u8()
        return { id: aid, type, value: r.value(type) }
      })
      return id === GlobalCommand.writeAttributes ? { name: 'writeAttributes', records: recs } : { name: 'reportAttributes', records: recs }
    }
    case GlobalCommand.writeAttributesResponse:
      // ZCL 2.5.5.1: a single success status, or one {status, attribute} per failed attribute.
      return { name: 'writeAttributesResponse', records: statusRecords(r, false) }
    case GlobalCommand.configureReporting:
      return {
        name: 'configureReporting',
        records: records(r, (): ReportingRecord => {
          const direction = r.u8()
          if (direction === 0) {
            const rec: ReportingRecord = { direction: 0, id: r.u16(), type: r.u8(), minInterval: 0, maxInterval: 0 }
            rec.minInterval = r.u16()
            rec.maxInterval = r.u16()
            if (isAnalogType(rec.type)) rec.reportableChange = r.value(rec.type) as number
            else if (!isKnownType(rec.type)) throw ZclDecodeFailure.of('unknown-type')
            return rec
          }
          if (direction === 1) return { direction: 1, id: r.u16(), timeout: r.u16() }
          throw ZclDecodeFailure.of('bad-direction')
        }),
      }
    case GlobalCommand.configureReportingResponse:
      return { name: 'configureReportingResponse', records: statusRecords(r, true) }
    case GlobalCommand.defaultResponse:
      return { name: 'defaultResponse', commandId: r.u8(), status: r.u8() }
    default:
      throw ZclDecodeFailure.of('unknown-command')
  }
}

function statusRecords(r: Reader, withDirection: boolean): StatusRecord[] {
  // At least the one status byte: an empty response says nothing.
  if (r.remaining <= 1) return [{ status: r.u8() }]
  return records(r, () => {
    const rec: StatusRecord = { status: r.u8() }
    if (withDirection) rec.direction = r.u8()
    rec.id = r.u16()
    return rec
  })
}

function clusterCommand(clusterId: number, h: ZclHeader, r: Reader): ZclCommand {
  // A manufacturer-specific cluster command's id is the manufacturer's, not the cluster's
  // (ZCL 2.4.1.1.3): command 0x00 from vendor X is not "off".
  if (h.manufacturerCode !== undefined) throw ZclDecodeFailure.of('unknown-command')
  const toServer = !h.serverToClient
  switch (clusterId) {
    case ClusterId.genOnOff:
      if (toServer && h.commandId <= 2) return { name: (['off', 'on', 'toggle'] as const)[h.commandId]! }
      break
    case ClusterId.genLevelCtrl:
      if (toServer && (h.commandId === 0x00 || h.commandId === 0x04))
        return { name: h.commandId === 0 ? 'moveToLevel' : 'moveToLevelWithOnOff', level: r.u8(), transitionDs: r.u16() }
      break
    case ClusterId.ssIasZone:
      if (!toServer && h.commandId === 0x00) {
        const cmd: ZclCommand = { name: 'zoneStatusChangeNotification', zoneStatus: r.u16(), extendedStatus: r.u8() }
        // Zone id and delay came with ZCL rev 6; older devices end the frame after extendedStatus.
        if (r.remaining >= 1) cmd.zoneId = r.u8()
        if (r.remaining >= 2) cmd.delay = r.u16()
        return cmd
      }
      if (!toServer && h.commandId === 0x01) return { name: 'zoneEnrollRequest', zoneType: r.u16(), manufacturerCode: r.u16() }
      if (toServer && h.commandId === 0x00) return { name: 'zoneEnrollResponse', code: r.u8(), zoneId: r.u8() }
      break
  }
  throw ZclDecodeFailure.of('unknown-command')
}
