import { createServer as createNetServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { Aedes, type AedesOptions, type Client } from 'aedes'
import type { Config } from '../core/config-schema.js'
import type { Logger } from '../core/log.js'
import { tlsServerOptions } from '../system/tls-options.js'
import { listen } from '../system/listen.js'
import { createEmitter } from './emitter.js'
import type { BrokerStats } from './stats.js'

export interface BrokerDeps {
  config: Config['mqtt']
  tls: { cert: string; key: string }
  log: Logger
  stats: BrokerStats
  /** The hooks that make every decision (broker/hooks.ts); none means "refuse everyone". */
  hooks?: Partial<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>
  persistence?: AedesOptions['persistence']
  /** The username a connected client authenticated as (to cut off revoked accounts). */
  usernameOf?: (client: Client) => string | undefined
  /** Called when a connected client goes away (its queued publishes must be dropped). */
  onClose?: (client: Client) => void
  /** Every message the broker accepts, as it enters the emitter (the hub's in-process listeners). */
  tap?: (topic: string, payload: Buffer) => void
  /** Called when a client unsubscribes, so per-client subscription counts stay right. */
  onUnsubscribe?: (client: Client, topics: string[]) => void
}

export interface BrokerHandle {
  aedes: Aedes
  listen(): Promise<{ mqtts: number; plain: number }>
  /** Disconnects every client of an account at once (removed or rotated token). */
  disconnectAccount(username: string): number
  connectedClients(): number
  /** Live connections of one account (a token's budget must not multiply by reconnecting). */
  connectionsOf(username: string): number
  /** Messages waiting in the broker's emitter: the global back-pressure signal. */
  queueDepth(): number
  close(): Promise<void>
}

/** Refuses every client [MQTT-3.2.2-3, return code 5]. */
const refuseAll: AedesOptions['authenticate'] = (_client, _u, _p, done) => {
  done(Object.assign(new Error('not authorized'), { returnCode: 5 as const }), null)
}

/**
 * aedes has no cap on a packet's size (MQTT 3.1.1 allows 256 MB): cut the connection as soon
 * as a fixed header announces more than `max` bytes, before any of it is buffered.
 */
function capPacketSize(client: Client, max: number, onOversize: () => void): void {
  const parser = (client as unknown as { _parser: { _parseLength(): boolean; packet: { length: number } } })._parser
  const original = parser._parseLength.bind(parser)
  parser._parseLength = () => {
    const ok = original()
    if (ok && parser.packet.length > max) {
      onOversize()
      client.conn.destroy()
      return false
    }
    return ok
  }
}

/** The embedded aedes broker on MQTTS with the hub's certificate; aedes' own guards kept. */
export async function createBroker(deps: BrokerDeps): Promise<BrokerHandle> {
  const { config, log, stats } = deps
  const mq = createEmitter(100, deps.tap)
  const aedes = await Aedes.createBroker({
    maxTopicLevels: config.maxTopicLevels,
    maxClientsIdLength: 64,
    maxInflightInbound: config.maxInflight,
    connectTimeout: 10_000,
    heartbeatInterval: 60_000,
    queueLimit: 42,
    authenticate: refuseAll,
    mq,
    ...(deps.persistence ? { persistence: deps.persistence } : {}),
    ...deps.hooks,
  })
  const clients = new Map<string, Set<Client>>()
  const sockets = new Set<Socket>()
  const accept = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    const client = aedes.handle(socket) as unknown as Client
    capPacketSize(client, config.maxPacketBytes, () => {
      stats.totals.oversizedPackets++
      log.warn({ address: socket.remoteAddress }, 'oversized MQTT packet; connection closed')
    })
  }
  const tls = createTlsServer({ ...tlsServerOptions(deps.tls), handshakeTimeout: 10_000 }, accept)
  tls.on('connection', (s: Socket) => s.on('error', () => s.destroy()))
  tls.on('tlsClientError', (err) => log.debug({ code: (err as NodeJS.ErrnoException).code }, 'TLS handshake failed'))
  // Plain TCP only when configured, and then only on loopback (for local tools on the box).
  const plain: Server | undefined = config.plainPort ? createNetServer(accept) : undefined

  aedes.on('client', (client) => {
    stats.totals.connected++
    const user = deps.usernameOf?.(client)
    if (user) (clients.get(user) ?? clients.set(user, new Set()).get(user)!).add(client)
  })
  aedes.on('clientDisconnect', (client) => {
    const user = deps.usernameOf?.(client)
    if (user) clients.get(user)?.delete(client)
    deps.onClose?.(client)
  })
  aedes.on('unsubscribe', (topics, client) => deps.onUnsubscribe?.(client, topics))
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'client error'))
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'connection error'))

  return {
    aedes,
    async listen() {
      const mqtts = await listen(tls, config.port, config.host, 'mqtt.port')
      const plainPort = plain ? await listen(plain, config.plainPort, '127.0.0.1', 'mqtt.plainPort') : 0
      return { mqtts, plain: plainPort }
    },
    disconnectAccount(username) {
      const set = clients.get(username)
      if (!set) return 0
      for (const c of set) c.close()
      clients.delete(username)
      return set.size
    },
    connectedClients: () => aedes.connectedClients,
    connectionsOf: (username) => clients.get(username)?.size ?? 0,
    queueDepth: () => mq.length,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      const closed = Promise.all([tls, plain].filter((s): s is Server => !!s && s.listening).map((s) => new Promise<void>((r) => s.close(() => r()))))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}
