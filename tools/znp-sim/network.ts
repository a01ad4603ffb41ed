import { encodeFields } from '../../src/drivers/znp/codec.js'
import { NV } from '../../src/drivers/znp/commands.js'
import { Subsystem } from '../../src/drivers/znp/frame.js'
import { NIB_ID, buildNib } from './nib.js'
import type { ZnpSimulator } from './simulator.js'

const NWKKEY = 0x0082
const NWK_ACTIVE_KEY_INFO = 0x003a
const NWK_ALTERN_KEY_INFO = 0x003b
const BDB_PRIMARY_MASK = 0xff01

/**
 * Factory NV of a fresh stick: the items Z-Stack creates at first boot that hosts read before
 * anything is written. NWKKEY (active key descriptor + frame counter, 21 bytes packed) tells a
 * host the platform's struct packing.
 */
export function factoryNv(sim: ZnpSimulator): void {
  sim.nv.set(NWKKEY, Buffer.alloc(21))
  sim.nv.set(NV.STARTUP_OPTION, Buffer.from([0x00]))
}

/**
 * SYS_RESET_REQ: the stick reboots. STARTUP_OPTION bit 1 (clear state) and bit 0 (clear
 * config) wipe the network and NV (Z-Stack `ZDO_INITDEV` semantics); RAM state (endpoints,
 * install-code-only mode, permit join) is always lost. Answered by SYS_RESET_IND.
 */
export function resetStick(sim: ZnpSimulator): void {
  sim.later(20, () => {
    sim.counters.resets++
    const opt = sim.nv.get(NV.STARTUP_OPTION)?.[0] ?? 0
    if (opt & 0x03) {
      sim.nv.clear([])
      factoryNv(sim)
      sim.formed = false
      sim.devices.clear()
    }
    sim.state = 0
    sim.registeredEndpoints.clear()
    sim.groups.clear()
    sim.joinUsesInstallCode = false
    sim.permitJoinUntil = 0
    sim.areq(Subsystem.SYS, 0x80, Buffer.from([0x02, 0x02, 0x01, 0x02, 0x07, 0x01]))
  })
}

function announceRunning(sim: ZnpSimulator): void {
  sim.areq(Subsystem.ZDO, 0xc0, Buffer.from([0x08])) // starting as coordinator
  sim.later(10, () => {
    sim.state = 9
    sim.areq(Subsystem.ZDO, 0xc0, Buffer.from([0x09]))
  })
}

/** BDB formation (mode 0x04) with the parameters the host wrote to NV. */
export function formNetwork(sim: ZnpSimulator): void {
  const pan = sim.nv.get(NV.PANID)
  const ext = sim.nv.get(NV.EXTENDED_PAN_ID)
  const key = sim.nv.get(NV.PRECFGKEY)
  const logical = sim.nv.get(NV.LOGICAL_TYPE)?.[0] ?? 0
  const channel = sim.channel()
  const notify = (status: number) => sim.areq(Subsystem.APP_CNF, 0x80, Buffer.from([status, 0x04, 0x00]))
  if (!pan || !ext || !key || logical !== 0 || channel === 0) return notify(0x01) // BDB_COMMISSIONING_IN_PROGRESS… failure
  sim.counters.formations++
  sim.formed = true
  const desc = Buffer.concat([Buffer.from([0x00]), key])
  sim.nv.set(NWKKEY, Buffer.concat([desc, Buffer.alloc(4)]))
  sim.nv.set(NWK_ACTIVE_KEY_INFO, desc)
  sim.nv.set(NWK_ALTERN_KEY_INFO, desc)
  sim.nv.set(NIB_ID, buildNib({ channel, panId: pan.readUInt16LE(0), extPanIdLe: ext, coordIeeeLe: Buffer.from(sim.ieee, 'hex').reverse() }))
  sim.nv.delete(BDB_PRIMARY_MASK)
  sim.nv.set(NV.CHANLIST, encodeFields([['m', 'u32']], { m: (1 << channel) >>> 0 }))
  announceRunning(sim)
  sim.later(30, () => notify(0x00))
}

/** ZDO_STARTUP_FROM_APP: 0 = network restored from NV, 1 = new network state, 2 = leave and not started. */
export function startupFromApp(sim: ZnpSimulator): number {
  if (!sim.formed) return 0x02
  if (sim.state !== 9) sim.later(10, () => announceRunning(sim))
  return 0x00
}
