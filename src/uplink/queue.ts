/**
 * The uplink's store-and-forward queue (EN 303 645 5.9-1: local operation never waits for the
 * internet). Bounded in messages AND bytes; when full, the OLDEST entries are dropped first and
 * counted, so the freshest state reaches the remote once it is back. In-memory and synchronous:
 * pushing never blocks a local publish. Persistence on a write budget is the caller's job
 * (`snapshot()` / `restore()`).
 */
export interface QueuedMessage {
  /** Monotonic sequence number: the order messages were taken from the local bus. */
  seq: number
  topic: string
  /** Base64 in snapshots; a Buffer in memory. */
  payload: Buffer
}

export interface QueueLimits {
  maxMessages: number
  maxBytes: number
}

export interface QueueSnapshot {
  nextSeq: number
  dropped: number
  messages: Array<{ seq: number; topic: string; payload: string }>
}

/** What one message costs against the byte bound (topic + payload + a fixed overhead). */
export const messageCost = (topic: string, payload: Buffer): number => Buffer.byteLength(topic) + payload.length + 16

export class OutboundQueue {
  private items: QueuedMessage[] = []
  private head = 0
  private bytes = 0
  private nextSeq = 1
  private droppedTotal = 0
  private version = 0

  constructor(private readonly limits: QueueLimits) {}

  /** Adds a message, dropping the oldest until both bounds hold. Returns how many were dropped. */
  push(topic: string, payload: Buffer): number {
    const cost = messageCost(topic, payload)
    let dropped = 0
    if (cost > this.limits.maxBytes) {
      // A message that could never fit is itself the one dropped (it would evict everything).
      this.droppedTotal++
      this.version++
      return 1
    }
    while (this.length >= this.limits.maxMessages || this.bytes + cost > this.limits.maxBytes) {
      this.shiftOne()
      dropped++
    }
    this.droppedTotal += dropped
    this.items.push({ seq: this.nextSeq++, topic, payload })
    this.bytes += cost
    this.version++
    this.compact()
    return dropped
  }

  /** The first `n` messages, oldest first, without removing them. */
  peek(n: number, after = 0): QueuedMessage[] {
    const out: QueuedMessage[] = []
    for (let i = this.head; i < this.items.length && out.length < n; i++) if (this.items[i]!.seq > after) out.push(this.items[i]!)
    return out
  }

  /** Removes a delivered message (normally the head); unknown seqs (already dropped) are ignored. */
  ack(seq: number): void {
    if (this.length === 0) return
    if (this.items[this.head]!.seq === seq) {
      this.shiftOne()
    } else {
      const i = this.items.findIndex((m, idx) => idx >= this.head && m.seq === seq)
      if (i < 0) return
      this.bytes -= messageCost(this.items[i]!.topic, this.items[i]!.payload)
      this.items.splice(i, 1)
    }
    this.version++
    this.compact()
  }

  /** Empties the queue (consent withdrawn: nothing collected for the uplink is kept). */
  clear(): void {
    this.items = []
    this.head = 0
    this.bytes = 0
    this.version++
  }

  get length(): number {
    return this.items.length - this.head
  }

  get byteSize(): number {
    return this.bytes
  }

  get dropped(): number {
    return this.droppedTotal
  }

  /** Changes whenever the content changes: the persister writes only when it moved. */
  get changeCount(): number {
    return this.version
  }

  snapshot(): QueueSnapshot {
    return {
      nextSeq: this.nextSeq,
      dropped: this.droppedTotal,
      messages: this.items.slice(this.head).map((m) => ({ seq: m.seq, topic: m.topic, payload: m.payload.toString('base64') })),
    }
  }

  /** Loads a saved queue; entries beyond today's bounds are dropped oldest-first and counted. */
  restore(s: QueueSnapshot): void {
    this.clear()
    this.nextSeq = s.nextSeq
    this.droppedTotal = s.dropped
    for (const m of s.messages) {
      const payload = Buffer.from(m.payload, 'base64')
      this.items.push({ seq: m.seq, topic: m.topic, payload })
      this.bytes += messageCost(m.topic, payload)
    }
    while (this.length > this.limits.maxMessages || this.bytes > this.limits.maxBytes) {
      this.shiftOne()
      this.droppedTotal++
    }
    this.nextSeq = Math.max(this.nextSeq, (this.items.at(-1)?.seq ?? 0) + 1)
  }

  private shiftOne(): void {
    const m = this.items[this.head++]!
    this.bytes -= messageCost(m.topic, m.payload)
  }

  // Amortised O(1) shifting: the array is sliced only once its dead head is large.
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}
