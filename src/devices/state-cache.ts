import { EventEmitter } from 'node:events'
import type { Bus } from './discovery.js'

export interface DeviceState {
  state: Record<string, unknown> | null
  availability: 'online' | 'offline' | null
}

const TOPIC = /^hearth\/([a-z0-9-]{1,64})\/(state|availability)$/
const MAX_DEVICES = 10_000

/**
 * The last state and availability of every device, read off the internal bus (which only
 * carries payloads the broker validated). Feeds the web API and its live event stream.
 */
export class DeviceStateCache extends EventEmitter<{ update: [id: string, state: DeviceState] }> {
  private readonly states = new Map<string, DeviceState>()

  constructor(bus: Bus) {
    super()
    this.setMaxListeners(100)
    const on = (topic: string, payload: Buffer) => this.take(topic, payload)
    bus.subscribe('hearth/+/state', on)
    bus.subscribe('hearth/+/availability', on)
  }

  get(id: string): DeviceState {
    return this.states.get(id) ?? { state: null, availability: null }
  }

  forget(id: string): void {
    this.states.delete(id)
  }

  private take(topic: string, payload: Buffer): void {
    const m = TOPIC.exec(topic)
    if (!m) return
    const id = m[1]!
    if (!this.states.has(id) && this.states.size >= MAX_DEVICES) return
    const cur = { ...this.get(id) }
    if (payload.length === 0) return void this.states.delete(id)
    if (m[2] === 'state') {
      try {
        cur.state = JSON.parse(payload.toString('utf8')) as Record<string, unknown>
      } catch {
        return
      }
    } else cur.availability = payload.toString() === 'online' ? 'online' : 'offline'
    this.states.set(id, cur)
    this.emit('update', id, cur)
  }
}
