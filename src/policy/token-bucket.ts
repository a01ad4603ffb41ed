import { HubError } from '../core/errors.js'

/**
 * Token buckets for rate limits. Pure: no timers and no clock of their own; every call takes
 * the current time in milliseconds from a monotonic clock (`Clock.monotonicMs`). Time that
 * appears to run backwards is treated as no time passing, so a bad clock can never mint tokens.
 *
 * Credit is kept in milli-tokens (`tokens × 1000`), so an integer rate and integer times refill
 * exactly (5/s for 200 ms is exactly one token), and `waitMs` agrees with `take`.
 */

/** Tolerance, in milli-tokens, for float rounding with fractional clocks (`performance.now()`). */
const EPSILON = 1e-3

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new HubError('HUB_ERR_CONFIG', `${name} must be a positive number`, { [name]: value })
  return value
}

function count(n: number): number {
  if (!Number.isFinite(n) || n < 0) throw new HubError('HUB_ERR_INTERNAL', 'token count must be a non-negative number', { n })
  return n
}

/** A token bucket: holds at most `burst` tokens, refilled at `ratePerSec`, starts full. */
export class TokenBucket {
  readonly ratePerSec: number
  readonly burst: number
  /** Milli-tokens available at `lastMs`. */
  private credit: number
  private lastMs: number

  /**
   * `nowMs` may be `-Infinity` ("created long ago"): the first call's time becomes the reference.
   * @throws HubError `HUB_ERR_CONFIG` if the rate or burst is not a positive number.
   */
  constructor(ratePerSec: number, burst: number, nowMs: number) {
    this.ratePerSec = positive('ratePerSec', ratePerSec)
    this.burst = positive('burst', burst)
    this.credit = this.burst * 1000
    this.lastMs = nowMs
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      // rate tokens/s × elapsed ms = milli-tokens
      this.credit = Math.min(this.burst * 1000, this.credit + this.ratePerSec * (nowMs - this.lastMs))
      this.lastMs = nowMs
    }
  }

  /** Tokens available at `nowMs` (fractional). */
  available(nowMs: number): number {
    this.refill(nowMs)
    return this.credit / 1000
  }

  /** True iff the bucket is full at `nowMs`: forgetting it loses nothing. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs)
    return this.credit >= this.burst * 1000 - EPSILON
  }

  /** Takes `n` tokens if all are available now and returns true; otherwise takes none. */
  take(nowMs: number, n = 1): boolean {
    count(n)
    this.refill(nowMs)
    if (this.credit + EPSILON < n * 1000) return false
    this.credit = Math.max(0, this.credit - n * 1000)
    return true
  }

  /**
   * Milliseconds until `n` tokens will be available (0 if they are now); `Infinity` if `n`
   * exceeds the burst and never will be. Does not take anything.
   */
  waitMs(nowMs: number, n = 1): number {
    count(n)
    if (n > this.burst) return Number.POSITIVE_INFINITY
    this.refill(nowMs)
    const missing = n * 1000 - this.credit
    if (missing <= EPSILON) return 0
    // Measured from `nowMs`, even if a later time has been seen already (refill starts there).
    return Math.ceil(missing / this.ratePerSec + Math.max(0, this.lastMs - nowMs) - 1e-9)
  }
}

/** Options of {@link KeyedBuckets}. */
export interface KeyedBucketsOptions {
  ratePerSec: number
  burst: number
  /** Most keys tracked at once; memory stays bounded whatever the keys. */
  maxKeys: number
}

/** How many of the least recently used buckets an insertion into a full table looks at. */
const SWEEP = 8

/**
 * One token bucket per key (an IP address, a client id), with a bounded number of keys.
 *
 * When the table is full, a new key first evicts any fully refilled buckets among the few
 * least recently used (they are indistinguishable from a fresh bucket, so forgetting them
 * changes no decision); if none is full, the least recently used bucket is evicted anyway and
 * counted in `evictions`. That last case hands its key a fresh bucket should it come back,
 * which is why per-key limits must be backed by a global limit (see Admission). The work per
 * call is bounded (at most `SWEEP` buckets looked at), so churning keys cannot make it slow.
 */
export class KeyedBuckets {
  private readonly opts: KeyedBucketsOptions
  /** Map iteration order is insertion order: re-inserting on use keeps it LRU-first. */
  private readonly buckets = new Map<string, TokenBucket>()
  private evicted = 0

  /** @throws HubError `HUB_ERR_CONFIG` if a rate, burst or maxKeys is not positive. */
  constructor(opts: KeyedBucketsOptions) {
    positive('ratePerSec', opts.ratePerSec)
    positive('burst', opts.burst)
    if (!Number.isInteger(opts.maxKeys) || opts.maxKeys < 1) throw new HubError('HUB_ERR_CONFIG', 'maxKeys must be a positive integer', { maxKeys: opts.maxKeys })
    this.opts = { ...opts }
  }

  /** Number of keys tracked now. */
  get size(): number {
    return this.buckets.size
  }

  /** Buckets evicted while not yet full (a measure of key churn under pressure). */
  get evictions(): number {
    return this.evicted
  }

  /** Takes `n` tokens from `key`'s bucket (created full on first use); false if not available. */
  take(key: string, nowMs: number, n = 1): boolean {
    return this.touch(key, nowMs).take(nowMs, n)
  }

  /** Milliseconds until `key` could take `n` tokens; does not create or refresh the key. */
  waitMs(key: string, nowMs: number, n = 1): number {
    const b = this.buckets.get(key)
    if (b) return b.waitMs(nowMs, n)
    return n > this.opts.burst ? Number.POSITIVE_INFINITY : 0
  }

  /** Forgets `key` (for example when a device account is removed). */
  delete(key: string): void {
    this.buckets.delete(key)
  }

  private touch(key: string, nowMs: number): TokenBucket {
    let b = this.buckets.get(key)
    if (b) {
      this.buckets.delete(key)
      this.buckets.set(key, b)
      return b
    }
    if (this.buckets.size >= this.opts.maxKeys) this.makeRoom(nowMs)
    b = new TokenBucket(this.opts.ratePerSec, this.opts.burst, nowMs)
    this.buckets.set(key, b)
    return b
  }

  private makeRoom(nowMs: number): void {
    let looked = 0
    for (const [k, b] of this.buckets) {
      if (looked++ >= SWEEP) break
      if (b.isFull(nowMs)) this.buckets.delete(k)
    }
    if (this.buckets.size < this.opts.maxKeys) return
    const lru = this.buckets.keys().next()
    if (!lru.done) {
      this.buckets.delete(lru.value)
      this.evicted++
    }
  }
}
