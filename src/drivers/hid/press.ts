import type { Clock, TimerHandle } from '../../core/clock.js'

/**
 * Turns the raw up/down state of a button into presses and holds, on a monotonic clock:
 * - a change must last `debounceMs` to count (contact bounce and short glitches are counted, not acted on);
 * - `holding` every `progressMs` while down (for a countdown in the UI and log), and `hold` once
 *   when the button has been down `holdMs` — while it is still held, not on release;
 * - `press` on release if no hold fired.
 */
export interface PressOptions {
  holdMs: number
  progressMs: number
  debounceMs: number
}

export interface PressSink {
  press(heldMs: number): void
  holding(heldMs: number, holdMs: number): void
  hold(): void
  glitch(): void
}

export class PressDetector {
  private raw = false
  private stable = false
  private rawChangedAt = 0
  private downAt = 0
  private holdFired = false
  private debounceTimer: TimerHandle | undefined
  private tickTimer: TimerHandle | undefined

  constructor(
    private readonly clock: Clock,
    private readonly opts: PressOptions,
    private readonly sink: PressSink,
  ) {}

  /** The button state read from one valid report (repeated states are ignored). */
  input(pressed: boolean): void {
    if (pressed === this.raw) return
    this.raw = pressed
    this.rawChangedAt = this.clock.monotonicMs()
    this.clear('debounce')
    if (this.raw === this.stable) {
      // Changed and changed back within the debounce time: bounce or a glitch.
      this.sink.glitch()
      return
    }
    this.debounceTimer = this.clock.setTimeout(() => this.commit(), this.opts.debounceMs)
  }

  /** The device went away: forget the state without firing anything. */
  reset(): void {
    this.clear('debounce')
    this.clear('tick')
    this.raw = this.stable = this.holdFired = false
  }

  private commit(): void {
    this.debounceTimer = undefined
    this.stable = this.raw
    if (this.stable) {
      this.downAt = this.rawChangedAt
      this.holdFired = false
      this.scheduleTick()
      return
    }
    this.clear('tick')
    if (!this.holdFired) this.sink.press(this.rawChangedAt - this.downAt)
    this.holdFired = false
  }

  private scheduleTick(): void {
    const held = this.clock.monotonicMs() - this.downAt
    const nextProgress = (Math.floor(held / this.opts.progressMs) + 1) * this.opts.progressMs
    const next = Math.min(nextProgress, this.opts.holdMs)
    this.tickTimer = this.clock.setTimeout(() => this.tick(), Math.max(0, next - held))
  }

  private tick(): void {
    this.tickTimer = undefined
    const held = this.clock.monotonicMs() - this.downAt
    if (held >= this.opts.holdMs) {
      this.holdFired = true
      this.sink.holding(this.opts.holdMs, this.opts.holdMs)
      this.sink.hold()
      return
    }
    this.sink.holding(held, this.opts.holdMs)
    this.scheduleTick()
  }

  private clear(which: 'debounce' | 'tick'): void {
    const h = which === 'debounce' ? this.debounceTimer : this.tickTimer
    if (h) this.clock.clearTimeout(h)
    if (which === 'debounce') this.debounceTimer = undefined
    else this.tickTimer = undefined
  }
}
