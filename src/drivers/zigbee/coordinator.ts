import { EventEmitter } from 'node:events'
import type { Clock, TimerHandle } from '../../core/clock.js'
import { HubError } from '../../core/errors.js'
import type { Logger } from '../../core/log.js'
import { Backoff, type BackoffOptions } from '../../policy/backoff.js'
import type { Driver } from '../driver.js'
import type { Params } from '../znp/codec.js'
import type { SreqName } from '../znp/commands.js'
import type { OpenStream } from '../znp/transport.js'
import { Znp } from '../znp/znp.js'
import { bringUp, HUB_ENDPOINT, type NetworkParams } from './network.js'

/** An AF_INCOMING_MSG: a ZCL frame from a device. */
export interface IncomingMsg {
  cluster: number
  src: number
  srcEp: number
  lqi: number
  data: Buffer
}

export type CoordinatorEvents = {
  online: []
  offline: [reason: string]
  /** ZDO_TC_DEV_IND (trust center saw a join) or ZDO_END_DEVICE_ANNCE_IND. */
  joined: [dev: { nwk: number; ieee: string; via: 'tc' | 'announce' }]
  left: [dev: { nwk: number; ieee: string }]
  message: [msg: IncomingMsg]
  permitJoin: [seconds: number]
}

export interface CoordinatorDeps {
  port: string
  openStream: OpenStream
  network: NetworkParams
  clock: Clock
  random: () => number
  backoff: BackoffOptions
  log: Logger
  /** Sent after every (re)start: Z-Stack keeps install-code-only mode in RAM only. */
  strictInstallCodes: () => boolean
  installCodes: () => Array<{ ieee: string; code: Buffer }>
  /** While online, the stick is pinged this often; no answer counts as unplugged (a hung stick). */
  watchdogMs?: number
}

const AF_TIMEOUT_MS = 10_000

/**
 * The Zigbee coordinator over ZNP: one stick, reopened with jittered exponential backoff
 * (src/policy/backoff, EN 303 645 5.9-3) whenever it goes away. While it is offline the rest
 * of the hub runs on; requests fail at once with HUB_ERR_ZIGBEE_OFFLINE.
 */
export class ZigbeeCoordinator extends EventEmitter<CoordinatorEvents> implements Driver<CoordinatorEvents, { command: SreqName; params?: Params }, Params> {
  readonly name = 'zigbee'
  private znp: Znp | undefined
  private up = false
  private closing = false
  private timer: TimerHandle | undefined
  private watchdog: TimerHandle | undefined
  private transId = 0
  private readonly backoff: Backoff
  private readonly totals: Record<string, number> = { reopens: 0, openFailures: 0, formations: 0 }
  private previous: Record<string, number> = {}
  lastError: string | undefined
  version: string | undefined

  constructor(private readonly deps: CoordinatorDeps) {
    super()
    this.backoff = new Backoff(deps.backoff, deps.random)
  }

  get online(): boolean {
    return this.up
  }

  /** First attempt; if the stick is not there the driver keeps trying in the background. */
  async open(): Promise<void> {
    this.closing = false
    await this.attempt()
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    if (this.watchdog) this.deps.clock.clearTimeout(this.watchdog)
    const z = this.znp
    this.znp = undefined
    this.up = false
    await z?.close()
  }

  request(req: { command: SreqName; params?: Params }, timeoutMs?: number): Promise<Params> {
    return this.link().request(req.command, req.params ?? {}, timeoutMs)
  }

  stats(): Record<string, number> {
    const now = this.znp?.stats() ?? {}
    const sum: Record<string, number> = { ...this.totals }
    for (const k of new Set([...Object.keys(now), ...Object.keys(this.previous)])) sum[k] = (now[k] ?? 0) + (this.previous[k] ?? 0)
    return sum
  }

  private link(): Znp {
    if (!this.znp || !this.up) throw new HubError('HUB_ERR_ZIGBEE_OFFLINE', 'the Zigbee coordinator is offline')
    return this.znp
  }

  private async attempt(): Promise<void> {
    if (this.closing) return
    const { log } = this.deps
    let znp: Znp | undefined
    try {
      const stream = await this.deps.openStream(this.deps.port)
      znp = new Znp(stream, { clock: this.deps.clock, log })
      this.znp = znp
      this.wire(znp)
      const r = await bringUp(znp, this.deps.network, log)
      if (r.formed) this.totals.formations!++
      this.version = r.version
      await this.afterStart(znp)
      this.up = true
      this.lastError = undefined
      this.backoff.connected(this.deps.clock.monotonicMs())
      log.info({ version: r.version, formed: r.formed }, r.formed ? 'Zigbee network formed' : 'Zigbee network resumed')
      this.emit('online')
      this.arm(znp)
    } catch (err) {
      this.totals.openFailures!++
      this.lastError = (err as Error).message
      log.warn({ err: (err as Error).message }, 'Zigbee coordinator not available')
      if (znp) await znp.close().catch(() => undefined)
      else this.schedule()
    }
  }

  /** Liveness: a stick that stops answering (firmware hang, `no-response`) is closed and reopened. */
  private arm(znp: Znp): void {
    const every = this.deps.watchdogMs ?? 30_000
    this.watchdog = this.deps.clock.setTimeout(() => {
      if (this.znp !== znp || !this.up) return
      znp.request('SYS_PING', {}, 3000).then(
        () => this.arm(znp),
        () => {
          this.deps.log.warn('Zigbee coordinator stopped answering: reopening')
          void znp.close().catch(() => undefined)
        },
      )
    }, every)
    this.watchdog.unref?.()
  }

  private wire(znp: Znp): void {
    znp.on('close', (reason) => {
      this.previous = this.stats()
      for (const k of Object.keys(this.totals)) delete this.previous[k]
      if (this.znp === znp) this.znp = undefined
      const was = this.up
      this.up = false
      if (was) {
        this.deps.log.warn({ reason }, 'Zigbee coordinator offline')
        this.emit('offline', reason)
      }
      this.schedule()
    })
    // A stick that resets by itself (watchdog, brown-out) loses its RAM state — install-code-only
    // mode, registered endpoints: restart it through the normal reopen path.
    znp.on('SYS_RESET_IND', () => {
      if (!this.up || this.znp !== znp) return
      this.deps.log.warn('Zigbee coordinator reset by itself: bringing it up again')
      void znp.close().catch(() => undefined)
    })
    znp.on('ZDO_TC_DEV_IND', (p) => this.emit('joined', { nwk: p.nwk as number, ieee: p.ieee as string, via: 'tc' }))
    znp.on('ZDO_END_DEVICE_ANNCE_IND', (p) => this.emit('joined', { nwk: p.nwk as number, ieee: p.ieee as string, via: 'announce' }))
    znp.on('ZDO_LEAVE_IND', (p) => this.emit('left', { nwk: p.src as number, ieee: p.ieee as string }))
    znp.on('ZDO_PERMIT_JOIN_IND', (p) => this.emit('permitJoin', p.duration as number))
    znp.on('AF_INCOMING_MSG', (p) =>
      this.emit('message', { cluster: p.cluster as number, src: p.src as number, srcEp: p.srcEp as number, lqi: p.lqi as number, data: p.data as Buffer }),
    )
  }

  private async afterStart(znp: Znp): Promise<void> {
    for (const c of this.deps.installCodes()) await znp.requestOk('APP_CNF_BDB_ADD_INSTALLCODE', { format: 1, ieee: c.ieee, code: c.code })
    await znp.requestOk('APP_CNF_BDB_SET_JOINUSESINSTALLCODEKEY', { enable: this.deps.strictInstallCodes() ? 1 : 0 })
    // A window left open before a restart is closed: joining needs the owner, every time.
    await this.permitJoinOn(znp, 0)
  }

  private schedule(): void {
    if (this.closing || this.timer) return
    const delay = this.backoff.nextDelayMs(this.deps.clock.monotonicMs())
    this.deps.log.debug({ delay }, 'reopening the Zigbee coordinator')
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined
      this.totals.reopens!++
      void this.attempt()
    }, delay)
    this.timer.unref?.()
  }

  /** ZDO_MGMT_PERMIT_JOIN_REQ to every router and the coordinator (0xFFFC). 255 ("forever") is never sent. */
  permitJoin(seconds: number): Promise<void> {
    return this.permitJoinOn(this.link(), seconds)
  }

  private async permitJoinOn(znp: Znp, seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 254) throw new HubError('HUB_ERR_BAD_REQUEST', 'a pairing window is 0 to 254 seconds')
    await znp.requestOk('ZDO_MGMT_PERMIT_JOIN_REQ', { addrMode: 0x0f, dst: 0xfffc, duration: seconds, tcSignificance: 1 })
  }

  async addInstallCode(ieee: string, code: Buffer): Promise<void> {
    await this.link().requestOk('APP_CNF_BDB_ADD_INSTALLCODE', { format: 1, ieee, code })
  }

  async setStrict(on: boolean): Promise<void> {
    await this.link().requestOk('APP_CNF_BDB_SET_JOINUSESINSTALLCODEKEY', { enable: on ? 1 : 0 })
  }

  /** Asks a device to leave the network (ZDO Mgmt_Leave_req, no rejoin). */
  async leave(nwk: number, ieee: string): Promise<void> {
    await this.link().requestOk('ZDO_MGMT_LEAVE_REQ', { dst: nwk, ieee, flags: 0 })
  }

  async activeEndpoints(nwk: number, timeoutMs = AF_TIMEOUT_MS): Promise<number[]> {
    const z = this.link()
    const rsp = z.waitFor('ZDO_ACTIVE_EP_RSP', (p) => p.nwk === nwk, timeoutMs)
    await z.requestOk('ZDO_ACTIVE_EP_REQ', { dst: nwk, nwkOfInterest: nwk }).catch((e) => (rsp.catch(() => {}), Promise.reject(e)))
    const p = await rsp
    if (p.status !== 0) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', 'active endpoints request failed', { status: p.status })
    return p.endpoints as number[]
  }

  async simpleDescriptor(nwk: number, endpoint: number, timeoutMs = AF_TIMEOUT_MS): Promise<{ endpoint: number; profile: number; deviceId: number; inClusters: number[]; outClusters: number[] }> {
    const z = this.link()
    const rsp = z.waitFor('ZDO_SIMPLE_DESC_RSP', (p) => p.nwk === nwk, timeoutMs)
    await z.requestOk('ZDO_SIMPLE_DESC_REQ', { dst: nwk, nwkOfInterest: nwk, endpoint }).catch((e) => (rsp.catch(() => {}), Promise.reject(e)))
    const p = await rsp
    if (p.status !== 0) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', 'simple descriptor request failed', { status: p.status })
    return { endpoint: p.endpoint as number, profile: p.profile as number, deviceId: p.deviceId as number, inClusters: p.inClusters as number[], outClusters: p.outClusters as number[] }
  }

  /** Binds a device cluster to the coordinator's endpoint, so its reports come to the hub. */
  async bind(nwk: number, ieee: string, srcEp: number, cluster: number, coordinatorIeee: string): Promise<void> {
    const z = this.link()
    const rsp = z.waitFor('ZDO_BIND_RSP', (p) => p.src === nwk, AF_TIMEOUT_MS)
    await z
      .requestOk('ZDO_BIND_REQ', { dst: nwk, srcIeee: ieee, srcEp, cluster, addrMode: 3, dstIeee: coordinatorIeee, dstEp: HUB_ENDPOINT.endpoint })
      .catch((e) => (rsp.catch(() => {}), Promise.reject(e)))
    const p = await rsp
    if (p.status !== 0) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', 'bind failed', { status: p.status, cluster })
  }

  async coordinatorIeee(): Promise<string> {
    return (await this.link().request('UTIL_GET_DEVICE_INFO')).ieee as string
  }

  /**
   * Sends a ZCL frame (AF_DATA_REQUEST) and resolves when the stick confirms delivery; a failed
   * AF_DATA_CONFIRM (no ACK, no route) rejects HUB_ERR_ZIGBEE_REFUSED with the status.
   */
  async sendZcl(nwk: number, endpoint: number, cluster: number, data: Uint8Array): Promise<void> {
    const z = this.link()
    const transId = (this.transId = (this.transId + 1) & 0xff)
    const confirm = z.waitFor('AF_DATA_CONFIRM', (p) => p.transId === transId, AF_TIMEOUT_MS)
    await z
      .requestOk('AF_DATA_REQUEST', { dst: nwk, dstEp: endpoint, srcEp: HUB_ENDPOINT.endpoint, cluster, transId, options: 0, radius: 30, data: Buffer.from(data) })
      .catch((e) => (confirm.catch(() => {}), Promise.reject(e)))
    const c = await confirm
    if (c.status !== 0) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', `the device did not take the frame (AF status 0x${(c.status as number).toString(16)})`, { status: c.status })
  }

  /** Resolves with the next message that matches, or rejects after `timeoutMs`. */
  waitMessage(match: (m: IncomingMsg) => boolean, timeoutMs = AF_TIMEOUT_MS): Promise<IncomingMsg> {
    return new Promise((resolve, reject) => {
      const on = (m: IncomingMsg) => {
        if (!match(m)) return
        this.deps.clock.clearTimeout(t)
        this.off('message', on)
        resolve(m)
      }
      const t = this.deps.clock.setTimeout(() => (this.off('message', on), reject(new HubError('HUB_ERR_ZIGBEE_TIMEOUT', 'no answer from the device'))), timeoutMs)
      this.on('message', on)
    })
  }
}
