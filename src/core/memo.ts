/**
 * Answers remembered by key, at most `max` of them: when full, everything is forgotten at once.
 * For hot paths that see the same few keys all day (a device publishes to the same topics), where
 * an LRU's bookkeeping would cost more than the rare recomputation after a clear.
 */
export class BoundedMemo<K, V> {
  private readonly map = new Map<K, V>()

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    return this.map.get(key)
  }

  /** Remembers `value` for `key` (forgetting everything first if full) and returns it. */
  set(key: K, value: V): V {
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
