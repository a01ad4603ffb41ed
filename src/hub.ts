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
import { UplinkService } from './uplink/service.js'
import { uplinkAdminMethods } from './uplink/admin.js'

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
    })
    const accounts = await AccountService.open(store, { tokenKey: identity.tokenKey, random: randomBytes, clock: systemClock })
    broker = await startBroker({ config: config.mqtt, identity, store, accounts, log: log.child({ module: 'broker' }) })
    closers.push(() => broker.close())

    let firewall: HubFirewall | undefined
    const owner = await OwnerService.open(store, { setupCode: () => identity.setupCode, markClaimed: (c) => identity.setClaimed(c), clock: systemClock })
    if (owner.claimed !== identity.claimed) await identity.setClaimed(owner.claimed)
    const states = new DeviceStateCache(broker.bus)
    // Optional uplink (off until the owner enables it); it only listens on the bus.
    const uplink = await UplinkService.open({
      config: config.uplink,
      hubId: identity.hubId,
      store,
      bus: broker.bus,
      kindOf: (id) => accounts.kindOf(id),
      maxPayloadBytes: config.mqtt.maxPacketBytes,
      clock: systemClock,
      random: Math.random,
      log: log.child({ module: 'uplink' }),
    })
    closers.push(() => uplink.close())
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
      uplink,
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
      uplinkAdminMethods(uplink),
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
    return { status, identity, bus: () => broker.bus, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
