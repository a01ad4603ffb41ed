import path from 'node:path'
import { Type } from '@sinclair/typebox'
import { startAdminServer, type AdminMethod } from './admin/server.js'
import { SOCKET_NAME } from './admin/protocol.js'
import { createBroker } from './broker/server.js'
import type { Config } from './core/config-schema.js'
import { HubError } from './core/errors.js'
import type { Logger } from './core/log.js'
import { systemClock } from './core/clock.js'
import { hubHostname, lanAddresses, loadIdentity, type HubIdentity } from './identity/identity.js'
import { fingerprint } from './identity/tls.js'
import { Store } from './store/store.js'
import { randomBytes } from './store/sealer.js'
import { listen } from './system/listen.js'
import { buildInfo } from './system/paths.js'
import { createWebServer } from './web/server.js'

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
}

export interface RunningHub {
  status(): HubStatus
  identity: HubIdentity
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
    const identity = await loadIdentity(store, {
      random: randomBytes,
      hostname: hubHostname(config.hostname),
      addresses: lanAddresses(),
      log: log.child({ module: 'identity' }),
      wallMs: systemClock.wallMs(),
    })
    const info = buildInfo()
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
    })
    const methods: Record<string, AdminMethod> = {
      status: { params: Type.Object({}, { additionalProperties: false }), handler: async () => status() },
      setupCode: {
        params: Type.Object({}, { additionalProperties: false }),
        handler: async () => {
          if (identity.claimed) throw new HubError('HUB_ERR_CLAIMED', 'this hub is claimed: its setup code no longer works')
          return { setupCode: identity.setupCode }
        },
      },
    }
    const admin = await startAdminServer(path.join(config.dataDir, SOCKET_NAME), methods, log.child({ module: 'admin' }))
    closers.push(() => admin.close())

    const broker = await createBroker({ config: config.mqtt, tls: identity.tls, log: log.child({ module: 'broker' }) })
    closers.push(() => broker.close())
    const web = createWebServer({ tls: identity.tls, log: log.child({ module: 'web' }) })
    closers.push(() => web.close())

    ports.mqtts = (await broker.listen()).mqtts
    await web.ready()
    ports.https = await listen(web.server, config.http.port, config.http.host, 'http.port')
    return { status, identity, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
