import { EventEmitter } from 'node:events'
import { ByteSlot } from './byte-slot.js'
import { parseDeviceTopic } from './device-topic.js'
import type { Bus } from './discovery.js'

export interface DeviceState {
  state: Record<string, unknown> | null
  availability: 'online' | 'offline' | null
}

const MAX_DEVICES = 10_000

/**
 * The last state and availability of every device, read off the internal bus (which only
 * carries payloads the broker validated). Feeds the web API and its live event stream.
 */
export class DeviceStateCache extends EventEmitter<{ update: [id: string, state: DeviceState] }> {
  /** Raw last payloads: parsed only when someone reads them (the bus carries every publish). */
  private readonly raw = new Map<string, { state?: ByteSlot; availability?: 'online' | 'offline' }>()

  constructor(bus: Bus) {
    super()
    this.setMaxListeners(100)
    const on = (topic: string, payload: Buffer) => this.take(topic, payload)
    bus.subscribe('hearth/+/state', on)
    bus.subscribe('hearth/+/availability', on)
  }

  get(id: string): DeviceState {
    const r = this.raw.get(id)
    let state: Record<string, unknown> | null = null
    if (r?.state)
      try {
        state = JSON.parse(r.state.text()) as Record<string, unknown>
      } catch {
        state = null
      }
    return { state, availability: r?.availability ?? null }
  }

  forget(id: string): void {
    this.raw.delete(id)
  }

  private take(topic: string, payload: Buffer): void {
    const d = parseDeviceTopic(topic)
    if (!d) return
    const id = d.id
    if (payload.length === 0) return void this.raw.delete(id)
    let cur = this.raw.get(id)
    if (!cur) {
      if (this.raw.size >= MAX_DEVICES) return
      this.raw.set(id, (cur = {}))
    }
    if (d.leaf === 'state') (cur.state ??= new ByteSlot()).set(payload)
    else cur.availability = payload.toString() === 'online' ? 'online' : 'offline'
    if (this.listenerCount('update') > 0) this.emit('update', id, this.get(id))
  }
}
