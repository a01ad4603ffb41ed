import { EventEmitter } from 'node:events'
import type { Clock, TimerHandle } from '../../core/clock.js'
import { HubError } from '../../core/errors.js'
import type { Logger } from '../../core/log.js'
import { decodeFields, encodeFields, type Params } from './codec.js'
import { AREQ, SREQ, areqName, type AreqName, type SreqName } from './commands.js'
import { FrameType, Subsystem, encodeFrame, frameLabel, type ZnpFrame } from './frame.js'
import { ZnpParser } from './parser.js'
import type { ByteStream } from './transport.js'

/** SRSP timeout (TI: "a few seconds"; herdsman uses 6 s). */
export const SRSP_TIMEOUT_MS = 6000
/** A partial frame older than this is dropped as truncated (255 bytes take 22 ms at 115200). */
export const INTERBYTE_TIMEOUT_MS = 500

type Areqs = { [K in AreqName]: [Params] }
export type ZnpEvents = Areqs & { close: [reason: string] }

interface Pending {
  name: SreqName
  payload: Buffer
  timeoutMs: number
  resolve: (p: Params) => void
  reject: (e: Error) => void
}

/**
 * The MT request layer over one byte stream: one SREQ in flight at a time (a queue behind it),
 * each matched to its SRSP by subsystem and cmd or failed with a coded error (timeout, RPC
 * error, link gone); indications decoded by the table and emitted as typed events. Frames that
 * do not decode (too short for their command, unknown) are dropped and counted.
 */
export class Znp extends EventEmitter<ZnpEvents> {
  private readonly parser: ZnpParser
  private readonly queue: Pending[] = []
  private inFlight: { p: Pending; timer: TimerHandle } | undefined
  private partialTimer: TimerHandle | undefined
  private closed = false
  readonly counters = { srsp: 0, areq: 0, undecodable: 0, unexpected: 0, unknownAreq: 0, timeouts: 0, rpcErrors: 0 }

  constructor(
    private readonly stream: ByteStream,
    private readonly deps: { clock: Clock; log: Logger },
  ) {
    super()
    this.parser = new ZnpParser((f) => this.onFrame(f))
    stream.on('data', (b) => this.onData(b))
    stream.on('close', (reason) => this.shutdown(reason))
  }

  stats(): Record<string, number> {
    const p = this.parser.stats
    return { frames: p.frames, skippedBytes: p.skippedBytes, ...prefixed('dropped.', p.dropped), ...this.counters }
  }

  /** Sends an SREQ and resolves with its SRSP fields; rejects HUB_ERR_ZIGBEE_TIMEOUT / _OFFLINE / _REFUSED. */
  request(name: SreqName, params: Params = {}, timeoutMs = SRSP_TIMEOUT_MS): Promise<Params> {
    if (this.closed) return Promise.reject(offline(name))
    const payload = encodeFields(SREQ[name].req, params)
    return new Promise((resolve, reject) => {
      this.queue.push({ name, payload, timeoutMs, resolve, reject })
      this.pump()
    })
  }

  /** Like {@link request}, but a non-zero `status` in the SRSP is a HUB_ERR_ZIGBEE_REFUSED. */
  async requestOk(name: SreqName, params: Params = {}, timeoutMs = SRSP_TIMEOUT_MS): Promise<Params> {
    const r = await this.request(name, params, timeoutMs)
    if (typeof r.status === 'number' && r.status !== 0) throw new HubError('HUB_ERR_ZIGBEE_REFUSED', `${name} failed with status 0x${r.status.toString(16)}`, { status: r.status })
    return r
  }

  /** Fire-and-forget request (SYS_RESET_REQ): written at once, nothing awaited. */
  send(name: SreqName, params: Params = {}): void {
    const s = SREQ[name]
    if (!this.closed) this.stream.write(encodeFrame({ type: FrameType.AREQ, subsystem: s.subsystem, cmd: s.cmd, payload: encodeFields(s.req, params) }))
  }

  /** Resolves with the next `name` indication matching `match`, or rejects after `timeoutMs`. */
  waitFor(name: AreqName, match: (p: Params) => boolean, timeoutMs: number): Promise<Params> {
    return new Promise((resolve, reject) => {
      const done = (err: Error | undefined, p?: Params) => {
        this.deps.clock.clearTimeout(timer)
        this.off(name, on)
        this.off('close', onClose)
        if (err) reject(err)
        else resolve(p!)
      }
      const on = (p: Params) => match(p) && done(undefined, p)
      const onClose = () => done(offline(name))
      const timer = this.deps.clock.setTimeout(() => done(new HubError('HUB_ERR_ZIGBEE_TIMEOUT', `no ${name} within ${timeoutMs} ms`)), timeoutMs)
      if (this.closed) return done(offline(name))
      this.on(name, on)
      this.on('close', onClose)
    })
  }

  /** Closes the stream; every waiting request fails with HUB_ERR_ZIGBEE_OFFLINE. */
  async close(): Promise<void> {
    this.shutdown('closed')
    await this.stream.close()
  }

  private pump(): void {
    if (this.inFlight || this.closed) return
    const p = this.queue.shift()
    if (!p) return
    const s = SREQ[p.name]
    const timer = this.deps.clock.setTimeout(() => {
      this.counters.timeouts++
      this.finish(new HubError('HUB_ERR_ZIGBEE_TIMEOUT', `no answer to ${p.name} within ${p.timeoutMs} ms`, { command: p.name }))
    }, p.timeoutMs)
    this.inFlight = { p, timer }
    this.stream.write(encodeFrame({ type: FrameType.SREQ, subsystem: s.subsystem, cmd: s.cmd, payload: p.payload }))
  }

  private finish(err: Error | undefined, result?: Params): void {
    const cur = this.inFlight
    if (!cur) return
    this.inFlight = undefined
    this.deps.clock.clearTimeout(cur.timer)
    if (err) cur.p.reject(err)
    else cur.p.resolve(result!)
    this.pump()
  }

  private onData(b: Buffer): void {
    this.parser.push(b)
    if (this.partialTimer) this.deps.clock.clearTimeout(this.partialTimer)
    this.partialTimer = this.deps.clock.setTimeout(() => this.parser.dropPartial(), INTERBYTE_TIMEOUT_MS)
  }

  private onFrame(f: ZnpFrame): void {
    if (f.type === FrameType.SRSP) return this.onSrsp(f)
    if (f.type !== FrameType.AREQ) return void this.counters.unexpected++
    const name = areqName(f.subsystem, f.cmd)
    if (!name) return void this.counters.unknownAreq++
    const params = decodeFields(AREQ[name].fields, f.payload)
    if (!params) {
      this.counters.undecodable++
      this.deps.log.debug({ frame: frameLabel(f.type, f.subsystem, f.cmd), len: f.payload.length }, 'indication too short: dropped')
      return
    }
    this.counters.areq++
    ;(this.emit as (n: string, p: Params) => boolean)(name, params)
  }

  private onSrsp(f: ZnpFrame): void {
    const cur = this.inFlight?.p
    const s = cur && SREQ[cur.name]
    if (s && f.subsystem === Subsystem.RPC_ERROR && f.cmd === 0 && f.payload.length >= 3) {
      const cmd0 = f.payload[1]!
      if ((cmd0 & 0x1f) === s.subsystem && f.payload[2] === s.cmd) {
        this.counters.rpcErrors++
        return this.finish(new HubError('HUB_ERR_ZIGBEE_REFUSED', `the coordinator does not accept ${cur.name} (RPC error ${f.payload[0]})`, { rpcError: f.payload[0] }))
      }
    }
    if (!s || f.subsystem !== s.subsystem || f.cmd !== s.cmd) return void this.counters.unexpected++
    const params = decodeFields(s.rsp, f.payload)
    if (!params) {
      this.counters.undecodable++
      return this.finish(new HubError('HUB_ERR_ZIGBEE_REFUSED', `malformed answer to ${cur.name}`))
    }
    this.counters.srsp++
    this.finish(undefined, params)
  }

  private shutdown(reason: string): void {
    if (this.closed) return
    this.closed = true
    if (this.partialTimer) this.deps.clock.clearTimeout(this.partialTimer)
    const err = offline('request')
    const cur = this.inFlight
    this.inFlight = undefined
    if (cur) {
      this.deps.clock.clearTimeout(cur.timer)
      cur.p.reject(err)
    }
    for (const p of this.queue.splice(0)) p.reject(err)
    this.emit('close', reason)
  }
}

function offline(what: string): HubError {
  return new HubError('HUB_ERR_ZIGBEE_OFFLINE', `the coordinator is offline (${what})`)
}

function prefixed(prefix: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [prefix + k, v]))
}
