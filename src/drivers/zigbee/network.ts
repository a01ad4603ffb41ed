import { HubError } from '../../core/errors.js'
import type { Logger } from '../../core/log.js'
import { NV, DEV_ZB_COORD } from '../znp/commands.js'
import type { Znp } from '../znp/znp.js'

/** The network the hub provisioned and sealed at first run (src/identity): never generated here. */
export interface NetworkParams {
  panId: number
  /** 16 hex digits, most significant first. */
  extendedPanId: string
  networkKey: Buffer
  channel: number
}

/** How long BDB formation may take (Z-Stack: energy scan + formation, up to ~40 s). */
export const FORMATION_TIMEOUT_MS = 60_000
const STARTUP_TIMEOUT_MS = 30_000
const NV_ITEM_CREATED = 0x09
const ZNP_CONFIGURED = 0x55
/** Hearth's endpoint: Home Automation profile, a "configuration tool", IAS CIE client. */
export const HUB_ENDPOINT = { endpoint: 1, profile: 0x0104, deviceId: 0x0005, version: 0, latency: 0, inClusters: [0x0000, 0x0500], outClusters: [0x0000, 0x0006, 0x0008, 0x0500] }

const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8])
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n >>> 0)
  return b
}

/** The NV items that define our network, as the stick stores them (little-endian). */
export function networkNvItems(p: NetworkParams): Array<[id: number, value: Buffer]> {
  return [
    [NV.LOGICAL_TYPE, Buffer.from([0x00])], // coordinator
    [NV.ZDO_DIRECT_CB, Buffer.from([0x01])], // ZDO answers come to the host as AREQs
    [NV.CHANLIST, u32(1 << p.channel)],
    [NV.PANID, u16(p.panId)],
    [NV.EXTENDED_PAN_ID, Buffer.from(p.extendedPanId, 'hex').reverse()],
    [NV.PRECFGKEY, Buffer.from(p.networkKey)],
    // 0: the trust center sends the key to joiners encrypted with their link key (never our
    // pre-configured key in the clear to every device).
    [NV.PRECFGKEYS_ENABLE, Buffer.from([0x00])],
  ]
}

async function nvRead(znp: Znp, id: number): Promise<Buffer | undefined> {
  const len = (await znp.request('SYS_OSAL_NV_LENGTH', { id })).length as number
  if (!len) return undefined
  const r = await znp.request('SYS_OSAL_NV_READ', { id, offset: 0 })
  return r.status === 0 ? (r.value as Buffer) : undefined
}

async function nvWrite(znp: Znp, id: number, value: Buffer): Promise<void> {
  const len = (await znp.request('SYS_OSAL_NV_LENGTH', { id })).length as number
  if (len !== value.length) {
    if (len) await znp.request('SYS_OSAL_NV_DELETE', { id, len }).catch(() => undefined)
    const r = await znp.request('SYS_OSAL_NV_ITEM_INIT', { id, len: value.length, value })
    if (r.status !== 0 && r.status !== NV_ITEM_CREATED) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', `NV item 0x${id.toString(16)} could not be created`)
  }
  await znp.requestOk('SYS_OSAL_NV_WRITE', { id, offset: 0, value })
}

/** True iff the stick's NV already holds exactly our network (so we resume, never re-form). */
export async function holdsNetwork(znp: Znp, p: NetworkParams): Promise<boolean> {
  if ((await nvRead(znp, NV.ZNP_HAS_CONFIGURED))?.[0] !== ZNP_CONFIGURED) return false
  for (const [id, want] of networkNvItems(p)) {
    const have = await nvRead(znp, id)
    if (!have || !have.equals(want)) return false
  }
  return true
}

async function softReset(znp: Znp): Promise<void> {
  const ind = znp.waitFor('SYS_RESET_IND', () => true, 10_000)
  znp.send('SYS_RESET_REQ', { type: 1 })
  await ind
}

/**
 * Brings the stick up on our network. First run (or a stick that holds another network): clear
 * it (STARTUP_OPTION 3 + reset), write our NV items, BDB formation, wait for state 9, mark it
 * configured. Later runs: the NV compare matches, so the stick just starts from its NV — the
 * same PAN, key and device table; devices are not forced to rejoin.
 */
export async function bringUp(znp: Znp, p: NetworkParams, log: Logger): Promise<{ formed: boolean; version: string }> {
  await znp.request('SYS_PING')
  const v = await znp.request('SYS_VERSION')
  const version = `${v.major}.${v.minor}.${v.maint} (product ${v.product}, ${v.revision})`
  let formed = false
  if (!(await holdsNetwork(znp, p))) {
    log.info({ version }, 'coordinator holds no network of ours: forming one')
    await nvWrite(znp, NV.STARTUP_OPTION, Buffer.from([0x03]))
    await softReset(znp)
    await nvWrite(znp, NV.STARTUP_OPTION, Buffer.from([0x00]))
    for (const [id, value] of networkNvItems(p)) await nvWrite(znp, id, value)
    await znp.requestOk('APP_CNF_BDB_SET_CHANNEL', { isPrimary: 1, channel: (1 << p.channel) >>> 0 })
    await znp.requestOk('APP_CNF_BDB_SET_CHANNEL', { isPrimary: 0, channel: 0 })
    const running = znp.waitFor('ZDO_STATE_CHANGE_IND', (s) => s.state === DEV_ZB_COORD, FORMATION_TIMEOUT_MS)
    await znp.requestOk('APP_CNF_BDB_START_COMMISSIONING', { mode: 0x04 })
    await running
    await nvWrite(znp, NV.ZNP_HAS_CONFIGURED, Buffer.from([ZNP_CONFIGURED]))
    formed = true
  } else {
    const info = await znp.request('UTIL_GET_DEVICE_INFO')
    if (info.deviceState !== DEV_ZB_COORD) {
      const running = znp.waitFor('ZDO_STATE_CHANGE_IND', (s) => s.state === DEV_ZB_COORD, STARTUP_TIMEOUT_MS)
      const r = await znp.request('ZDO_STARTUP_FROM_APP', { delay: 100 })
      if (r.status === 2) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', 'the coordinator could not restore its network')
      await running
    }
  }
  const reg = await znp.request('AF_REGISTER', HUB_ENDPOINT)
  if (reg.status !== 0 && reg.status !== 0xb8) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', `endpoint registration failed (0x${(reg.status as number).toString(16)})`)
  return { formed, version }
}
