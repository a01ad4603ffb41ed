import type { Logger } from '../../core/log.js'
import type { Bus } from '../../devices/discovery.js'
import { validateState, type DeviceKind } from '../../policy/device-kinds.js'
import { decodeZcl, encodeIasEnrollResponse, shapeState, toState, type StateValue } from '../zcl/index.js'
import type { IncomingMsg, ZigbeeCoordinator } from './coordinator.js'
import type { ZigbeeDeviceRecord } from './registry.js'
import type { Sequence } from './zcl-io.js'

/**
 * Reports → validated state on the bus. One report's way: AF_INCOMING_MSG → ZCL decode →
 * cluster/attribute to state field (sentinels and out-of-range values rejected) → the device
 * kind's schema (the same validator as an MQTT device's publish) → merged with the last state →
 * `hearth/<id>/state`, retained. Anything refused is counted, never published.
 */
export class StatePublisher {
  private readonly last = new Map<string, Record<string, StateValue>>()
  readonly counters = { reports: 0, published: 0, undecodable: 0, rejectedValues: 0, unknownSource: 0, enrolled: 0 }

  constructor(
    private readonly deps: { bus: Bus; log: Logger; coordinator: ZigbeeCoordinator; seq: Sequence; device: (nwk: number) => ZigbeeDeviceRecord | undefined },
  ) {}

  async onMessage(msg: IncomingMsg): Promise<void> {
    const dev = this.deps.device(msg.src)
    if (!dev) return void this.counters.unknownSource++
    this.counters.reports++
    const d = decodeZcl(msg.cluster, msg.data)
    if (!d.ok) {
      this.counters.undecodable++
      this.deps.log.debug({ id: dev.id, cluster: msg.cluster, reason: d.reason }, 'ZCL frame dropped')
      return
    }
    if (d.frame.command.name === 'zoneEnrollRequest') {
      // ZCL 8.2.2.3.1: answer the zone's enroll request (zone id 1: one zone per device here).
      const out = encodeIasEnrollResponse(this.deps.seq.next(), { code: 0, zoneId: 1 })
      await this.deps.coordinator.sendZcl(msg.src, msg.srcEp, out.clusterId, out.data).catch(() => undefined)
      this.counters.enrolled++
      return
    }
    const r = toState(msg.cluster, d.frame, dev.iasZoneType === undefined ? {} : { iasZoneType: dev.iasZoneType })
    this.counters.rejectedValues += r.rejected.length
    await this.publish(dev, r.state)
  }

  /** Validates and publishes state fields for a device (merged with its last known state). */
  async publish(dev: { id: string; kind: DeviceKind }, fields: Record<string, StateValue>): Promise<void> {
    const shaped = shapeState(dev.kind, fields)
    this.counters.rejectedValues += shaped.rejected.length
    if (Object.keys(shaped.payload).length === 0) return
    const next = { ...this.last.get(dev.id), ...shaped.payload }
    const body = Buffer.from(JSON.stringify(next))
    // The kind's schema once more on the whole payload: what goes on the bus is what an MQTT
    // device would have been allowed to publish.
    if (!validateState(dev.kind, body, 4096).ok) return void this.counters.rejectedValues++
    this.last.set(dev.id, next)
    this.counters.published++
    await this.deps.bus.publish(`hearth/${dev.id}/state`, body, { retain: true, qos: 1 })
  }

  forget(id: string): void {
    this.last.delete(id)
  }
}
