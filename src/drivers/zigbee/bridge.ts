import type { Clock, TimerHandle } from '../../core/clock.js'
import type { Logger } from '../../core/log.js'
import type { AccountService } from '../../devices/accounts.js'
import type { Bus } from '../../devices/discovery.js'
import type { PairingService } from '../../pairing/pairing.js'
import type { SecurityEvents } from '../../pairing/security-events.js'
import { encodeReadAttributes, modelFor, toState } from '../zcl/index.js'
import { CommandSender } from './commands.js'
import type { ZigbeeCoordinator } from './coordinator.js'
import { interview } from './interview.js'
import type { ZigbeeRegistry } from './registry.js'
import { StatePublisher } from './state-publisher.js'
import { Sequence, zclRequest } from './zcl-io.js'

export interface BridgeDeps {
  coordinator: ZigbeeCoordinator
  registry: ZigbeeRegistry
  accounts: AccountService
  bus: Bus
  pairing: PairingService
  events: SecurityEvents
  clock: Clock
  random: () => number
  log: Logger
  /** Re-reads after a (re)start are spread this far apart per device (issue 7: no thundering herd). */
  rereadSpacingMs?: number
}

/**
 * Zigbee devices as hub devices: admits joins only inside a pairing window (else: told to leave,
 * security event), interviews and registers newcomers, publishes state and availability for
 * them, carries commands to them, and makes a removed device leave the network.
 */
export class ZigbeeBridge {
  private readonly seq = new Sequence()
  private readonly interviewing = new Set<string>()
  private readonly refused = new Map<string, number>()
  private rereads: TimerHandle[] = []
  readonly states: StatePublisher
  readonly commands: CommandSender
  readonly counters = { joined: 0, rejoined: 0, refused: 0, interviewFailures: 0, removed: 0, rereads: 0 }

  constructor(private readonly deps: BridgeDeps) {
    const { coordinator, registry, bus, log } = deps
    this.states = new StatePublisher({ bus, log, coordinator, seq: this.seq, device: (nwk) => registry.byNwk(nwk) })
    this.commands = new CommandSender({ bus, log, coordinator, seq: this.seq, device: (id) => registry.byId(id) })
  }

  start(): void {
    const { coordinator: z, accounts, log } = this.deps
    this.commands.start()
    z.on('message', (m) => void this.states.onMessage(m).catch((err) => log.warn({ err: (err as Error).message }, 'report not published')))
    z.on('joined', (j) => void this.onJoin(j).catch((err) => log.warn({ err: (err as Error).message }, 'join handling failed')))
    z.on('left', (l) => {
      const dev = this.deps.registry.byIeee(l.ieee)
      if (dev) void this.availability(dev.id, 'offline')
    })
    z.on('online', () => this.onOnline())
    z.on('offline', () => this.onOffline())
    accounts.on('revoked', (id) => {
      if (this.deps.registry.byId(id) && !accounts.get(id)) void this.remove(id)
    })
  }

  stop(): void {
    for (const t of this.rereads) this.deps.clock.clearTimeout(t)
    this.rereads = []
  }

  stats(): Record<string, number> {
    return { ...this.counters, ...prefix('reports.', this.states.counters), ...prefix('commands.', this.commands.counters), devices: this.deps.registry.all().length }
  }

  private async onJoin(j: { nwk: number; ieee: string; via: 'tc' | 'announce' }): Promise<void> {
    const { registry, pairing, coordinator: z, log } = this.deps
    const known = registry.byIeee(j.ieee)
    if (known) {
      if (j.via === 'announce') this.counters.rejoined++
      await registry.setNwk(j.ieee, j.nwk)
      return this.availability(known.id, 'online')
    }
    if (this.interviewing.has(j.ieee)) return
    if (!pairing.isOpen()) return this.refuse(j)
    // The interview starts once the device announces itself (it is ready to answer then).
    if (j.via !== 'announce') return
    this.interviewing.add(j.ieee)
    try {
      const r = await interview(z, j, this.seq, log.child({ ieee: j.ieee }))
      const name = deviceName(r.manufacturer, r.modelId, r.model.kind)
      const { id } = await this.deps.accounts.addZigbeeDevice(name, r.model.kind, j.ieee)
      await registry.put({
        id, ieee: j.ieee, nwk: j.nwk, endpoint: r.model.endpoint, kind: r.model.kind,
        inClusters: r.inClusters,
        ...(r.manufacturer ? { manufacturer: r.manufacturer } : {}),
        ...(r.modelId ? { model: r.modelId } : {}),
        ...(r.iasZoneType !== undefined ? { iasZoneType: r.iasZoneType } : {}),
      })
      log.info({ id, ieee: j.ieee, kind: r.model.kind }, 'Zigbee device paired')
      await this.availability(id, 'online')
      await this.states.publish({ id, kind: r.model.kind }, r.state)
      this.counters.joined++
    } catch (err) {
      this.counters.interviewFailures++
      log.warn({ ieee: j.ieee, err: (err as Error).message }, 'Zigbee interview failed: the device is told to leave')
      await z.leave(j.nwk, j.ieee).catch(() => undefined)
    } finally {
      this.interviewing.delete(j.ieee)
    }
  }

  /** A join outside a window (a router still permitting, a replayed rejoin): leave + security event. */
  private async refuse(j: { nwk: number; ieee: string }): Promise<void> {
    const now = this.deps.clock.monotonicMs()
    // TC_DEV_IND and END_DEVICE_ANNCE of one join are one event.
    if (now - (this.refused.get(j.ieee) ?? -Infinity) < 5000) return
    this.refused.set(j.ieee, now)
    if (this.refused.size > 1000) this.refused.delete(this.refused.keys().next().value!)
    this.counters.refused++
    this.deps.events.raise('zigbee-join-refused', { ieee: j.ieee, nwk: j.nwk }, 'a Zigbee device joined outside a pairing window; it was told to leave')
    await this.deps.coordinator.leave(j.nwk, j.ieee).catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'leave request failed'))
  }

  /** The device was removed in the hub: make it leave the network, then forget it. */
  private async remove(id: string): Promise<void> {
    const dev = this.deps.registry.byId(id)
    if (!dev) return
    if (this.deps.coordinator.online) await this.deps.coordinator.leave(dev.nwk, dev.ieee).catch((err) => this.deps.log.warn({ id, err: (err as Error).message }, 'leave request failed'))
    else this.deps.log.warn({ id }, 'coordinator offline: removed device was not told to leave (it will be refused if it comes back)')
    await this.deps.registry.forget(id)
    this.states.forget(id)
    this.counters.removed++
  }

  private async availability(id: string, value: 'online' | 'offline'): Promise<void> {
    // Never thrown (callers do not wait), but never silent: a lost availability is worth a line.
    await this.deps.bus
      .publish(`hearth/${id}/availability`, value, { retain: true, qos: 1 })
      .catch((err) => this.deps.log.warn({ device: id, availability: value, err: (err as Error).message }, 'availability not published'))
  }

  private onOnline(): void {
    const spacing = this.deps.rereadSpacingMs ?? 2000
    this.deps.registry.all().forEach((dev, i) => {
      void this.availability(dev.id, 'online')
      // Staggered, jittered re-reads: a hundred devices are not all asked at once after a restart.
      const t = this.deps.clock.setTimeout(() => void this.reread(dev.id), (i + this.deps.random()) * spacing)
      t.unref?.()
      this.rereads.push(t)
    })
  }

  private onOffline(): void {
    this.stop()
    for (const dev of this.deps.registry.all()) void this.availability(dev.id, 'offline')
  }

  private async reread(id: string): Promise<void> {
    const dev = this.deps.registry.byId(id)
    if (!dev || !this.deps.coordinator.online) return
    const m = modelFor([{ endpoint: dev.endpoint, inClusters: dev.inClusters }], dev.iasZoneType === undefined ? {} : { iasZoneType: dev.iasZoneType })
    if (!m.ok) return
    this.counters.rereads++
    for (const r of m.model.read) {
      const s = this.seq.next()
      try {
        const f = await zclRequest(this.deps.coordinator, dev.nwk, dev.endpoint, encodeReadAttributes(r.clusterId, r.ids, s), s)
        await this.states.publish(dev, toState(r.clusterId, f, dev.iasZoneType === undefined ? {} : { iasZoneType: dev.iasZoneType }).state)
      } catch {
        // An asleep end device answers later with a report; nothing to do.
      }
    }
  }
}

function deviceName(manufacturer: string | undefined, model: string | undefined, kind: string): string {
  const name = [manufacturer, model].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim().slice(0, 64).trim()
  return name || `Zigbee ${kind}`
}

function prefix(p: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [p + k, v]))
}
