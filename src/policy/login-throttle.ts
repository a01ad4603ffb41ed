/**
 * Brute-force protection for login and claim (EN 303 645 5.1-5): exponential backoff per
 * address and globally. After `freeAttempts` failures an address must wait 1 s, 2 s, 4 s … up
 * to `capMs`; the global counter does the same across all addresses with a lower cap, so a
 * distributed guesser is slowed too but the owner is never locked out for good (the global
 * wait never exceeds `globalCapMs`, and `hearth owner reset` on the box always works).
 * Pure: time comes in as monotonic milliseconds.
 */
export interface ThrottleOptions {
  freeAttempts: number
  capMs: number
  globalFreeAttempts: number
  globalCapMs: number
  /** Failures are forgotten after this long without one. */
  forgetAfterMs: number
  maxTrackedAddresses: number
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  freeAttempts: 5,
  capMs: 15 * 60_000,
  globalFreeAttempts: 50,
  globalCapMs: 60_000,
  forgetAfterMs: 60 * 60_000,
  maxTrackedAddresses: 10_000,
}

interface Record {
  failures: number
  lastFailure: number
}

export type ThrottleDecision = { allow: true } | { allow: false; retryAfterMs: number }

export class LoginThrottle {
  private readonly byAddress = new Map<string, Record>()
  private global: Record = { failures: 0, lastFailure: -Infinity }

  constructor(private readonly opts: ThrottleOptions = DEFAULT_THROTTLE) {}

  /** May this address try now? */
  check(address: string, nowMs: number): ThrottleDecision {
    const wait = Math.max(this.waitFor(this.byAddress.get(address), nowMs, this.opts.freeAttempts, this.opts.capMs), this.waitFor(this.global, nowMs, this.opts.globalFreeAttempts, this.opts.globalCapMs))
    return wait > 0 ? { allow: false, retryAfterMs: wait } : { allow: true }
  }

  failed(address: string, nowMs: number): void {
    const r = this.fresh(this.byAddress.get(address), nowMs)
    this.byAddress.delete(address)
    this.byAddress.set(address, { failures: r.failures + 1, lastFailure: nowMs })
    if (this.byAddress.size > this.opts.maxTrackedAddresses) this.byAddress.delete(this.byAddress.keys().next().value!)
    const g = this.fresh(this.global, nowMs)
    this.global = { failures: g.failures + 1, lastFailure: nowMs }
  }

  /** A success clears that address (not the global count: one success must not unlock a botnet). */
  succeeded(address: string): void {
    this.byAddress.delete(address)
  }

  private fresh(r: Record | undefined, nowMs: number): Record {
    return !r || nowMs - r.lastFailure > this.opts.forgetAfterMs ? { failures: 0, lastFailure: -Infinity } : r
  }

  private waitFor(r: Record | undefined, nowMs: number, free: number, cap: number): number {
    const cur = this.fresh(r, nowMs)
    if (cur.failures < free) return 0
    const delay = Math.min(cap, 1000 * 2 ** Math.min(cur.failures - free, 30))
    return Math.max(0, cur.lastFailure + delay - nowMs)
  }
}
