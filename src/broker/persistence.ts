import MemoryModule from 'aedes-persistence/asyncPersistence.js'
import PacketModule from 'aedes-packet'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import type { DocSpec } from '../store/document.js'
import type { Doc, Store } from '../store/store.js'
import { OfflineQueues, type OfflineLimits } from './offline-queue.js'

/** Retained messages and persistent sessions' subscriptions, as saved between runs. */
export interface BrokerDoc {
  retained: Array<{ topic: string; payload: string; qos: 0 | 1 | 2 }>
  sessions: Record<string, Array<{ topic: string; qos: 0 | 1 | 2 }>>
  /** QoS 1/2 messages waiting for persistent sessions (payload base64); absent in older files. */
  queued?: Record<string, Array<{ topic: string; payload: string; qos: 1 | 2; retain: boolean }>>
}

export const BROKER_DOC: DocSpec<BrokerDoc> = {
  name: 'broker.json',
  sealed: true,
  schema: 1,
  check: (d): d is BrokerDoc => typeof d === 'object' && d !== null && Array.isArray((d as BrokerDoc).retained),
}

interface PacketLike {
  topic: string
  payload: Buffer
  qos: 0 | 1 | 2
  retain?: boolean
  brokerId?: string
  brokerCounter?: number
  messageId?: number
}
interface ClientLike {
  id: string
  clean?: boolean
}
interface MemoryPersistence {
  setup(broker: unknown): Promise<void>
  storeRetained(packet: PacketLike): Promise<void>
  addSubscriptions(client: ClientLike, subs: Array<{ topic: string; qos: number }>): Promise<void>
  removeSubscriptions(client: ClientLike, topics: string[]): Promise<void>
  cleanSubscriptions(client: ClientLike): Promise<void>
  outgoingEnqueue(sub: { clientId: string }, packet: PacketLike): Promise<void>
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: PacketLike): Promise<void>
  outgoingUpdate(client: ClientLike, packet: PacketLike): Promise<void>
  outgoingClearMessageId(client: ClientLike, packet: PacketLike): Promise<PacketLike | undefined>
}
type MemoryPersistenceClass = new (opts?: object) => MemoryPersistence

// ESM imports, bundled with the copies aedes itself uses (see src/broker/emitter.ts).
const Memory = MemoryModule as unknown as MemoryPersistenceClass
const Packet = PacketModule as unknown as new (p: object, broker?: unknown) => PacketLike

export interface PersistenceDeps {
  clock: Clock
  log: Logger
  intervalMs: number
  offline: OfflineLimits
  /** A message for a persistent session was dropped: its queue was full. */
  onOfflineDrop: (clientId: string) => void
}

/**
 * aedes' in-memory persistence, mirrored to a store document on a write budget
 * (`mqtt.persistIntervalMs`): retained messages and the subscriptions of persistent
 * (CleanSession=0) sessions survive a restart, and an SD card sees at most one coalesced
 * write per interval, never one per message. QoS 1/2 messages queued for persistent sessions are
 * bounded per client and saved with them (`offline-queue.ts`).
 */
export class DurablePersistence extends Memory {
  private readonly retained = new Map<string, { payload: string; qos: 0 | 1 | 2 }>()
  private readonly sessions = new Map<string, Map<string, 0 | 1 | 2>>()
  private dirty = false
  private timer: TimerHandle | undefined
  private doc!: Doc<BrokerDoc>
  private deps!: PersistenceDeps
  private queues!: OfflineQueues

  static async open(store: Store, deps: PersistenceDeps): Promise<DurablePersistence> {
    const p = new DurablePersistence()
    p.doc = await store.document(BROKER_DOC, () => ({ retained: [], sessions: {} }))
    p.deps = deps
    p.queues = new OfflineQueues(deps.offline, deps.onOfflineDrop)
    return p
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker)
    const saved = this.doc.data
    for (const r of saved.retained) await this.storeRetained(new Packet({ cmd: 'publish', topic: r.topic, payload: Buffer.from(r.payload, 'base64'), qos: r.qos, retain: true }))
    for (const [id, subs] of Object.entries(saved.sessions)) await this.addSubscriptions({ id, clean: false }, subs)
    for (const [clientId, queued] of Object.entries(saved.queued ?? {})) {
      if (!this.sessions.has(clientId)) continue
      for (const m of queued) await this.outgoingEnqueue({ clientId }, new Packet({ cmd: 'publish', topic: m.topic, payload: Buffer.from(m.payload, 'base64'), qos: m.qos, retain: m.retain }, broker))
    }
    this.dirty = false
  }

  override async storeRetained(packet: PacketLike): Promise<void> {
    await super.storeRetained(packet)
    if (packet.payload.length === 0) this.retained.delete(packet.topic)
    else this.retained.set(packet.topic, { payload: packet.payload.toString('base64'), qos: packet.qos })
    this.touch()
  }

  override async addSubscriptions(client: ClientLike, subs: Array<{ topic: string; qos: number }>): Promise<void> {
    await super.addSubscriptions(client, subs)
    if (client.clean !== false) return
    const mine = this.sessions.get(client.id) ?? new Map<string, 0 | 1 | 2>()
    for (const s of subs) mine.set(s.topic, s.qos as 0 | 1 | 2)
    this.sessions.set(client.id, mine)
    this.touch()
  }

  override async removeSubscriptions(client: ClientLike, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics)
    const mine = this.sessions.get(client.id)
    if (!mine) return
    for (const t of topics) mine.delete(t)
    this.touch()
  }

  override async cleanSubscriptions(client: ClientLike): Promise<void> {
    await super.cleanSubscriptions(client)
    this.queues.forget(client.id)
    if (this.sessions.delete(client.id)) this.touch()
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: PacketLike): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet)
  }

  /** Full queues refuse the message for that client only (counted); the others still get it. */
  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: PacketLike): Promise<void> {
    const bytes = packet.payload.length + packet.topic.length
    const room = subs.filter((s) => this.queues.admit(s.clientId, bytes))
    if (room.length === 0) return
    await super.outgoingEnqueueCombi(room, packet)
    for (const s of room) this.queues.add(s.clientId, { ...packet, qos: packet.qos as 1 | 2, retain: !!packet.retain })
    this.touch()
  }

  override async outgoingUpdate(client: ClientLike, packet: PacketLike): Promise<void> {
    await super.outgoingUpdate(client, packet)
    this.queues.update(client.id, packet)
  }

  override async outgoingClearMessageId(client: ClientLike, packet: PacketLike): Promise<PacketLike | undefined> {
    const done = await super.outgoingClearMessageId(client, packet)
    if (done) {
      this.queues.clear(client.id, packet.messageId)
      this.touch()
    }
    return done
  }

  /** Forgets everything a client id left behind (its account was removed). */
  async forgetClient(clientId: string): Promise<void> {
    await this.cleanSubscriptions({ id: clientId })
  }

  /** Topics holding a retained message now (the privacy service clears a deleted device's). */
  retainedTopics(): string[] {
    return [...this.retained.keys()]
  }

  /** Writes now if anything changed (on stop). */
  async flush(): Promise<void> {
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
    if (!this.dirty) return
    this.dirty = false
    this.doc.data = {
      retained: [...this.retained].map(([topic, r]) => ({ topic, ...r })),
      sessions: Object.fromEntries([...this.sessions].map(([id, m]) => [id, [...m].map(([topic, qos]) => ({ topic, qos }))])),
      queued: Object.fromEntries(
        Object.entries(this.queues.snapshot((id) => this.sessions.has(id))).map(([id, q]) => [id, q.map((m) => ({ ...m, payload: m.payload.toString('base64') }))]),
      ),
    }
    try {
      await this.doc.write()
    } catch (err) {
      this.dirty = true
      this.deps.log.error({ err }, 'could not save broker state; will retry')
    }
  }

  private touch(): void {
    this.dirty = true
    if (!this.timer && this.deps) this.timer = this.deps.clock.setTimeout(() => void this.flush(), this.deps.intervalMs)
  }
}
