import type { Logger } from '../core/log.js'
import { homeAssistantDiscovery } from '../policy/device-kinds.js'
import type { AccountService, AccountView } from './accounts.js'

/** How services publish on the internal bus (the broker) as the hub itself. */
export interface Bus {
  publish(topic: string, payload: string | Buffer, opts: { retain: boolean; qos?: 0 | 1 }): Promise<void>
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): void
}

/**
 * Home Assistant MQTT discovery: retained configs under `homeassistant/` for every device, so a
 * Home Assistant pointed at the hub with an integration account shows them with no manual setup.
 * Re-sent when Home Assistant announces itself (`homeassistant/status` = `online`); removed
 * (empty retained payloads) with the device, together with its retained state.
 */
export class DiscoveryPublisher {
  /** Per device: the topics published and what they said (name and kind), to spot renames. */
  private readonly published = new Map<string, { topics: string[]; said: string }>()
  /** One pass at a time; changes during a pass ask for one more (a burst of 2,000 adds is two passes, not 2,000). */
  private running: Promise<void> | undefined
  private again = false
  private forceNext = false

  constructor(
    private readonly deps: { accounts: AccountService; bus: Bus; hubId: string; log: Logger },
  ) {}

  start(): void {
    this.deps.bus.subscribe('homeassistant/status', (_t, payload) => {
      if (payload.toString() === 'online') void this.publishAll(true)
    })
    this.deps.accounts.on('changed', () => void this.publishAll(false))
    void this.publishAll(false)
  }

  /** Publishes configs for new or changed devices (all if `force`), and clears those of devices that are gone. */
  publishAll(force: boolean): Promise<void> {
    this.forceNext ||= force
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        do {
          this.again = false
          const f = this.forceNext
          this.forceNext = false
          await this.pass(f)
        } while (this.again)
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  private async pass(force: boolean): Promise<void> {
    const devices = this.deps.accounts.devices()
    const current = new Set(devices.map((d) => d.username))
    for (const [id, { topics }] of this.published)
      if (!current.has(id)) {
        for (const t of [...topics, `hearth/${id}/state`, `hearth/${id}/availability`]) await this.deps.bus.publish(t, '', { retain: true })
        this.published.delete(id)
      }
    for (const d of devices) if (force || this.published.get(d.username)?.said !== said(d)) await this.publishDevice(d)
  }

  private async publishDevice(d: AccountView): Promise<void> {
    if (!d.kind) return
    const configs = homeAssistantDiscovery({ id: d.username, name: d.name, kind: d.kind }, this.deps.hubId)
    for (const c of configs) await this.deps.bus.publish(c.topic, JSON.stringify(c.payload), { retain: true, qos: 1 })
    this.published.set(d.username, { topics: configs.map((c) => c.topic), said: said(d) })
  }
}

const said = (d: AccountView) => JSON.stringify([d.name, d.kind])
