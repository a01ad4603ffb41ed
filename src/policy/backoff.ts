import { HubError } from '../core/errors.js'

/**
 * Reconnection backoff (EN 303 645 5.9-3: after an outage, return "in an orderly fashion,
 * rather than in a massive scale reconnect"). Exponential with jitter, capped, reset after a
 * stable period. Pure: randomness and time come in from the caller.
 *
 * - `full`: delay = U(0, min(cap, base·2^attempt)) — AWS's "full jitter".
 * - `decorrelated`: delay = min(cap, U(base, 3·previous)) — spreads a fleet even when every
 *   client failed at the same instant, without the attempt counter growing without bound.
 */
export interface BackoffOptions {
  baseMs: number
  capMs: number
  mode: 'full' | 'decorrelated'
  /** A connection that stays up this long resets the backoff to its first step. */
  resetAfterMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 120_000, mode: 'decorrelated', resetAfterMs: 60_000 }

export class Backoff {
  private attempt = 0
  private previous: number
  private connectedAt: number | undefined

  constructor(
    private readonly opts: BackoffOptions,
    /** A uniform random number in [0, 1). */
    private readonly random: () => number,
  ) {
    if (!(opts.baseMs > 0 && opts.capMs >= opts.baseMs && opts.resetAfterMs >= 0))
      throw new HubError('HUB_ERR_CONFIG', 'backoff needs 0 < baseMs ≤ capMs and resetAfterMs ≥ 0')
    this.previous = opts.baseMs
  }

  /** The delay before the next attempt, after a failure or a dropped connection. */
  nextDelayMs(nowMs: number): number {
    if (this.connectedAt !== undefined && nowMs - this.connectedAt >= this.opts.resetAfterMs) this.reset()
    this.connectedAt = undefined
    const { baseMs, capMs } = this.opts
    let delay: number
    if (this.opts.mode === 'full') {
      const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(this.attempt, 30))
      delay = this.random() * ceiling
    } else {
      const high = Math.min(capMs, this.previous * 3)
      delay = Math.min(capMs, baseMs + this.random() * (high - baseMs))
    }
    this.attempt++
    this.previous = Math.max(baseMs, delay)
    return Math.round(delay)
  }

  /** The connection is up; the backoff resets once it has stayed up `resetAfterMs`. */
  connected(nowMs: number): void {
    this.connectedAt = nowMs
  }

  get attempts(): number {
    return this.attempt
  }

  private reset(): void {
    this.attempt = 0
    this.previous = this.opts.baseMs
  }
}

/**
 * What the hub recommends to devices for reconnecting to it (EN 303 645 5.9-3), handed out with
 * every device credential and documented in docs/device-makers.md. Decorrelated jitter spreads a
 * fleet that lost the hub at the same instant; the 30 s cap keeps a device the hub refused a few
 * times (CONNACK 3 "server unavailable" from admission control) from staying away for minutes.
 */
export const DEVICE_RECONNECT: BackoffOptions = { baseMs: 1000, capMs: 30_000, mode: 'decorrelated', resetAfterMs: 60_000 }
