import { createServer, type Server } from 'node:tls'
import { createInterface } from 'node:readline'
import { Aedes } from 'aedes'
import { newCa, issueServer } from '../../src/identity/tls.js'
import { randomBytes } from '../../src/store/sealer.js'

/**
 * A stand-in for the owner's remote MQTT broker: bare aedes on TLS under its own CA (not the
 * hub's), requiring one username/password. Records what arrives, can publish (commands).
 * In-process via `startRemoteBroker`, or as a process (in a network namespace):
 * `node remote-broker.js HOST PORT USER PASS` prints one JSON line `{ready,port,ca}`, then
 * answers stdin lines `{"op":"messages"}` / `{"op":"publish","topic","payload"}` / `{"op":"clients"}`.
 */
export interface RemoteBroker {
  port: number
  ca: string
  messages: Array<{ topic: string; payload: string }>
  authFailures: number
  clients(): number
  publish(topic: string, payload: string): Promise<void>
  close(): Promise<void>
}

export async function startRemoteBroker(opts: { host: string; port?: number; username: string; password: string; names?: string[] }): Promise<RemoteBroker> {
  const ca = newCa(randomBytes, 'remote-broker', 'remote')
  const server = issueServer(randomBytes, ca, 'remote-broker', opts.names ?? ['localhost', '127.0.0.1', opts.host])
  const broker = await Aedes.createBroker()
  const messages: RemoteBroker['messages'] = []
  const state = { authFailures: 0 }
  broker.authenticate = (_c, u, p, cb) => {
    const ok = u === opts.username && p?.toString() === opts.password
    if (!ok) state.authFailures++
    cb(ok ? null : Object.assign(new Error('bad credentials'), { returnCode: 4 }), ok)
  }
  broker.on('publish', (packet, client) => {
    if (client) messages.push({ topic: packet.topic, payload: packet.payload.toString() })
  })
  const tls: Server = createServer({ key: server.keyPem, cert: server.cert }, broker.handle)
  await new Promise<void>((resolve) => tls.listen(opts.port ?? 0, opts.host, resolve))
  return {
    port: (tls.address() as { port: number }).port,
    ca: ca.caCert,
    messages,
    get authFailures() {
      return state.authFailures
    },
    clients: () => broker.connectedClients,
    publish: (topic, payload) =>
      new Promise((resolve, reject) =>
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
      ),
    close: async () => {
      for (const c of Object.values((broker as unknown as { clients: Record<string, { close(): void }> }).clients)) c.close()
      await new Promise<void>((resolve) => tls.close(() => resolve()))
      await new Promise<void>((resolve) => broker.close(() => resolve()))
    },
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (isEntry) {
  const [host, port, username, password] = process.argv.slice(2)
  const b = await startRemoteBroker({ host: host!, port: Number(port), username: username!, password: password! })
  process.stdout.write(JSON.stringify({ ready: true, port: b.port, ca: b.ca }) + '\n')
  const rl = createInterface({ input: process.stdin })
  rl.on('close', () => process.exit(0))
  rl.on('line', (line) => {
    const req = JSON.parse(line) as { op: string; topic?: string; payload?: string }
    if (req.op === 'messages') process.stdout.write(JSON.stringify({ messages: b.messages, authFailures: b.authFailures }) + '\n')
    else if (req.op === 'clients') process.stdout.write(JSON.stringify({ clients: b.clients() }) + '\n')
    else if (req.op === 'publish') void b.publish(req.topic!, req.payload!).then(() => process.stdout.write('{"published":true}\n'))
  })
}
