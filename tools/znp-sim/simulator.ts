import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { encodeFrame, FrameType, Subsystem, type ZnpFrame } from '../../src/drivers/znp/frame.js'
import { ZnpParser } from '../../src/drivers/znp/parser.js'
import { NvMemory } from './nv.js'
import { handlers, type SimHandler } from './handlers.js'
import type { SimDevice, SimKind } from './devices.js'
import type { ZclOut } from '../../src/drivers/zcl/index.js'
import { fromDevice, joinDevice, leaveDevice } from './zdo.js'
import { factoryNv, resetStick } from './network.js'

/** A link to the host: a pty end or a TCP connection. */
export interface SimLink {
  write(b: Buffer): void
  close(): void
}

export type Fault = 'bad-fcs' | 'garbage' | 'truncated' | 'no-response' | 'unplug'

/**
 * A Z-Stack 3.x coordinator stick in software (CC2652-like, product 1): answers MT requests,
 * keeps NV items, forms a network with the parameters the host wrote, emulates devices that
 * join, report, obey commands and leave, and misbehaves on request. It is a test instrument, so
 * it is checked against an independent host (zigbee-herdsman) as well as against Hearth.
 */
export class ZnpSimulator extends EventEmitter {
  readonly nv = new NvMemory()
  readonly ieee: string
  /** Running as coordinator (ZDO state 9). */
  state = 0
  formed = false
  permitJoinUntil = 0
  lastPermitDuration = -1
  joinUsesInstallCode = false
  readonly installCodes = new Set<string>()
  /** AF_REGISTER'ed endpoints: their simple descriptors (answered for the coordinator, nwk 0). */
  readonly registeredEndpoints = new Map<number, { profile: number; deviceId: number; version: number; inClusters: number[]; outClusters: number[] }>()
  readonly groups = new Set<string>()
  readonly devices = new Map<string, SimDevice>()
  readonly counters = { formations: 0, resets: 0, sreqs: 0, permitJoinRequests: 0, leaves: 0, refusedJoins: 0, afDataRequests: 0 }
  /** Every SREQ name the host sent, in order (tests read it). */
  readonly log: string[] = []
  /** Commands this stick's firmware "lacks": answered with an RPC error (older firmware). */
  readonly unsupported = new Set<string>()
  private link: SimLink | undefined
  private readonly parser = new ZnpParser((f) => this.onFrame(f))
  private pendingFaults: Fault[] = []
  private silent = false

  constructor(opts: { ieee?: string } = {}) {
    super()
    this.ieee = opts.ieee ?? '00124b00' + randomBytes(4).toString('hex')
    factoryNv(this)
  }

  /** Connects the stick to a host link (replacing any earlier one). */
  attach(link: SimLink): void {
    this.link = link
  }

  detach(link?: SimLink): void {
    if (!link || this.link === link) this.link = undefined
  }

  /** Bytes from the host. */
  receive(b: Buffer): void {
    this.parser.push(b)
  }

  get parserStats() {
    return this.parser.stats
  }

  /**
   * Injects a fault: `bad-fcs` and `truncated` spoil the next frame sent; `garbage` writes random
   * bytes now; `no-response` ignores every request until {@link clearFaults}; `unplug` closes the link.
   */
  fault(f: Fault): void {
    if (f === 'garbage') return this.link?.write(Buffer.from(randomBytes(37).map((x) => (x === 0xfe ? 0x00 : x))))
    if (f === 'no-response') return void (this.silent = true)
    if (f === 'unplug') {
      const l = this.link
      this.link = undefined
      return l?.close()
    }
    this.pendingFaults.push(f)
  }

  clearFaults(): void {
    this.silent = false
    this.pendingFaults = []
  }

  /** The stick reboots by itself (watchdog, brown-out): RAM state is lost, NV kept. */
  reboot(): void {
    resetStick(this)
  }

  /** A device of `kind` tries to join (see {@link joinDevice}). */
  join(kind: SimKind, opts: { ieee?: string; force?: boolean } = {}): SimDevice | undefined {
    return joinDevice(this, kind, opts)
  }

  leave(dev: SimDevice): void {
    leaveDevice(this, dev)
  }

  /** The device sends a ZCL frame (a report, a zone change) to the coordinator. */
  report(dev: SimDevice, out: ZclOut): void {
    fromDevice(this, dev, out)
  }

  /** The channel the network runs on (the lowest in the primary mask, else CHANLIST). */
  channel(): number {
    const mask = this.nv.get(0xff01)?.readUInt32LE(0) || this.nv.get(0x0084)?.readUInt32LE(0) || 0
    for (let c = 11; c <= 26; c++) if (mask & (1 << c)) return c
    return 0
  }

  permitJoinOpen(nowMs = Date.now()): boolean {
    return this.state === 9 && nowMs < this.permitJoinUntil
  }

  /** Sends a frame to the host (applying a pending fault). */
  send(type: FrameType, subsystem: Subsystem, cmd: number, payload: Buffer): void {
    let out = encodeFrame({ type, subsystem, cmd, payload })
    const f = this.pendingFaults.shift()
    if (f === 'bad-fcs') out[out.length - 1] = out[out.length - 1]! ^ 0x5a
    if (f === 'truncated') out = out.subarray(0, Math.max(2, out.length >> 1))
    this.link?.write(out)
  }

  areq(subsystem: Subsystem, cmd: number, payload: Buffer): void {
    this.send(FrameType.AREQ, subsystem, cmd, payload)
  }

  /** Runs `fn` a little later, as the radio would. */
  later(ms: number, fn: () => void): void {
    setTimeout(fn, ms).unref()
  }

  private onFrame(f: ZnpFrame): void {
    if (f.type !== FrameType.SREQ && f.type !== FrameType.AREQ) return
    this.counters.sreqs++
    if (this.silent) return
    let h: SimHandler | undefined = handlers.get((f.subsystem << 8) | f.cmd)
    if (h && this.unsupported.has(h.name)) h = undefined
    this.log.push(h?.name ?? `unknown ${f.subsystem}/${f.cmd}`)
    if (!h) {
      // [SWRA198 §3.1.1]: unknown command → RPC error SRSP (2 = bad command id).
      if (f.type === FrameType.SREQ) this.send(FrameType.SRSP, Subsystem.RPC_ERROR, 0x00, Buffer.from([0x02, (FrameType.SREQ << 5) | f.subsystem, f.cmd]))
      return
    }
    const rsp = h.run(this, f.payload)
    if (f.type === FrameType.SREQ && rsp) this.send(FrameType.SRSP, f.subsystem, f.cmd, rsp)
  }
}
