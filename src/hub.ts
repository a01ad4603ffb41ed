import path from 'node:path'
import { startAdminServer, type AdminMethod } from './admin/server.js'
import { adminMethods } from './admin/methods.js'
import { updateMethods } from './update/admin.js'
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
import { createRedirectServer } from './web/redirect.js'
import { X509Certificate } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { startHubFirewall, type HubFirewall } from './net/hub-firewall.js'
import { DeviceAddresses } from './net/device-addresses.js'
import { loadAssets } from './web/assets.js'
import { SessionStore } from './web/sessions.js'
import { OwnerService } from './owner/owner.js'
import { DeviceStateCache } from './devices/state-cache.js'
import { LoginThrottle } from './policy/login-throttle.js'
import { SecurityLog } from './monitor/security-log.js'
import { HidButtonDriver, NodeHidTransport, withExtraDevices, type HidTransport } from './drivers/hid/index.js'
import { prepareDataDir } from './store/data-dir.js'
import { WipeService, type WipeParticipant, type WipeTrigger } from './privacy/wipe.js'
import { ConsentLedger } from './privacy/consent.js'
import { StateHistory } from './privacy/history.js'
import { PersonalData } from './privacy/personal-data.js'
import { privacyAdminMethods } from './privacy/admin.js'
import { startZigbee, type ZigbeeStatus } from './drivers/zigbee/assemble.js'
import { pairingMethods } from './admin/pairing-methods.js'
import { assembleUpdates, type UpdateTestDeps } from './update/assemble.js'
import { UplinkService, UPLINK_PURPOSE } from './uplink/service.js'
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
  listeners: { mqtts: { host: string; port: number }; https: { host: string; port: number }; httpRedirect?: { host: string; port: number } }
  tlsFingerprint: string
  broker: ReturnType<BrokerStats['snapshot']>
  zigbee: ZigbeeStatus
}

export interface RunningHub {
  status(): HubStatus
  identity: HubIdentity
  /** The internal bus (the broker), for services and tests that publish as the hub. */
  bus(): Bus
  /** Asks for a factory wipe (the hub button's way in; the web UI and CLI use routes/methods). */
  wipe: WipeTrigger
  /** Resolves once a restart in progress (after a wipe) has finished. */
  settled(): Promise<void>
  stop(): Promise<void>
}

/** Start options that are not settings (the composition root's own seams). */
export interface HubOptions {
  /** Test hook: a pause between the factory wipe's steps, so a test can kill it at each. */
  wipeStepDelayMs?: number
  /** Called if the hub cannot come back after a wipe's restart (main exits; the next start finishes). */
  onFatal?: (err: unknown) => void
  /** Parts outside the data dir's documents that must wipe too (the Zigbee coordinator, …). */
  participants?: WipeParticipant[]
  /** The USB HID bus (node-hid unless a test passes a fake at this interface). */
  hidTransport?: HidTransport
  /** Asks whoever started the hub to stop it and start it again from the current slot. */
  restart?: (reason: string) => void
  /** Test-only seams (never reachable from config, env or flags). */
  test?: { update?: UpdateTestDeps; /** Sees the web app once built (e.g. to compile every lazy schema). */ web?: (app: FastifyInstance) => void }
}


/**
 * The composition root: builds every part of the hub from the config, starts it, and returns a
 * handle to stop it. Parts get what they need passed in; nothing is a module-level singleton.
 * If any part fails to start, those already started are stopped again before the error rises.
 */
async function startHubOnce(config: Config, log: Logger, opts: HubOptions & { onWipe: () => void }): Promise<Omit<RunningHub, 'settled' | 'wipe'> & { wipe: WipeTrigger }> {
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
    await prepareDataDir(config.dataDir, log.child({ module: 'store' }))
    // The admin socket doubles as the data dir's lock: take it before anything is written.
    const methods: Record<string, AdminMethod> = {}
    const admin = await startAdminServer(path.join(config.dataDir, SOCKET_NAME), methods, log.child({ module: 'admin' }))
    closers.push(() => admin.close())
    // A factory wipe that was committed (even one a power cut interrupted) is finished first:
    // the data dir is erased before the store opens, so nothing old is ever loaded or served.
    const delay = opts.wipeStepDelayMs ?? 0
    const wipe = await WipeService.open({
      dataDir: config.dataDir,
      clock: systemClock,
      log: log.child({ module: 'wipe' }),
      counts: () => personal.counts(),
      restart: opts.onWipe,
      ...(delay > 0 ? { stepHook: () => new Promise<void>((r) => setTimeout(r, delay)) } : {}),
    })
    for (const p of opts.participants ?? []) wipe.register(p)
    const store = await Store.open(config.dataDir, log.child({ module: 'store' }))
    closers.push(() => store.close())
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
    const ports = { mqtts: 0, https: 0, httpRedirect: 0 }
    const status = (): HubStatus => ({
      hubId: identity.hubId,
      pid: process.pid,
      ...info,
      hostname: identity.hostname,
      claimed: identity.claimed,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      dataDir: config.dataDir,
      listeners: {
        mqtts: { host: config.mqtt.host, port: ports.mqtts },
        https: { host: config.http.host, port: ports.https },
        ...(ports.httpRedirect ? { httpRedirect: { host: config.http.host, port: ports.httpRedirect } } : {}),
      },
      tlsFingerprint: fingerprint(identity.tls.cert),
      broker: broker.stats.snapshot(),
      zigbee: zigbee.status(),
    })
    const securityLog = new SecurityLog(systemClock)
    const accounts = await AccountService.open(store, { tokenKey: identity.tokenKey, random: randomBytes, clock: systemClock })
    broker = await startBroker({
      config: config.mqtt,
      identity,
      store,
      accounts,
      log: log.child({ module: 'broker' }),
      onLoginRefused: (address) => securityLog.record('mqtt-login-refused', 'MQTT connection with a wrong username or token', address),
    })
    closers.push(() => broker.close())
    // Zigbee: the coordinator on zigbee.port (or none: the hub runs without it and says so).
    const zigbee = await startZigbee({
      config: config.zigbee,
      identity,
      store,
      accounts,
      bus: broker.bus,
      clock: systemClock,
      log: log.child({ module: 'zigbee' }),
      onAlert: (message) => securityLog.record('alert', message),
    })
    closers.push(() => zigbee.close())

    let firewall: HubFirewall | undefined
    const owner = await OwnerService.open(store, { setupCode: () => identity.setupCode, markClaimed: (c) => identity.setClaimed(c), clock: systemClock })
    if (owner.claimed !== identity.claimed) await identity.setClaimed(owner.claimed)
    const states = new DeviceStateCache(broker.bus)
    const updates = await assembleUpdates({
      config,
      store,
      appRoot: packageRoot(),
      installed: info.version,
      clock: systemClock,
      random: Math.random,
      log,
      restart: (reason) => (opts.restart ?? ((r) => log.warn({ reason: r }, 'restart needed: start the hub again')))(reason),
      lockdown: async (on) => firewall?.setLockdown(on),
      publish: (topic, payload, retain) => broker.bus.publish(topic, payload, { retain, qos: 1 }),
      ...(opts.test?.update ? { test: opts.test.update } : {}),
    })
    closers.push(() => updates.service.close())
    // One consent ledger for every purpose (EN 303 645 6-2/6-3); nothing is granted by default.
    const consent = await ConsentLedger.open(store, { clock: systemClock })
    // Optional uplink (off until the owner enables it); it only listens on the bus.
    const uplink = await UplinkService.open({
      consent: {
        isGranted: (purpose) => consent.isGranted(purpose),
        // The ledger's actor is a short lowercase word ("owner (web)", "admin socket (local cli)").
        grant: (purpose, d) => consent.grant(purpose, d.what, d.by.toLowerCase().replace(/[^a-z0-9 ()-]/g, '').slice(0, 32)),
        withdraw: (purpose) => consent.withdraw(purpose),
        record: (purpose) => {
          const r = consent.list().find((c) => c.purpose === purpose && c.granted)
          return r && { by: r.by, atWall: r.at, wallClock: 'unverified' }
        },
      },
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
    // Withdrawn on the privacy page: the flow stops at once (the ledger emits before it writes)
    // and the uplink discards its queue and credential.
    let withdrawing = false
    consent.on('changed', (purpose, granted) => {
      if (purpose !== UPLINK_PURPOSE || granted || withdrawing) return
      withdrawing = true
      void uplink
        .disable('owner (consent withdrawn)')
        .catch((err) => log.warn({ err }, 'uplink: could not discard after consent was withdrawn'))
        .finally(() => (withdrawing = false))
    })
    const sessions = new SessionStore(systemClock)
    const history = await StateHistory.open({ dataDir: config.dataDir, sealer: store.sealer, clock: systemClock, log: log.child({ module: 'history' }), settings: config.privacy, bus: broker.bus })
    closers.push(() => (wipeRequested ? history.discard() : history.close()))
    const personal = new PersonalData({ accounts, owner, states, history, consent, bus: broker.bus, broker, wipe, sessions, wallMs: () => systemClock.wallMs() })
    let wipeRequested = false
    const requestWipe: WipeTrigger = async (source) => {
      // Paired Zigbee devices are asked to leave while the network key still exists (≤ 3 s).
      await zigbee.leaveAll(3000).catch(() => undefined)
      const r = await wipe.request(source)
      wipeRequested = true
      // Until the restart closes the listeners: no old session, no old token is served again.
      sessions.destroyOthers(undefined)
      accounts.revokeAllInMemory()
      return r
    }
    const web = createWebServer({
      tls: identity.tls,
      log: log.child({ module: 'web' }),
      clock: systemClock,
      owner,
      sessions,
      throttle: new LoginThrottle(),
      securityLog,
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
      uplink,
      publishCommand: (id, payload) => broker.bus.publish(`hearth/${id}/set`, payload, { retain: false, qos: 1 }),
      deleteDevice: (id) => personal.deleteDevice(id),
      privacy: { personal, consent, history, wipe: { request: requestWipe, receipt: () => wipe.receipt() }, historyDays: config.privacy.historyDays },
      assets: await loadAssets(path.join(packageRoot(), 'web-ui', 'dist')),
      update: updates,
      securityTxt: { supportEnd: SUPPORT_END },
    })
    closers.push(() => web.close())
    opts.test?.web?.(web)
    Object.assign(
      methods,
      adminMethods({
        status,
        setupCode: () => identity.setupCode,
        claimed: () => identity.claimed,
        accounts,
        owner,
        onOwnerReset: () => {
          sessions.destroyOthers(undefined)
          securityLog.record('owner-reset', 'owner account reset on the box with the setup code')
        },
        policy: () => firewall?.status(),
        deleteDevice: (id) => personal.deleteDevice(id),
      }),
      privacyAdminMethods({ wipe: requestWipe, receipt: () => wipe.receipt(), pending: () => wipe.pendingWipe }),
      pairingMethods(zigbee),
      updateMethods(updates),
      uplinkAdminMethods(uplink),
    )
    // Before any listener opens: a wipe being finished calls its participants, writes the receipt.
    await wipe.completePending()

    ports.mqtts = (await broker.handle.listen()).mqtts
    await web.ready()
    ports.https = await listen(web.server, config.http.port, config.http.host, 'http.port')
    if (config.http.redirectPort > 0) {
      // Names the certificate covers: only those are kept as redirect targets (never an open redirect).
      const certNames = (new X509Certificate(identity.tls.cert).subjectAltName ?? '').split(', ').map((n) => n.replace(/^(DNS|IP Address):/, '').toLowerCase())
      const redirect = createRedirectServer({ httpsPort: () => ports.https, names: () => certNames, fallbackHost: () => `${identity.hostname}.local` })
      closers.push(() => new Promise<void>((resolve) => redirect.close(() => resolve())))
      ports.httpRedirect = await listen(redirect, config.http.redirectPort, config.http.host, 'http.redirectPort')
    }
    // Least-privilege host firewall for the ports just bound (EN 303 645 5.6; in the image the
    // helper unit has already applied the last known policy at boot).
    const fwLog = log.child({ module: 'firewall' })
    firewall = await startHubFirewall({
      config: config.firewall,
      dataDir: config.dataDir,
      listeners: () => ({
        mqtts: ports.mqtts,
        https: ports.https,
        ...(ports.httpRedirect ? { httpRedirect: ports.httpRedirect } : {}),
        ...(config.mqtt.plainPort > 0 ? { mqttPlainLoopback: config.mqtt.plainPort } : {}),
      }),
      log: fwLog,
      onAlert: (alert) => {
        fwLog.error({ code: alert.code, reason: alert.reason }, 'ALERT: the host firewall is not in force')
        securityLog.record('alert', `the host firewall is not in force: ${alert.reason}`)
      },
    })
    const fw = firewall
    closers.push(() => fw.close())
    const addresses = new DeviceAddresses((devices) => void fw.setIpDevices(devices))
    broker.onDeviceSeen((id, address) => addresses.seen(id, address))
    // Software integrity (EN 303 645 5.7-1): hashed against the signed manifest in the
    // background; a mismatch alerts and locks the network down. Then settle a trial of this
    // version (health check → keep it or roll back) and schedule update checks.
    void updates.integrity.run().catch((err) => log.error({ err }, 'integrity check could not run'))
    await updates.service.start({
      ca: identity.tls.ca,
      servername: 'localhost',
      mqtts: { host: config.mqtt.host, port: ports.mqtts },
      https: { host: config.http.host, port: ports.https },
      dataDir: config.dataDir,
    })
    accounts.on('revoked', (username) => accounts.get(username) === undefined && addresses.forget(username))

    // Said once the hub is up, so a start that fails prints only its one-line reason.
    if (!config.zigbee.port) log.info({ module: 'zigbee' }, 'zigbee.port is not set: running without Zigbee')

    // --- The hub's own USB HID button (issue 5 item 10). Absent or unplugged is normal: the
    // driver stays offline and says so. A press opens pairing (zigbee.pairingSeconds), a hold starts the factory wipe.
    if (config.hid.button.enabled) {
      const buttonLog = log.child({ module: 'hid-button' })
      const button = new HidButtonDriver({ transport: opts.hidTransport ?? new NodeHidTransport(), layouts: withExtraDevices(config.hid.button.extraDevices), clock: systemClock, random: Math.random /* backoff jitter only, not a secret */, log: buttonLog, press: { holdMs: config.hid.button.holdSeconds * 1000 } })
      button.on('press', () => void zigbee.pairing.open().catch((err: Error) => buttonLog.warn({ err: err.message }, 'button press: pairing not opened')))
      // Held for holdSeconds (≥ 10 s, with a per-second countdown in the log): the factory wipe.
      button.on('hold', () => {
        buttonLog.warn('button held: factory wipe')
        securityLog.record('alert', 'factory wipe started with the hub button')
        void requestWipe('button').catch((err) => buttonLog.error({ err }, 'factory wipe from the button failed'))
      })
      closers.push(() => button.close())
      await button.open()
    } else log.info({ module: 'hid-button' }, 'HID button disabled (hid.button.enabled is false)')
    // --- end HID button
    return { status, identity, bus: () => broker.bus, wipe: requestWipe, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/**
 * Starts the hub; after a factory wipe it restarts itself in-process on the same ports: every
 * part is stopped (listeners closed, sessions and keys dropped from memory) and built again
 * from the erased data dir, so nothing old can be served by a part that kept it in memory.
 */
export async function startHub(config: Config, log: Logger, opts: HubOptions = {}): Promise<RunningHub> {
  let cycle: Promise<void> = Promise.resolve()
  let stopped = false
  const onWipe = () => {
    // After the response that committed the wipe has left.
    cycle = cycle
      .then(() => new Promise((r) => setTimeout(r, 50)))
      .then(async () => {
        if (stopped) return
        const { mqtts, https } = current.status().listeners
        await current.stop()
        const same = { ...config, mqtt: { ...config.mqtt, port: mqtts.port || config.mqtt.port }, http: { ...config.http, port: https.port || config.http.port } }
        current = await startHubOnce(same, log, { ...opts, onWipe })
      })
      .catch((err: unknown) => {
        log.fatal({ err }, 'the hub could not start again after a factory wipe; the next start finishes it')
        opts.onFatal?.(err)
      })
  }
  let current = await startHubOnce(config, log, { ...opts, onWipe })
  return {
    status: () => current.status(),
    get identity() {
      return current.identity
    },
    bus: () => current.bus(),
    wipe: (source) => current.wipe(source),
    settled: () => cycle,
    async stop() {
      stopped = true
      await cycle
      await current.stop()
    },
  }
}
