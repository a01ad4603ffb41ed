import { encodeFields } from '../../src/drivers/znp/codec.js'
import { Subsystem } from '../../src/drivers/znp/frame.js'
import type { ZclOut } from '../../src/drivers/zcl/index.js'
import { SimDevice, type SimKind } from './devices.js'
import type { ZnpSimulator } from './simulator.js'

const OK = Buffer.from([0])
const u16 = (n: number) => encodeFields([['v', 'u16']], { v: n })

function byNwk(sim: ZnpSimulator, nwk: number): SimDevice | undefined {
  for (const d of sim.devices.values()) if (d.nwk === nwk) return d
  return undefined
}

/** ZDO descriptor requests: SRSP now, the answer as an AREQ from the device a little later. */
export function zdoReply(sim: ZnpSimulator, what: 'node' | 'active' | 'simple', nwk: number, ep = 0): Buffer {
  const dev = byNwk(sim, nwk)
  const known = nwk === 0 || (dev?.reachable ?? false)
  sim.later(8, () => {
    if (!known) return // no answer from an absent device: the host times out
    if (what === 'active') {
      const eps = nwk === 0 ? [...sim.registeredEndpoints.keys()] : [dev!.endpoint]
      sim.areq(Subsystem.ZDO, 0x85, Buffer.concat([u16(nwk), OK, u16(nwk), Buffer.from([eps.length, ...eps])]))
    } else if (what === 'node') {
      const type = nwk === 0 ? 0x00 : dev!.kind === 'plug' ? 0x01 : 0x02
      const cap = nwk === 0 ? 0x8f : dev!.kind === 'plug' ? 0x8e : 0x80
      const desc = Buffer.from([type, 0x40, cap, 0x34, 0x12, 0x52, 0x52, 0x00, 0x00, 0x00, 0x52, 0x00, 0x00])
      sim.areq(Subsystem.ZDO, 0x82, Buffer.concat([u16(nwk), OK, u16(nwk), desc]))
    } else {
      const own = nwk === 0 ? sim.registeredEndpoints.get(ep) : undefined
      if (!own && (!dev || ep !== dev.endpoint)) return sim.areq(Subsystem.ZDO, 0x84, Buffer.concat([u16(nwk), Buffer.from([0x82]), u16(nwk), Buffer.from([0])]))
      const d = own ?? { profile: 0x0104, deviceId: dev!.kind === 'plug' ? 0x0051 : dev!.kind === 'temperature' ? 0x0302 : 0x0402, version: 1, inClusters: dev!.inClusters, outClusters: dev!.outClusters }
      const body = encodeFields(
        [['ep', 'u8'], ['profile', 'u16'], ['deviceId', 'u16'], ['version', 'u8'], ['in', 'list16'], ['out', 'list16']],
        { ep, profile: d.profile, deviceId: d.deviceId, version: d.version, in: d.inClusters, out: d.outClusters },
      )
      sim.areq(Subsystem.ZDO, 0x84, Buffer.concat([u16(nwk), OK, u16(nwk), Buffer.from([body.length]), body]))
    }
  })
  return OK
}

export function bindRequest(sim: ZnpSimulator, nwk: number, cluster: number): Buffer {
  const dev = byNwk(sim, nwk)
  sim.later(8, () => {
    if (!dev?.reachable) return
    dev.bindings.add(cluster)
    sim.areq(Subsystem.ZDO, 0xa1, Buffer.concat([u16(nwk), OK]))
  })
  return OK
}

export function mgmtLeave(sim: ZnpSimulator, nwk: number, ieee: string): Buffer {
  const dev = sim.devices.get(ieee) ?? byNwk(sim, nwk)
  sim.later(8, () => {
    if (!dev) return
    sim.counters.leaves++
    sim.devices.delete(dev.ieee)
    sim.areq(Subsystem.ZDO, 0xb4, Buffer.concat([u16(dev.nwk), OK]))
    sim.areq(Subsystem.ZDO, 0xc9, Buffer.concat([u16(dev.nwk), encodeFields([['i', 'ieee']], { i: dev.ieee }), Buffer.from([0, 0, 0])]))
    sim.emit('left', dev)
  })
  return OK
}

export function permitJoin(sim: ZnpSimulator, duration: number): Buffer {
  sim.counters.permitJoinRequests++
  sim.lastPermitDuration = duration
  sim.permitJoinUntil = duration === 0 ? 0 : Date.now() + duration * 1000
  sim.later(5, () => {
    sim.areq(Subsystem.ZDO, 0xb6, Buffer.concat([u16(0), OK]))
    sim.areq(Subsystem.ZDO, 0xcb, Buffer.from([duration]))
  })
  return OK
}

/** Sends a device's ZCL frame to the host as AF_INCOMING_MSG (with Z-Stack 3's trailing macSrcAddr and radius). */
export function fromDevice(sim: ZnpSimulator, dev: SimDevice, out: ZclOut): void {
  const data = Buffer.from(out.data)
  const head = encodeFields(
    [['g', 'u16'], ['c', 'u16'], ['s', 'u16'], ['se', 'u8'], ['de', 'u8'], ['b', 'u8'], ['l', 'u8'], ['sec', 'u8'], ['t', 'u32'], ['q', 'u8']],
    { g: 0, c: out.clusterId, s: dev.nwk, se: dev.endpoint, de: 1, b: 0, l: 200, sec: 0, t: Date.now() >>> 0 & 0xffffffff, q: dev.nextSeq() },
  )
  sim.areq(Subsystem.AF, 0x81, Buffer.concat([head, Buffer.from([data.length]), data, u16(dev.nwk), Buffer.from([0x1e])]))
}

export function afDataRequest(sim: ZnpSimulator, r: { dst: number; dstEp: number; srcEp: number; cluster: number; transId: number; data: Buffer }): Buffer {
  sim.counters.afDataRequests++
  const dev = byNwk(sim, r.dst)
  const ok = dev?.reachable ?? false
  sim.later(ok ? 5 : 30, () => {
    // AF_DATA_CONFIRM: 0 delivered; 0xE9 MAC_NO_ACK when the device does not answer.
    sim.areq(Subsystem.AF, 0x80, Buffer.from([ok ? 0x00 : 0xe9, r.srcEp, r.transId]))
    if (!ok || !dev) return
    for (const out of dev.onZcl(r.cluster, r.data)) fromDevice(sim, dev, out)
    sim.emit('command', dev, r.cluster)
  })
  return OK
}

/**
 * A device asks to join. Refused (not announced) when the stick does not permit joining and the
 * join is not forced, or in install-code-only mode without a registered code. `force` stands for
 * a device joining through a router whose own permit window is still open.
 */
export function joinDevice(sim: ZnpSimulator, kind: SimKind, opts: { ieee?: string; force?: boolean } = {}): SimDevice | undefined {
  if (sim.state !== 9) return undefined
  const dev = new SimDevice(kind, opts.ieee ? { ieee: opts.ieee } : {})
  if ((!sim.permitJoinOpen() && !opts.force) || (sim.joinUsesInstallCode && !sim.installCodes.has(dev.ieee))) {
    sim.counters.refusedJoins++
    return undefined
  }
  sim.devices.set(dev.ieee, dev)
  const ieee = encodeFields([['i', 'ieee']], { i: dev.ieee })
  sim.areq(Subsystem.ZDO, 0xca, Buffer.concat([u16(dev.nwk), ieee, u16(0)]))
  sim.later(5, () => sim.areq(Subsystem.ZDO, 0xc1, Buffer.concat([u16(dev.nwk), u16(dev.nwk), ieee, Buffer.from([dev.kind === 'plug' ? 0x8e : 0x80])])))
  return dev
}

/** The device leaves by itself (ZDO_LEAVE_IND). */
export function leaveDevice(sim: ZnpSimulator, dev: SimDevice): void {
  sim.devices.delete(dev.ieee)
  sim.areq(Subsystem.ZDO, 0xc9, Buffer.concat([u16(dev.nwk), encodeFields([['i', 'ieee']], { i: dev.ieee }), Buffer.from([0, 0, 0])]))
}
