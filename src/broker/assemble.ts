import type { Client } from 'aedes'
import { systemClock } from '../core/clock.js'
import type { Config } from '../core/config-schema.js'
import type { Logger } from '../core/log.js'
import type { AccountService } from '../devices/accounts.js'
import { DiscoveryPublisher, type Bus } from '../devices/discovery.js'
import type { HubIdentity } from '../identity/identity.js'
import { Admission } from '../policy/admission.js'
import type { Store } from '../store/store.js'
import { createHooks } from './hooks.js'
import { DurablePersistence } from './persistence.js'
import { createBroker, type BrokerHandle } from './server.js'
import { BrokerStats } from './stats.js'
import { Taps } from './taps.js'

export interface RunningBroker {
  handle: BrokerHandle
  /** A device account connected from an address (for the firewall's IP-device rule). */
  onDeviceSeen(fn: (deviceId: string, address: string | undefined) => void): void
  stats: BrokerStats
  bus: Bus
  /** Topics with a retained message; `flush` writes retained state to disk now. */
  retainedTopics(): string[]
  flush(): Promise<void>
  close(): Promise<void>
}

/**
 * Puts the broker together: policy-driven hooks, durable retained state, account revocation,
 * Home Assistant discovery. Nothing here decides anything; src/policy does.
 */
export async function startBroker(deps: {
  config: Config['mqtt']
  identity: HubIdentity
  store: Store
  accounts: AccountService
  log: Logger
  onLoginRefused?: (address: string) => void
}): Promise<RunningBroker> {
  const { config, accounts, log } = deps
  const stats = new BrokerStats()
  const persistence = await DurablePersistence.open(deps.store, {
    clock: systemClock,
    log,
    intervalMs: config.persistIntervalMs,
    offline: { maxMessages: config.maxQueuedMessages, maxBytes: config.maxQueuedBytes },
    onOfflineDrop: () => void stats.totals.droppedOffline++,
  })
  const admission = new Admission({
    ratePerAddress: config.connectRatePerAddress,
    burstPerAddress: config.connectBurstPerAddress,
    rateTotal: config.connectRateTotal,
    burstTotal: config.connectBurstTotal,
    maxClients: config.maxClients,
    maxTrackedAddresses: 10_000,
  })
  let handle: BrokerHandle | undefined
  const taps = new Taps((err, topic) => log.error({ err: (err as Error).message, topic }, 'in-process listener failed'))
  const { hooks, session, onClose } = createHooks({
    verify: (u, p) => accounts.verify(u, p),
    kindOf: (id) => accounts.kindOf(id),
    admission,
    limits: config,
    clock: systemClock,
    stats,
    log,
    connectedClients: () => handle?.connectedClients() ?? 0,
    connectionsOf: (u) => handle?.connectionsOf(u) ?? 0,
    queueDepth: () => handle?.queueDepth() ?? 0,
    ...(deps.onLoginRefused ? { onLoginRefused: deps.onLoginRefused } : {}),
  })
  handle = await createBroker({
    config,
    tls: deps.identity.tls,
    log,
    stats,
    hooks,
    persistence,
    usernameOf: (c: Client) => session(c)?.principal.username,
    onClose,
    tap: (topic, payload) => taps.deliver(topic, payload),
    onUnsubscribe: (c, topics) => topics.forEach((t) => session(c)?.subscriptions.delete(t)),
  })
  const aedes = handle.aedes
  const bus: Bus = {
    publish: (topic, payload, opts) =>
      new Promise((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: opts.qos ?? 0, retain: opts.retain, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    subscribe: (filter, onMessage) => taps.add(filter, onMessage),
  }
  accounts.on('revoked', (username) => {
    const n = handle!.disconnectAccount(username)
    if (!accounts.get(username)) void persistence.forgetClient(username)
    log.info({ username, disconnected: n }, 'credential revoked')
  })
  const seenListeners: Array<(id: string, address: string | undefined) => void> = []
  handle.aedes.on('client', (client) => {
    const p = session(client)?.principal
    if (p?.role === 'device' && p.deviceId) for (const fn of seenListeners) fn(p.deviceId, (client.conn as { remoteAddress?: string }).remoteAddress)
  })
  const discovery = new DiscoveryPublisher({ accounts, bus, hubId: deps.identity.hubId, log })
  discovery.start()
  return {
    handle,
    onDeviceSeen: (fn) => void seenListeners.push(fn),
    stats,
    bus,
    retainedTopics: () => persistence.retainedTopics(),
    flush: () => persistence.flush(),
    async close() {
      await handle!.close()
      await persistence.flush()
    },
  }
}
