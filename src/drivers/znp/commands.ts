import type { Fields } from './codec.js'
import { FrameType, Subsystem } from './frame.js'

/**
 * The MT commands the coordinator driver uses, as data (TI SWRA198; Z-Stack 3.x MT sources).
 * A request is an SREQ answered by one SRSP of the same subsystem/cmd; `rsp` names the SRSP's
 * fields. Indications (`AREQ`) arrive unasked. Nothing else is ever sent to the stick.
 */
export interface SreqSpec {
  subsystem: Subsystem
  cmd: number
  req: Fields
  rsp: Fields
  /** Sent as AREQ (no SRSP): SYS_RESET_REQ. */
  areq?: true
}

export interface AreqSpec {
  subsystem: Subsystem
  cmd: number
  fields: Fields
}

const status = [['status', 'u8']] as const

export const SREQ = {
  SYS_PING: { subsystem: Subsystem.SYS, cmd: 0x01, req: [], rsp: [['capabilities', 'u16']] },
  SYS_VERSION: {
    subsystem: Subsystem.SYS,
    cmd: 0x02,
    req: [],
    rsp: [['transportRev', 'u8'], ['product', 'u8'], ['major', 'u8'], ['minor', 'u8'], ['maint', 'u8'], ['revision', 'u32']],
  },
  SYS_RESET_REQ: { subsystem: Subsystem.SYS, cmd: 0x00, req: [['type', 'u8']], rsp: [], areq: true },
  SYS_OSAL_NV_ITEM_INIT: { subsystem: Subsystem.SYS, cmd: 0x07, req: [['id', 'u16'], ['len', 'u16'], ['value', 'buf8']], rsp: status },
  SYS_OSAL_NV_READ: { subsystem: Subsystem.SYS, cmd: 0x08, req: [['id', 'u16'], ['offset', 'u8']], rsp: [['status', 'u8'], ['value', 'buf8']] },
  SYS_OSAL_NV_WRITE: { subsystem: Subsystem.SYS, cmd: 0x09, req: [['id', 'u16'], ['offset', 'u8'], ['value', 'buf8']], rsp: status },
  SYS_OSAL_NV_DELETE: { subsystem: Subsystem.SYS, cmd: 0x12, req: [['id', 'u16'], ['len', 'u16']], rsp: status },
  SYS_OSAL_NV_LENGTH: { subsystem: Subsystem.SYS, cmd: 0x13, req: [['id', 'u16']], rsp: [['length', 'u16']] },
  APP_CNF_BDB_ADD_INSTALLCODE: { subsystem: Subsystem.APP_CNF, cmd: 0x04, req: [['format', 'u8'], ['ieee', 'ieee'], ['code', 'rest']], rsp: status },
  APP_CNF_BDB_START_COMMISSIONING: { subsystem: Subsystem.APP_CNF, cmd: 0x05, req: [['mode', 'u8']], rsp: status },
  APP_CNF_BDB_SET_JOINUSESINSTALLCODEKEY: { subsystem: Subsystem.APP_CNF, cmd: 0x06, req: [['enable', 'u8']], rsp: status },
  APP_CNF_BDB_SET_CHANNEL: { subsystem: Subsystem.APP_CNF, cmd: 0x08, req: [['isPrimary', 'u8'], ['channel', 'u32']], rsp: status },
  ZDO_STARTUP_FROM_APP: { subsystem: Subsystem.ZDO, cmd: 0x40, req: [['delay', 'u16']], rsp: status },
  ZDO_MGMT_PERMIT_JOIN_REQ: {
    subsystem: Subsystem.ZDO,
    cmd: 0x36,
    req: [['addrMode', 'u8'], ['dst', 'u16'], ['duration', 'u8'], ['tcSignificance', 'u8']],
    rsp: status,
  },
  ZDO_MGMT_LEAVE_REQ: { subsystem: Subsystem.ZDO, cmd: 0x34, req: [['dst', 'u16'], ['ieee', 'ieee'], ['flags', 'u8']], rsp: status },
  ZDO_ACTIVE_EP_REQ: { subsystem: Subsystem.ZDO, cmd: 0x05, req: [['dst', 'u16'], ['nwkOfInterest', 'u16']], rsp: status },
  ZDO_SIMPLE_DESC_REQ: { subsystem: Subsystem.ZDO, cmd: 0x04, req: [['dst', 'u16'], ['nwkOfInterest', 'u16'], ['endpoint', 'u8']], rsp: status },
  ZDO_BIND_REQ: {
    subsystem: Subsystem.ZDO,
    cmd: 0x21,
    req: [['dst', 'u16'], ['srcIeee', 'ieee'], ['srcEp', 'u8'], ['cluster', 'u16'], ['addrMode', 'u8'], ['dstIeee', 'ieee'], ['dstEp', 'u8']],
    rsp: status,
  },
  AF_REGISTER: {
    subsystem: Subsystem.AF,
    cmd: 0x00,
    req: [['endpoint', 'u8'], ['profile', 'u16'], ['deviceId', 'u16'], ['version', 'u8'], ['latency', 'u8'], ['inClusters', 'list16'], ['outClusters', 'list16']],
    rsp: status,
  },
  AF_DATA_REQUEST: {
    subsystem: Subsystem.AF,
    cmd: 0x01,
    req: [['dst', 'u16'], ['dstEp', 'u8'], ['srcEp', 'u8'], ['cluster', 'u16'], ['transId', 'u8'], ['options', 'u8'], ['radius', 'u8'], ['data', 'buf8']],
    rsp: status,
  },
  UTIL_GET_DEVICE_INFO: {
    subsystem: Subsystem.UTIL,
    cmd: 0x00,
    req: [],
    rsp: [['status', 'u8'], ['ieee', 'ieee'], ['nwk', 'u16'], ['deviceType', 'u8'], ['deviceState', 'u8'], ['assocDevices', 'list16']],
  },
} as const satisfies Record<string, SreqSpec>

export const AREQ = {
  SYS_RESET_IND: {
    subsystem: Subsystem.SYS,
    cmd: 0x80,
    fields: [['reason', 'u8'], ['transportRev', 'u8'], ['product', 'u8'], ['major', 'u8'], ['minor', 'u8'], ['hwRev', 'u8']],
  },
  APP_CNF_BDB_COMMISSIONING_NOTIFICATION: { subsystem: Subsystem.APP_CNF, cmd: 0x80, fields: [['status', 'u8'], ['mode', 'u8'], ['remaining', 'u8']] },
  ZDO_STATE_CHANGE_IND: { subsystem: Subsystem.ZDO, cmd: 0xc0, fields: [['state', 'u8']] },
  ZDO_END_DEVICE_ANNCE_IND: { subsystem: Subsystem.ZDO, cmd: 0xc1, fields: [['src', 'u16'], ['nwk', 'u16'], ['ieee', 'ieee'], ['capabilities', 'u8']] },
  ZDO_TC_DEV_IND: { subsystem: Subsystem.ZDO, cmd: 0xca, fields: [['nwk', 'u16'], ['ieee', 'ieee'], ['parent', 'u16']] },
  ZDO_LEAVE_IND: { subsystem: Subsystem.ZDO, cmd: 0xc9, fields: [['src', 'u16'], ['ieee', 'ieee'], ['request', 'u8'], ['removeChildren', 'u8'], ['rejoin', 'u8']] },
  ZDO_PERMIT_JOIN_IND: { subsystem: Subsystem.ZDO, cmd: 0xcb, fields: [['duration', 'u8']] },
  ZDO_ACTIVE_EP_RSP: { subsystem: Subsystem.ZDO, cmd: 0x85, fields: [['src', 'u16'], ['status', 'u8'], ['nwk', 'u16'], ['endpoints', 'list8']] },
  ZDO_SIMPLE_DESC_RSP: {
    subsystem: Subsystem.ZDO,
    cmd: 0x84,
    fields: [
      ['src', 'u16'], ['status', 'u8'], ['nwk', 'u16'], ['len', 'u8'], ['endpoint', 'u8'], ['profile', 'u16'], ['deviceId', 'u16'],
      ['version', 'u8'], ['inClusters', 'list16'], ['outClusters', 'list16'],
    ],
  },
  ZDO_BIND_RSP: { subsystem: Subsystem.ZDO, cmd: 0xa1, fields: [['src', 'u16'], ['status', 'u8']] },
  ZDO_MGMT_LEAVE_RSP: { subsystem: Subsystem.ZDO, cmd: 0xb4, fields: [['src', 'u16'], ['status', 'u8']] },
  ZDO_MGMT_PERMIT_JOIN_RSP: { subsystem: Subsystem.ZDO, cmd: 0xb6, fields: [['src', 'u16'], ['status', 'u8']] },
  AF_DATA_CONFIRM: { subsystem: Subsystem.AF, cmd: 0x80, fields: [['status', 'u8'], ['endpoint', 'u8'], ['transId', 'u8']] },
  AF_INCOMING_MSG: {
    subsystem: Subsystem.AF,
    cmd: 0x81,
    fields: [
      ['group', 'u16'], ['cluster', 'u16'], ['src', 'u16'], ['srcEp', 'u8'], ['dstEp', 'u8'], ['wasBroadcast', 'u8'], ['lqi', 'u8'],
      ['securityUse', 'u8'], ['timestamp', 'u32'], ['transSeq', 'u8'], ['data', 'buf8'],
    ],
  },
} as const satisfies Record<string, AreqSpec>

export type SreqName = keyof typeof SREQ
export type AreqName = keyof typeof AREQ

const AREQ_BY_KEY = new Map<number, AreqName>(Object.entries(AREQ).map(([name, s]) => [(s.subsystem << 8) | s.cmd, name as AreqName]))

/** The name of an indication by subsystem and cmd, or undefined for one the driver does not use. */
export function areqName(subsystem: number, cmd: number): AreqName | undefined {
  return AREQ_BY_KEY.get((subsystem << 8) | cmd)
}

export { FrameType, Subsystem }

/** NV item ids (Z-Stack `ZComDef.h`) the bring-up writes and compares. */
export const NV = {
  STARTUP_OPTION: 0x0003,
  EXTENDED_PAN_ID: 0x002d,
  ZNP_HAS_CONFIGURED: 0x0060,
  PRECFGKEY: 0x0062,
  PRECFGKEYS_ENABLE: 0x0063,
  PANID: 0x0083,
  CHANLIST: 0x0084,
  LOGICAL_TYPE: 0x0087,
  ZDO_DIRECT_CB: 0x008f,
} as const

/** ZDO_STATE_CHANGE_IND state: started as coordinator (DEV_ZB_COORD). */
export const DEV_ZB_COORD = 9
