import { EventEmitter } from 'node:events'
import type { Clock, TimerHandle } from '../core/clock.js'
import { HubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'

/** Longest window: 254 s. Zigbee's 255 means "forever" and is never sent (ZDO Mgmt_Permit_Joining_req). */
export const MAX_PAIRING_SECONDS = 254

export interface PairingStatus {
  /** A coordinator is configured (zigbee.port). */
  available: boolean
  online: boolean
  open: boolean
  /** Whole seconds left in the window (0 when closed). */
  remainingSeconds: number
  /** The length of the current (or last) window. */
  seconds: number
}

type Events = { opened: [seconds: number]; closed: [] }

/**
 * Pairing windows (EN 303 645 5.6: joining is closed unless the owner opens it). The owner opens
 * one from the web API, the CLI or the hub's button; it closes by itself after at most 254 s
 * (and the stick is told `permit join 0`), so the network is never left open.
 */
export class PairingService extends EventEmitter<Events> {
  private until = 0
  private seconds = 0
  private timer: TimerHandle | undefined

  constructor(
    private readonly deps: {
      clock: Clock
      log: Logger
      defaultSeconds: number
      /** Tells the coordinator (0 closes). Undefined when no coordinator is configured. */
      permitJoin?: (seconds: number) => Promise<void>
      online: () => boolean
    },
  ) {
    super()
  }

  /** Opens (or re-opens, restarting the countdown) a window of `seconds` (1–254, default from config). */
  async open(seconds = this.deps.defaultSeconds): Promise<PairingStatus> {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PAIRING_SECONDS)
      throw new HubError('HUB_ERR_BAD_REQUEST', `a pairing window is 1 to ${MAX_PAIRING_SECONDS} seconds`)
    const permit = this.deps.permitJoin
    if (!permit) throw new HubError('HUB_ERR_CONFLICT', 'Zigbee is not set up on this hub: configure zigbee.port with a coordinator stick')
    if (!this.deps.online()) throw new HubError('HUB_ERR_ZIGBEE_OFFLINE', 'the Zigbee coordinator is offline: check the stick')
    await permit(seconds)
    const { clock } = this.deps
    if (this.timer) clock.clearTimeout(this.timer)
    this.seconds = seconds
    this.until = clock.monotonicMs() + seconds * 1000
    this.timer = clock.setTimeout(() => void this.close(), seconds * 1000)
    this.timer.unref?.()
    this.deps.log.info({ seconds }, 'pairing window open')
    this.emit('opened', seconds)
    return this.status()
  }

  /** Closes the window now (also what the timer does). */
  async close(): Promise<PairingStatus> {
    const wasOpen = this.isOpen() || this.timer !== undefined
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.until = 0
    if (wasOpen) {
      this.deps.log.info('pairing window closed')
      this.emit('closed')
      if (this.deps.online()) await this.deps.permitJoin?.(0).catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'could not tell the coordinator to close joining'))
    }
    return this.status()
  }

  isOpen(): boolean {
    return this.deps.clock.monotonicMs() < this.until
  }

  status(): PairingStatus {
    const left = Math.max(0, this.until - this.deps.clock.monotonicMs())
    return { available: !!this.deps.permitJoin, online: this.deps.online(), open: left > 0, remainingSeconds: Math.ceil(left / 1000), seconds: this.seconds }
  }

  /** Stops the timer (hub shutdown); the stick's own window expires by itself. */
  stop(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.until = 0
  }
}
