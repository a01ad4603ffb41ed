import { HubError } from '../../core/errors.js'
import type { Logger } from '../../core/log.js'
import type { Bus } from '../../devices/discovery.js'
import { validateCommand } from '../../policy/device-kinds.js'
import { commandsFor, encodeCommand } from '../zcl/index.js'
import type { ZigbeeCoordinator } from './coordinator.js'
import type { ZigbeeDeviceRecord } from './registry.js'
import type { Sequence } from './zcl-io.js'

/**
 * Commands on `hearth/<id>/set` for Zigbee devices → ZCL (genOnOff, genLevelCtrl) → AF data
 * requests. A command the kind refuses, an offline coordinator or a failed AF_DATA_CONFIRM is
 * published on `hearth/<id>/error` (not retained) with a code: the sender hears of it, never silence.
 */
export class CommandSender {
  readonly counters = { commands: 0, delivered: 0, failed: 0, refused: 0 }

  constructor(private readonly deps: { bus: Bus; log: Logger; coordinator: ZigbeeCoordinator; seq: Sequence; device: (id: string) => ZigbeeDeviceRecord | undefined }) {}

  start(): void {
    this.deps.bus.subscribe('hearth/+/set', (topic, payload) => {
      const id = topic.split('/')[1]!
      const dev = this.deps.device(id)
      if (dev) void this.handle(dev, payload)
    })
  }

  async handle(dev: ZigbeeDeviceRecord, payload: Buffer): Promise<void> {
    this.counters.commands++
    const check = validateCommand(dev.kind, payload, 1024)
    if (!check.ok) {
      this.counters.refused++
      return this.error(dev, 'HUB_ERR_BAD_REQUEST', `command refused: ${check.detail}`)
    }
    try {
      for (const c of commandsFor(dev.kind, check.value)) {
        const out = encodeCommand(c, this.deps.seq.next())
        await this.deps.coordinator.sendZcl(dev.nwk, dev.endpoint, out.clusterId, out.data)
      }
      this.counters.delivered++
    } catch (err) {
      this.counters.failed++
      const e = err instanceof HubError ? err : new HubError('HUB_ERR_INTERNAL', 'command failed')
      this.deps.log.warn({ id: dev.id, code: e.code, err: e.message }, 'Zigbee command failed')
      await this.error(dev, e.code, e.message)
    }
  }

  private async error(dev: ZigbeeDeviceRecord, code: string, message: string): Promise<void> {
    await this.deps.bus.publish(`hearth/${dev.id}/error`, JSON.stringify({ code, message }), { retain: false, qos: 1 }).catch(() => undefined)
  }
}
