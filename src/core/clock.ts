/**
 * Time as an interface, so timer logic is tested with a fake clock and security decisions never
 * depend on the wall clock (a Pi has no RTC and may boot in 1970): use `monotonicMs` for
 * durations and expiry, `wallMs` only for display and records.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock; only differences are meaningful. */
  monotonicMs(): number
  /** Wall-clock milliseconds since the epoch; may be wrong at boot. */
  wallMs(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export interface TimerHandle {
  unref?(): unknown
}

export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

/** A clock whose time moves only when a test says so. */
export class FakeClock implements Clock {
  private now = 0
  private wall: number
  private seq = 0
  private timers = new Map<number, { at: number; fn: () => void }>()

  constructor(wallStartMs = 0) {
    this.wall = wallStartMs
  }

  monotonicMs(): number {
    return this.now
  }

  wallMs(): number {
    return this.wall + this.now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq
    this.timers.set(id, { at: this.now + Math.max(0, ms), fn })
    return { id } as TimerHandle
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete((handle as { id: number }).id)
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.now + ms
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry
      if (!next) break
      this.timers.delete(next[0])
      this.now = next[1].at
      next[1].fn()
    }
    this.now = target
  }
}
