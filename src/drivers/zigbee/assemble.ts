import type { Clock } from '../../core/clock.js'
import type { Config } from '../../core/config-schema.js'
import { HubError } from '../../core/errors.js'
import type { Logger } from '../../core/log.js'
import type { AccountService } from '../../devices/accounts.js'
import type { Bus } from '../../devices/discovery.js'
import type { HubIdentity } from '../../identity/identity.js'
import { PairingService, type PairingStatus } from '../../pairing/pairing.js'
import { SecurityEvents, type SecurityEvent } from '../../pairing/security-events.js'
import { DEFAULT_BACKOFF, type BackoffOptions } from '../../policy/backoff.js'
import type { Store } from '../../store/store.js'
import { parseInstallCode } from '../../policy/install-code.js'
import { openStream as defaultOpenStream, type OpenStream } from '../znp/transport.js'
import { ZigbeeBridge } from './bridge.js'
import { ZigbeeCoordinator } from './coordinator.js'
import { ZigbeeRegistry } from './registry.js'

export interface ZigbeeStatus {
  configured: boolean
  online: boolean
  port?: string
  version?: string
  lastError?: string
  pairing: PairingStatus
  stats: Record<string, number>
  securityEvents: readonly SecurityEvent[]
}

export interface RunningZigbee {
  pairing: PairingService
  events: SecurityEvents
  status(): ZigbeeStatus
  /**
   * Registers a device's install code (as printed: hex, CRC-16/X-25 checked) for its IEEE address,
   * sealed in zigbee.json and sent to the stick (BDB_ADD_INSTALLCODE, code+CRC format).
   */
  addInstallCode(ieee: string, text: string): Promise<void>
  /**
   * Factory wipe, before the erase: asks every paired device to leave (best effort, bounded by
   * `withinMs`; an offline stick or a sleeping device just stays behind on a network whose key is
   * about to be regenerated, so it can no longer talk to the hub either way).
   */
  leaveAll(withinMs: number): Promise<{ asked: number; left: number }>
  close(): Promise<void>
}

/**
 * Puts Zigbee together for the composition root: coordinator driver, device registry, bridge,
 * pairing. With no `zigbee.port` only pairing status exists (it says Zigbee is not set up).
 * The network parameters are the ones the identity provisioned and sealed at first run.
 */
export async function startZigbee(deps: {
  config: Config['zigbee']
  identity: HubIdentity
  store: Store
  accounts: AccountService
  bus: Bus
  clock: Clock
  log: Logger
  openStream?: OpenStream
  backoff?: BackoffOptions
  rereadSpacingMs?: number
  /** Security events also go to the hub's security log (the security page). */
  onAlert?: (message: string) => void
}): Promise<RunningZigbee> {
  const { config, clock, log } = deps
  const events = new SecurityEvents({ clock, log, ...(deps.onAlert ? { onRaise: deps.onAlert } : {}) })
  if (!config.port) {
    const pairing = new PairingService({ clock, log, defaultSeconds: config.pairingSeconds, online: () => false })
    return {
      pairing,
      events,
      status: () => ({ configured: false, online: false, pairing: pairing.status(), stats: {}, securityEvents: events.list() }),
      addInstallCode: async () => {
        throw new HubError('HUB_ERR_CONFLICT', 'Zigbee is not set up on this hub: configure zigbee.port with a coordinator stick')
      },
      leaveAll: async () => ({ asked: 0, left: 0 }),
      close: async () => {},
    }
  }
  const registry = await ZigbeeRegistry.open(deps.store)
  const sealer = deps.store.sealer
  const coordinator = new ZigbeeCoordinator({
    port: config.port,
    openStream: deps.openStream ?? defaultOpenStream,
    network: deps.identity.zigbee,
    clock,
    random: Math.random,
    backoff: deps.backoff ?? DEFAULT_BACKOFF,
    log,
    strictInstallCodes: () => config.strictInstallCodes,
    installCodes: () => registry.installCodes().map((c) => ({ ieee: c.ieee, code: sealer.open(c.code) })),
  })
  const pairing = new PairingService({ clock, log, defaultSeconds: config.pairingSeconds, permitJoin: (s) => coordinator.permitJoin(s), online: () => coordinator.online })
  coordinator.on('offline', () => pairing.stop())
  const bridge = new ZigbeeBridge({
    coordinator, registry, accounts: deps.accounts, bus: deps.bus, pairing, events, clock, random: Math.random, log,
    ...(deps.rereadSpacingMs !== undefined ? { rereadSpacingMs: deps.rereadSpacingMs } : {}),
  })
  bridge.start()
  await coordinator.open()
  return {
    pairing,
    events,
    status: () => ({
      configured: true,
      online: coordinator.online,
      port: config.port,
      ...(coordinator.version ? { version: coordinator.version } : {}),
      ...(coordinator.lastError ? { lastError: coordinator.lastError } : {}),
      pairing: pairing.status(),
      stats: { ...coordinator.stats(), ...bridge.stats() },
      securityEvents: events.list(),
    }),
    async addInstallCode(ieeeText, text) {
      const ieee = ieeeText.toLowerCase().replace(/^0x/, '').replace(/[:-]/g, '')
      if (!/^[0-9a-f]{16}$/.test(ieee)) throw new HubError('HUB_ERR_BAD_REQUEST', 'the IEEE address is 16 hex digits')
      const parsed = parseInstallCode(text)
      if (!parsed.ok) throw new HubError('HUB_ERR_BAD_REQUEST', `not a valid install code (${parsed.reason})`)
      const code = Buffer.from(parsed.codeWithCrc)
      await registry.putInstallCode(ieee, sealer.seal(code))
      if (coordinator.online) await coordinator.addInstallCode(ieee, code)
    },
    async leaveAll(withinMs) {
      const devices = coordinator.online ? registry.all() : []
      let left = 0
      const asks = Promise.all(devices.map((d) => coordinator.leave(d.nwk, d.ieee).then(() => void left++, () => undefined)))
      await Promise.race([asks, new Promise((r) => clock.setTimeout(() => r(undefined), withinMs))])
      log.warn({ asked: devices.length, left }, 'factory wipe: Zigbee devices asked to leave')
      return { asked: devices.length, left }
    },
    async close() {
      pairing.stop()
      bridge.stop()
      await coordinator.close()
    },
  }
}
