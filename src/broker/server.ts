import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { Aedes, type AedesOptions } from 'aedes'
import type { Config } from '../core/config-schema.js'
import type { Logger } from '../core/log.js'
import { tlsServerOptions } from '../system/tls-options.js'
import { listen } from '../system/listen.js'

export interface BrokerDeps {
  config: Config['mqtt']
  tls: { cert: string; key: string }
  log: Logger
  /** The hooks that make every decision (see broker/hooks.ts); none means "refuse everyone". */
  hooks?: Partial<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>
}

export interface BrokerHandle {
  aedes: Aedes
  listen(): Promise<{ mqtts: number }>
  close(): Promise<void>
}

/** Refuses every client: the broker's stance until accounts exist [MQTT-3.2.2-3, rc 5]. */
const refuseAll: AedesOptions['authenticate'] = (_client, _u, _p, done) => {
  const err = Object.assign(new Error('not authorized'), { returnCode: 5 as const })
  done(err, null)
}

/** The embedded aedes broker on MQTTS, with the hub's certificate and aedes' own guards kept. */
export async function createBroker(deps: BrokerDeps): Promise<BrokerHandle> {
  const { config, log } = deps
  const aedes = await Aedes.createBroker({
    maxTopicLevels: config.maxTopicLevels,
    maxClientsIdLength: 64,
    connectTimeout: 10_000,
    heartbeatInterval: 60_000,
    queueLimit: 42,
    authenticate: refuseAll,
    ...deps.hooks,
  })
  const tls: TlsServer = createTlsServer({ ...tlsServerOptions(deps.tls), handshakeTimeout: 10_000 }, aedes.handle)
  const sockets = new Set<import('node:net').Socket>()
  tls.on('connection', (s) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  tls.on('tlsClientError', (err) => log.debug({ code: (err as NodeJS.ErrnoException).code }, 'TLS handshake failed'))
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'client error'))
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'connection error'))

  return {
    aedes,
    async listen() {
      const mqtts = await listen(tls, config.port, config.host, 'mqtt.port')
      return { mqtts }
    },
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      const closed = new Promise<void>((resolve) => tls.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}
