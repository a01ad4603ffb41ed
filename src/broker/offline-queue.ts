/**
 * The QoS 1/2 messages waiting for persistent (CleanSession=0) sessions, mirrored beside
 * aedes' in-memory queue so they can be bounded and saved on the broker's write budget.
 *
 * Bounded per client in count and bytes (mosquitto's `max_queued_messages` idea): when a
 * session's queue is full, new messages for it are dropped and counted — an integration that
 * went away for a week cannot grow the hub's memory without limit. Saved with the broker's
 * document, so a restart does not lose what was acknowledged to the publisher but not yet
 * delivered (issue 3 item 7; EN 303 645 5.9 "without losing data").
 */
export interface QueuedMessage {
  topic: string
  payload: Buffer
  qos: 1 | 2
  retain: boolean
}

interface Entry extends QueuedMessage {
  brokerId: string | undefined
  brokerCounter: number | undefined
  messageId: number | undefined
}

interface PacketRef {
  brokerId?: string
  brokerCounter?: number
  messageId?: number
}

export interface OfflineLimits {
  maxMessages: number
  maxBytes: number
}

export class OfflineQueues {
  private readonly queues = new Map<string, { entries: Entry[]; bytes: number }>()

  constructor(
    private readonly limits: OfflineLimits,
    private readonly onDrop: (clientId: string) => void,
  ) {}

  /** Room for one more message of `bytes` for this client? Counts the drop if not. */
  admit(clientId: string, bytes: number): boolean {
    const q = this.queues.get(clientId)
    if (!q || (q.entries.length < this.limits.maxMessages && q.bytes + bytes <= this.limits.maxBytes)) return true
    this.onDrop(clientId)
    return false
  }

  add(clientId: string, p: QueuedMessage & PacketRef): void {
    const q = this.queues.get(clientId) ?? { entries: [], bytes: 0 }
    q.entries.push({ topic: p.topic, payload: p.payload, qos: p.qos, retain: !!p.retain, brokerId: p.brokerId, brokerCounter: p.brokerCounter, messageId: p.messageId })
    q.bytes += p.payload.length + p.topic.length
    this.queues.set(clientId, q)
  }

  /** aedes gave the packet a message id (same matching as aedes-persistence's memory queue). */
  update(clientId: string, p: PacketRef): void {
    for (const e of this.queues.get(clientId)?.entries ?? []) {
      if (e.brokerId === p.brokerId ? e.brokerCounter === p.brokerCounter : e.messageId === p.messageId) {
        e.messageId = p.messageId
        e.brokerId = p.brokerId
        e.brokerCounter = p.brokerCounter
        return
      }
    }
  }

  /** Acknowledged (PUBACK/PUBCOMP) or otherwise done. */
  clear(clientId: string, messageId: number | undefined): void {
    const q = this.queues.get(clientId)
    if (!q) return
    const i = q.entries.findIndex((e) => e.messageId === messageId)
    if (i < 0) return
    const [e] = q.entries.splice(i, 1)
    q.bytes -= e!.payload.length + e!.topic.length
    if (q.entries.length === 0) this.queues.delete(clientId)
  }

  forget(clientId: string): void {
    this.queues.delete(clientId)
  }

  /** What to save, for the given persistent sessions only. */
  snapshot(keep: (clientId: string) => boolean): Record<string, QueuedMessage[]> {
    const out: Record<string, QueuedMessage[]> = {}
    for (const [id, q] of this.queues) if (keep(id)) out[id] = q.entries.map(({ topic, payload, qos, retain }) => ({ topic, payload, qos, retain }))
    return out
  }

  get size(): number {
    let n = 0
    for (const q of this.queues.values()) n += q.entries.length
    return n
  }
}
