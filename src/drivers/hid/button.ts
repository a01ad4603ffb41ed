import { EventEmitter } from 'node:events'
import type { Clock, TimerHandle } from '../../core/clock.js'
import { HubError } from '../../core/errors.js'
import type { Logger } from '../../core/log.js'
import { Backoff, type BackoffOptions } from '../../policy/backoff.js'
import type { Driver, DriverEvents } from '../driver.js'
import { BUTTON_LAYOUTS, layoutFor, readReport, type ButtonLayout } from './layouts.js'
import { PressDetector, type PressOptions } from './press.js'
import type { HidDeviceInfo, HidHandle, HidTransport } from './transport.js'

/**
 * The hub's own button, a USB HID device from an allow-list (layouts.ts). A short press asks
 * for pairing; holding it `holdMs` (10 s) asks for the factory wipe, with a `holding` countdown
 * while it is held. The driver only reports; the hub decides what a press does.
 *
 * No button attached is a normal state: the driver stays offline, says so once, and looks again
 * with the shared backoff. Unplugged: offline, then the same. Reports of the wrong length or
 * report id are dropped and counted (EN 303 645 5.13-1), never acted on.
 */
export type HidButtonEvents = DriverEvents & {
  /** A short press (released before `holdMs`). */
  press: [heldMs: number]
  /** Still held: `heldMs` of `holdMs`, every `progressMs` and once at `holdMs`. */
  holding: [heldMs: number, holdMs: number]
  /** Held `holdMs` and still held; fires once per hold. */
  hold: []
}

/** Why the button is not online, for status and the log. */
export type HidButtonOffline = 'not-opened' | 'no-device' | 'hid-unavailable' | 'open-failed' | 'unplugged' | 'closed'

export interface HidButtonDeps {
  transport: HidTransport
  clock: Clock
  /** Uniform in [0, 1), for the backoff jitter. */
  random: () => number
  log: Logger
  layouts?: readonly ButtonLayout[]
  press?: Partial<PressOptions>
  backoff?: BackoffOptions
}

export const DEFAULT_PRESS: PressOptions = { holdMs: 10_000, progressMs: 1_000, debounceMs: 30 }
/** Looking for a button that is not there costs one device listing; at most every 30 s when idle. */
export const HID_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 30_000, mode: 'decorrelated', resetAfterMs: 60_000 }

export class HidButtonDriver extends EventEmitter<HidButtonEvents> implements Driver<HidButtonEvents, never, never> {
  readonly name = 'hid-button'
  private handle: HidHandle | undefined
  private device: { info: HidDeviceInfo; layout: ButtonLayout } | undefined
  private isOnline = false
  private closed = true
  private reason: HidButtonOffline = 'not-opened'
  private retry: TimerHandle | undefined
  /** Bumped by close(), so an attempt still waiting on the transport knows it is stale. */
  private generation = 0
  private readonly backoff: Backoff
  private readonly detector: PressDetector
  private readonly layouts: readonly ButtonLayout[]
  private readonly counters = { reports: 0, dropped_length: 0, dropped_report_id: 0, presses: 0, holds: 0, glitches: 0, opens: 0, unplugs: 0, devices_ignored: 0 }
  private readonly opts: PressOptions

  constructor(private readonly deps: HidButtonDeps) {
    super()
    this.layouts = deps.layouts ?? BUTTON_LAYOUTS
    this.backoff = new Backoff(deps.backoff ?? HID_BACKOFF, deps.random)
    this.opts = { ...DEFAULT_PRESS, ...deps.press }
    this.detector = new PressDetector(deps.clock, this.opts, {
      press: (ms) => {
        this.counters.presses++
        deps.log.info({ heldMs: ms }, 'button pressed')
        this.emit('press', ms)
      },
      holding: (ms, of) => this.emit('holding', ms, of),
      hold: () => {
        this.counters.holds++
        deps.log.warn({ holdMs: this.opts.holdMs }, 'button held')
        this.emit('hold')
      },
      glitch: () => this.counters.glitches++,
    })
  }

  get online(): boolean {
    return this.isOnline
  }

  /** Status for the hub: online, which device, or why not. */
  status(): { online: boolean; device?: string; reason?: HidButtonOffline } {
    return this.isOnline && this.device ? { online: true, device: this.device.layout.name } : { online: false, reason: this.reason }
  }

  /** Starts looking for the button; resolves whether or not one is attached. */
  async open(): Promise<void> {
    if (!this.closed) return
    this.closed = false
    await this.attempt()
  }

  async close(): Promise<void> {
    this.closed = true
    this.generation++
    if (this.retry) this.deps.clock.clearTimeout(this.retry)
    this.retry = undefined
    this.drop('closed')
  }

  request(): Promise<never> {
    return Promise.reject(new HubError('HUB_ERR_BAD_REQUEST', 'the HID button takes no requests'))
  }

  stats(): Record<string, number> {
    return { ...this.counters }
  }

  private async attempt(): Promise<void> {
    this.retry = undefined
    const gen = this.generation
    const stale = () => this.closed || gen !== this.generation
    let devices: HidDeviceInfo[]
    try {
      devices = await this.deps.transport.list()
    } catch (err) {
      if (!stale()) this.later('hid-unavailable', err)
      return
    }
    if (stale()) return
    const match = devices.map((info) => ({ info, layout: layoutFor(info, this.layouts) })).find((d) => d.layout && d.info.path)
    this.counters.devices_ignored = devices.length - (match ? 1 : 0)
    if (!match) return this.later('no-device')
    let handle: HidHandle
    try {
      handle = await this.deps.transport.open(match.info.path!)
    } catch (err) {
      if (!stale()) this.later('open-failed', err)
      return
    }
    if (stale()) return handle.close()
    const layout = match.layout!
    this.handle = handle
    this.device = { info: match.info, layout }
    handle.on('data', (r) => this.onReport(handle, layout, r))
    handle.on('error', (err) => this.onError(handle, err))
    this.isOnline = true
    this.counters.opens++
    this.backoff.connected(this.deps.clock.monotonicMs())
    this.deps.log.info({ device: layout.name, path: match.info.path }, 'HID button online')
    this.emit('online')
  }

  private onReport(from: HidHandle, layout: ButtonLayout, report: Uint8Array): void {
    if (from !== this.handle) return
    this.counters.reports++
    const r = readReport(layout, report)
    if (!r.ok) {
      if (r.reason === 'length') this.counters.dropped_length++
      else this.counters.dropped_report_id++
      this.deps.log.debug({ reason: r.reason, length: report.length }, 'HID report dropped')
      return
    }
    this.detector.input(r.pressed)
  }

  private onError(from: HidHandle, err: Error): void {
    if (from !== this.handle) return
    this.counters.unplugs++
    this.deps.log.warn({ err: err.message }, 'HID button gone')
    this.drop('unplugged')
    this.later('unplugged')
  }

  /** Closes the handle (if any), forgets a half press, and goes offline. */
  private drop(reason: HidButtonOffline): void {
    this.detector.reset()
    const h = this.handle
    this.handle = undefined
    this.device = undefined
    this.reason = reason
    if (h) h.close()
    if (this.isOnline) {
      this.isOnline = false
      this.emit('offline', reason)
    }
  }

  private later(reason: HidButtonOffline, err?: unknown): void {
    if (this.closed) return
    // Say it once per change of reason; the retries themselves are debug noise.
    if (reason !== this.reason)
      this.deps.log.info({ reason, ...(err instanceof Error ? { err: err.message } : {}) }, reason === 'no-device' ? 'no HID button attached; the hub runs without it' : 'HID button unavailable')
    this.reason = reason
    const delay = this.backoff.nextDelayMs(this.deps.clock.monotonicMs())
    this.retry = this.deps.clock.setTimeout(() => void this.attempt(), delay)
  }
}
