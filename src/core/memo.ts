/** String keys longer than this are never remembered (the answer is worked out each time). */
export const MEMO_MAX_KEY_LENGTH = 256

/**
 * Answers remembered by key, at most `max` of them: when full, everything is forgotten at once.
 * For hot paths that see the same few keys all day (a device publishes to the same topics), where
 * an LRU's bookkeeping would cost more than the rare recomputation after a clear. A string key
 * longer than `maxKeyLength` is not remembered, so what the keys hold stays bounded
 * (max × maxKeyLength) even where the config allows topics of 64 KiB.
 */
export class BoundedMemo<K, V> {
  private readonly map = new Map<K, V>()

  constructor(
    private readonly max: number,
    private readonly maxKeyLength = MEMO_MAX_KEY_LENGTH,
  ) {}

  get(key: K): V | undefined {
    return this.map.get(key)
  }

  /** Remembers `value` for `key` (forgetting everything first if full) and returns it. */
  set(key: K, value: V): V {
    if (typeof key === 'string' && key.length > this.maxKeyLength) return value
    if (this.map.size >= this.max) this.map.clear()
    this.map.set(key, value)
    return value
  }

  clear(): void {
    this.map.clear()
  }

  get size(): number {
    return this.map.size
  }
}
