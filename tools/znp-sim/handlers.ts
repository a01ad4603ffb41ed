import { decodeFields, encodeFields, type Fields, type Params } from '../../src/drivers/znp/codec.js'
import { Subsystem } from '../../src/drivers/znp/frame.js'
import { NV } from '../../src/drivers/znp/commands.js'
import type { ZnpSimulator } from './simulator.js'
import { formNetwork, resetStick, startupFromApp } from './network.js'
import { afDataRequest, bindRequest, mgmtLeave, permitJoin, zdoReply } from './zdo.js'

/** One MT request the simulated stick understands: parse with `req`, answer the SRSP payload. */
export interface SimHandler {
  name: string
  run(sim: ZnpSimulator, payload: Buffer): Buffer | undefined
}

export const handlers = new Map<number, SimHandler>()

const u8 = (n: number) => Buffer.from([n & 0xff])
const OK = u8(0)
const INVALID = u8(0x02)

function def(name: string, subsystem: Subsystem, cmd: number, req: Fields, run: (sim: ZnpSimulator, p: Params) => Buffer | undefined): void {
  handlers.set((subsystem << 8) | cmd, {
    name,
    run: (sim, payload) => {
      const p = decodeFields(req, payload)
      return p ? run(sim, p) : INVALID
    },
  })
}

const n = (p: Params, k: string) => p[k] as number
const b = (p: Params, k: string) => p[k] as Buffer

// SYS
def('SYS_RESET_REQ', Subsystem.SYS, 0x00, [['type', 'u8']], (sim) => (resetStick(sim), undefined))
def('SYS_PING', Subsystem.SYS, 0x01, [], () => encodeFields([['c', 'u16']], { c: 0x0179 }))
def('SYS_VERSION', Subsystem.SYS, 0x02, [], () =>
  // transportRev 2, product 1 (Z-Stack 3.x.0), 2.7.1, revision 20230507
  encodeFields([['t', 'u8'], ['p', 'u8'], ['a', 'u8'], ['b', 'u8'], ['c', 'u8'], ['r', 'u32']], { t: 2, p: 1, a: 2, b: 7, c: 1, r: 20230507 }),
)
def('SYS_GET_EXTADDR', Subsystem.SYS, 0x04, [], (sim) => encodeFields([['i', 'ieee']], { i: sim.ieee }))
def('SYS_OSAL_NV_ITEM_INIT', Subsystem.SYS, 0x07, [['id', 'u16'], ['len', 'u16'], ['init', 'buf8']], (sim, p) => u8(sim.nv.init(n(p, 'id'), n(p, 'len'), b(p, 'init'))))
def('SYS_OSAL_NV_READ', Subsystem.SYS, 0x08, [['id', 'u16'], ['offset', 'u8']], (sim, p) => {
  const r = sim.nv.read(n(p, 'id'), n(p, 'offset'))
  return Buffer.concat([u8(r.status), u8(r.value.length), r.value])
})
def('SYS_OSAL_NV_WRITE', Subsystem.SYS, 0x09, [['id', 'u16'], ['offset', 'u8'], ['value', 'buf8']], (sim, p) => u8(sim.nv.write(n(p, 'id'), n(p, 'offset'), b(p, 'value'))))
def('SYS_OSAL_NV_DELETE', Subsystem.SYS, 0x12, [['id', 'u16'], ['len', 'u16']], (sim, p) => u8(sim.nv.delete(n(p, 'id'))))
def('SYS_OSAL_NV_LENGTH', Subsystem.SYS, 0x13, [['id', 'u16']], (sim, p) => encodeFields([['l', 'u16']], { l: sim.nv.length(n(p, 'id')) }))
def('SYS_STACK_TUNE', Subsystem.SYS, 0x0f, [['op', 'u8'], ['value', 'u8']], () => u8(0))
def('SYS_OSAL_NV_READ_EXT', Subsystem.SYS, 0x1c, [['id', 'u16'], ['offset', 'u16']], (sim, p) => {
  const r = sim.nv.read(n(p, 'id'), n(p, 'offset'))
  return Buffer.concat([u8(r.status), u8(r.value.length), r.value])
})
def('SYS_OSAL_NV_WRITE_EXT', Subsystem.SYS, 0x1d, [['id', 'u16'], ['offset', 'u16'], ['len', 'u16'], ['value', 'rest']], (sim, p) =>
  u8(sim.nv.write(n(p, 'id'), n(p, 'offset'), b(p, 'value').subarray(0, n(p, 'len')))),
)

// UTIL
def('UTIL_GET_DEVICE_INFO', Subsystem.UTIL, 0x00, [], (sim) =>
  encodeFields([['s', 'u8'], ['i', 'ieee'], ['n', 'u16'], ['t', 'u8'], ['st', 'u8'], ['a', 'list16']], {
    s: 0, i: sim.ieee, n: 0, t: 0x07, st: sim.state, a: [...sim.devices.values()].map((d) => d.nwk),
  }),
)
def('UTIL_LED_CONTROL', Subsystem.UTIL, 0x0a, [['led', 'u8'], ['mode', 'u8']], () => OK)

// APP_CNF (BDB)
def('APP_CNF_BDB_ADD_INSTALLCODE', Subsystem.APP_CNF, 0x04, [['format', 'u8'], ['ieee', 'ieee'], ['code', 'rest']], (sim, p) => {
  sim.installCodes.add(p.ieee as string)
  return OK
})
def('APP_CNF_BDB_START_COMMISSIONING', Subsystem.APP_CNF, 0x05, [['mode', 'u8']], (sim, p) => {
  if (n(p, 'mode') & 0x04) sim.later(20, () => formNetwork(sim))
  return OK
})
def('APP_CNF_BDB_SET_JOINUSESINSTALLCODEKEY', Subsystem.APP_CNF, 0x06, [['enable', 'u8']], (sim, p) => {
  sim.joinUsesInstallCode = n(p, 'enable') === 1
  return OK
})
def('APP_CNF_BDB_SET_CHANNEL', Subsystem.APP_CNF, 0x08, [['primary', 'u8'], ['mask', 'u32']], (sim, p) => {
  if (n(p, 'primary')) sim.nv.set(0xff01, encodeFields([['m', 'u32']], { m: n(p, 'mask') }))
  return OK
})

// ZDO
def('ZDO_NODE_DESC_REQ', Subsystem.ZDO, 0x02, [['dst', 'u16'], ['nwk', 'u16']], (sim, p) => zdoReply(sim, 'node', n(p, 'nwk')))
def('ZDO_SIMPLE_DESC_REQ', Subsystem.ZDO, 0x04, [['dst', 'u16'], ['nwk', 'u16'], ['ep', 'u8']], (sim, p) => zdoReply(sim, 'simple', n(p, 'nwk'), n(p, 'ep')))
def('ZDO_ACTIVE_EP_REQ', Subsystem.ZDO, 0x05, [['dst', 'u16'], ['nwk', 'u16']], (sim, p) => zdoReply(sim, 'active', n(p, 'nwk')))
def('ZDO_BIND_REQ', Subsystem.ZDO, 0x21, [['dst', 'u16'], ['src', 'ieee'], ['srcEp', 'u8'], ['cluster', 'u16'], ['mode', 'u8'], ['rest', 'rest']], (sim, p) =>
  bindRequest(sim, n(p, 'dst'), n(p, 'cluster')),
)
def('ZDO_MGMT_LEAVE_REQ', Subsystem.ZDO, 0x34, [['dst', 'u16'], ['ieee', 'ieee'], ['flags', 'u8']], (sim, p) => mgmtLeave(sim, n(p, 'dst'), p.ieee as string))
def('ZDO_MGMT_PERMIT_JOIN_REQ', Subsystem.ZDO, 0x36, [['mode', 'u8'], ['dst', 'u16'], ['duration', 'u8'], ['tc', 'u8']], (sim, p) => permitJoin(sim, n(p, 'duration')))
def('ZDO_STARTUP_FROM_APP', Subsystem.ZDO, 0x40, [['delay', 'u16']], (sim) => u8(startupFromApp(sim)))
def('ZDO_EXT_FIND_GROUP', Subsystem.ZDO, 0x4a, [['ep', 'u8'], ['group', 'u16']], (sim, p) =>
  Buffer.from([sim.groups.has(`${n(p, 'ep')}/${n(p, 'group')}`) ? 0 : 1, n(p, 'group') & 0xff, n(p, 'group') >> 8, 0]),
)
def('ZDO_EXT_ADD_GROUP', Subsystem.ZDO, 0x4b, [['ep', 'u8'], ['group', 'u16'], ['rest', 'rest']], (sim, p) => (sim.groups.add(`${n(p, 'ep')}/${n(p, 'group')}`), OK))
def('ZDO_EXT_NWK_INFO', Subsystem.ZDO, 0x50, [], (sim) => {
  const panId = sim.nv.get(NV.PANID)?.readUInt16LE(0) ?? 0xffff
  const ext = sim.nv.get(NV.EXTENDED_PAN_ID) ?? Buffer.alloc(8)
  return Buffer.concat([
    encodeFields([['a', 'u16'], ['s', 'u8'], ['p', 'u16'], ['pa', 'u16']], { a: 0, s: sim.state, p: panId, pa: 0xfffe }),
    ext,
    Buffer.alloc(8),
    u8(sim.channel()),
  ])
})

// AF
def(
  'AF_REGISTER',
  Subsystem.AF,
  0x00,
  [['ep', 'u8'], ['profile', 'u16'], ['deviceId', 'u16'], ['version', 'u8'], ['latency', 'u8'], ['in', 'list16'], ['out', 'list16']],
  (sim, p) => {
    if (sim.registeredEndpoints.has(n(p, 'ep'))) return u8(0xb8) // ZApsDuplicateEntry
    sim.registeredEndpoints.set(n(p, 'ep'), { profile: n(p, 'profile'), deviceId: n(p, 'deviceId'), version: n(p, 'version'), inClusters: p.in as number[], outClusters: p.out as number[] })
    return OK
  },
)
def(
  'AF_DATA_REQUEST',
  Subsystem.AF,
  0x01,
  [['dst', 'u16'], ['dstEp', 'u8'], ['srcEp', 'u8'], ['cluster', 'u16'], ['transId', 'u8'], ['options', 'u8'], ['radius', 'u8'], ['data', 'buf8']],
  (sim, p) => afDataRequest(sim, { dst: n(p, 'dst'), dstEp: n(p, 'dstEp'), srcEp: n(p, 'srcEp'), cluster: n(p, 'cluster'), transId: n(p, 'transId'), data: b(p, 'data') }),
)

// Broadcasts and group frames (herdsman's Green Power proxy commissioning, for one): confirmed, not delivered.
def(
  'AF_DATA_REQUEST_EXT',
  Subsystem.AF,
  0x02,
  [['mode', 'u8'], ['dst', 'bytes8'], ['dstEp', 'u8'], ['pan', 'u16'], ['srcEp', 'u8'], ['cluster', 'u16'], ['transId', 'u8'], ['options', 'u8'], ['radius', 'u8'], ['rest', 'rest']],
  (sim, p) => {
    sim.later(5, () => sim.areq(Subsystem.AF, 0x80, Buffer.from([0x00, n(p, 'srcEp'), n(p, 'transId')])))
    return OK
  },
)
