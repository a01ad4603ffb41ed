import { createRequire } from 'node:module'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import type { DocSpec } from '../store/document.js'
import type { Doc, Store } from '../store/store.js'

/** Retained messages and persistent sessions' subscriptions, as saved between runs. */
export interface BrokerDoc {
  retained: Array<{ topic: string; payload: string; qos: 0 | 1 | 2 }>
  sessions: Record<string, Array<{ topic: string; qos: 0 | 1 | 2 }>>
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
}
type MemoryPersistenceClass = new (opts?: object) => MemoryPersistence

const require = createRequire(import.meta.url)
const Memory = require('aedes-persistence/asyncPersistence.js') as MemoryPersistenceClass
const Packet = require('aedes-packet') as new (p: object) => PacketLike

/**
 * aedes' in-memory persistence, mirrored to a store document on a write budget
 * (`mqtt.persistIntervalMs`): retained messages and the subscriptions of persistent
 * (CleanSession=0) sessions survive a restart, and an SD card sees at most one coalesced
 * write per interval, never one per message. Queued QoS 1/2 messages for offline sessions are
 * kept in memory only.
 */
export class DurablePersistence extends Memory {
  private readonly retained = new Map<string, { payload: string; qos: 0 | 1 | 2 }>()
  private readonly sessions = new Map<string, Map<string, 0 | 1 | 2>>()
  private dirty = false
  private timer: TimerHandle | undefined
  private doc!: Doc<BrokerDoc>
  private deps!: { clock: Clock; log: Logger; intervalMs: number }

  static async open(store: Store, deps: { clock: Clock; log: Logger; intervalMs: number }): Promise<DurablePersistence> {
    const p = new DurablePersistence()
    p.doc = await store.document(BROKER_DOC, () => ({ retained: [], sessions: {} }))
    p.deps = deps
    return p
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker)
    const saved = this.doc.data
    for (const r of saved.retained) await this.storeRetained(new Packet({ cmd: 'publish', topic: r.topic, payload: Buffer.from(r.payload, 'base64'), qos: r.qos, retain: true }))
    for (const [id, subs] of Object.entries(saved.sessions)) await this.addSubscriptions({ id, clean: false }, subs)
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
    if (this.sessions.delete(client.id)) this.touch()
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
