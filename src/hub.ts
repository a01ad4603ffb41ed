import path from 'node:path'
import { startAdminServer, type AdminMethod } from './admin/server.js'
import { adminMethods } from './admin/methods.js'
import { SOCKET_NAME } from './admin/protocol.js'
import { startBroker, type RunningBroker } from './broker/assemble.js'
import type { BrokerStats } from './broker/stats.js'
import { AccountService } from './devices/accounts.js'
import type { Bus } from './devices/discovery.js'
import type { Config } from './core/config-schema.js'
import type { Logger } from './core/log.js'
import { systemClock } from './core/clock.js'
import { hubHostname, lanAddresses, loadIdentity, type HubIdentity } from './identity/identity.js'
import { fingerprint } from './identity/tls.js'
import { Store } from './store/store.js'
import { randomBytes } from './store/sealer.js'
import { listen } from './system/listen.js'
import { buildInfo, packageRoot, SUPPORT_END } from './system/paths.js'
import { createWebServer } from './web/server.js'
import { startHubFirewall, type HubFirewall } from './net/hub-firewall.js'
import { DeviceAddresses } from './net/device-addresses.js'
import { loadAssets } from './web/assets.js'
import { SessionStore } from './web/sessions.js'
import { OwnerService } from './owner/owner.js'
import { DeviceStateCache } from './devices/state-cache.js'
import { LoginThrottle } from './policy/login-throttle.js'
import { startZigbee, type ZigbeeStatus } from './drivers/zigbee/assemble.js'
import { pairingMethods } from './admin/pairing-methods.js'
import { HidButtonDriver, NodeHidTransport } from './drivers/hid/index.js'

export interface HubStatus {
  hubId: string
  pid: number
  model: string
  version: string
  hostname: string
  claimed: boolean
  uptimeSeconds: number
  dataDir: string
  listeners: { mqtts: { host: string; port: number }; https: { host: string; port: number } }
  tlsFingerprint: string
  broker: ReturnType<BrokerStats['snapshot']>
  zigbee: ZigbeeStatus
}

export interface RunningHub {
  status(): HubStatus
  identity: HubIdentity
  /** The internal bus (the broker), for services and tests that publish as the hub. */
  bus(): Bus
  stop(): Promise<void>
}


/**
 * The composition root: builds every part of the hub from the config, starts it, and returns a
 * handle to stop it. Parts get what they need passed in; nothing is a module-level singleton.
 * If any part fails to start, those already started are stopped again before the error rises.
 */
export async function startHub(config: Config, log: Logger): Promise<RunningHub> {
  const started = Date.now()
  const closers: Array<() => Promise<void> | void> = []
  const stop = async () => {
    for (const close of closers.reverse()) {
      try {
        await close()
      } catch (err) {
        log.warn({ err }, 'error while stopping')
      }
    }
    closers.length = 0
  }
  try {
    const store = await Store.open(config.dataDir, log.child({ module: 'store' }))
    closers.push(() => store.close())
    // The admin socket doubles as the data dir's lock: take it before anything is written.
    const methods: Record<string, AdminMethod> = {}
    const admin = await startAdminServer(path.join(config.dataDir, SOCKET_NAME), methods, log.child({ module: 'admin' }))
    closers.push(() => admin.close())
    await store.removeLeftovers()
    const identity = await loadIdentity(store, {
      random: randomBytes,
      hostname: hubHostname(config.hostname),
      addresses: lanAddresses(),
      log: log.child({ module: 'identity' }),
      wallMs: systemClock.wallMs(),
    })
    const info = buildInfo()
    let broker: RunningBroker
    const ports = { mqtts: 0, https: 0 }
    const status = (): HubStatus => ({
      hubId: identity.hubId,
      pid: process.pid,
      ...info,
      hostname: identity.hostname,
      claimed: identity.claimed,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      dataDir: config.dataDir,
      listeners: { mqtts: { host: config.mqtt.host, port: ports.mqtts }, https: { host: config.http.host, port: ports.https } },
      tlsFingerprint: fingerprint(identity.tls.cert),
      broker: broker.stats.snapshot(),
      zigbee: zigbee.status(),
    })
    const accounts = await AccountService.open(store, { tokenKey: identity.tokenKey, random: randomBytes, clock: systemClock })
    broker = await startBroker({ config: config.mqtt, identity, store, accounts, log: log.child({ module: 'broker' }) })
    closers.push(() => broker.close())
    // Zigbee: the coordinator on zigbee.port (or none: the hub runs without it and says so).
    const zigbee = await startZigbee({ config: config.zigbee, identity, store, accounts, bus: broker.bus, clock: systemClock, log: log.child({ module: 'zigbee' }) })
    closers.push(() => zigbee.close())

    let firewall: HubFirewall | undefined
    const owner = await OwnerService.open(store, { setupCode: () => identity.setupCode, markClaimed: (c) => identity.setClaimed(c), clock: systemClock })
    if (owner.claimed !== identity.claimed) await identity.setClaimed(owner.claimed)
    const states = new DeviceStateCache(broker.bus)
    const sessions = new SessionStore(systemClock)
    const web = createWebServer({
      tls: identity.tls,
      log: log.child({ module: 'web' }),
      clock: systemClock,
      owner,
      sessions,
      throttle: new LoginThrottle(),
      accounts,
      states,
      about: () => ({ ...info, hubId: identity.hubId, supportEnd: SUPPORT_END }),
      security: () => {
        const s = status()
        return {
          tlsFingerprint: s.tlsFingerprint,
          hostname: s.hostname,
          uptimeSeconds: s.uptimeSeconds,
          setupCodeValid: !owner.claimed,
          listeners: s.listeners,
          broker: s.broker,
          firewall: firewall?.status(),
        }
      },
      // A name a device can reach and the certificate covers: the mDNS name when serving the LAN.
      mqtt: () => ({
        host: ['0.0.0.0', '::'].includes(config.mqtt.host) ? `${identity.hostname}.local` : config.mqtt.host,
        port: ports.mqtts,
        caFingerprint: fingerprint(identity.tls.ca),
        ca: identity.tls.ca,
      }),
      pairing: zigbee.pairing,
      installCode: (ieee, code) => zigbee.addInstallCode(ieee, code),
      publishCommand: (id, payload) => broker.bus.publish(`hearth/${id}/set`, payload, { retain: false, qos: 1 }),
      assets: await loadAssets(path.join(packageRoot(), 'web-ui', 'dist')),
    })
    closers.push(() => web.close())
    Object.assign(
      methods,
      adminMethods({
        status,
        setupCode: () => identity.setupCode,
        claimed: () => identity.claimed,
        accounts,
        owner,
        onOwnerReset: () => sessions.destroyOthers(undefined),
        policy: () => firewall?.status(),
      }),
      pairingMethods(zigbee),
    )

    ports.mqtts = (await broker.handle.listen()).mqtts
    await web.ready()
    ports.https = await listen(web.server, config.http.port, config.http.host, 'http.port')
    // Least-privilege host firewall for the ports just bound (EN 303 645 5.6; in the image the
    // helper unit has already applied the last known policy at boot).
    const fwLog = log.child({ module: 'firewall' })
    firewall = await startHubFirewall({
      config: config.firewall,
      dataDir: config.dataDir,
      listeners: () => ({ mqtts: ports.mqtts, https: ports.https, ...(config.mqtt.plainPort > 0 ? { mqttPlainLoopback: config.mqtt.plainPort } : {}) }),
      log: fwLog,
      onAlert: (alert) => fwLog.error({ code: alert.code, reason: alert.reason }, 'ALERT: the host firewall is not in force'),
    })
    const fw = firewall
    closers.push(() => fw.close())
    const addresses = new DeviceAddresses((devices) => void fw.setIpDevices(devices))
    broker.onDeviceSeen((id, address) => addresses.seen(id, address))
    accounts.on('revoked', (username) => accounts.get(username) === undefined && addresses.forget(username))

    // --- The hub's own USB HID button (issue 5 item 10). Absent or unplugged is normal: the
    // driver stays offline and says so. A press opens pairing (zigbee.pairingSeconds). TODO(lead): hold → factory-wipe flow,
    // button.status() into the hub status, once the pairing and wipe services land.
    if (config.hid.button.enabled) {
      const buttonLog = log.child({ module: 'hid-button' })
      const button = new HidButtonDriver({ transport: new NodeHidTransport(), clock: systemClock, random: Math.random /* backoff jitter only, not a secret */, log: buttonLog, press: { holdMs: config.hid.button.holdSeconds * 1000 } })
      button.on('press', () => void zigbee.pairing.open().catch((err: Error) => buttonLog.warn({ err: err.message }, 'button press: pairing not opened')))
      button.on('hold', () => buttonLog.warn('button hold: the factory wipe is not wired yet'))
      closers.push(() => button.close())
      await button.open()
    } else log.info({ module: 'hid-button' }, 'HID button disabled (hid.button.enabled is false)')
    // --- end HID button
    return { status, identity, bus: () => broker.bus, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
