import type { TLSSocket } from 'node:tls'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import type { Cred } from './brokers.js'
import { sleep } from './proc.js'

/** How one login went: the client (if it got in), and what it took. */
export interface ConnectOutcome {
  client?: MqttClient
  attempts: number
  /** CONNACK 3 "server unavailable": the hub's admission control said "not now". */
  refused: number
  /** Anything else: another CONNACK code, a reset, a timeout. */
  failed: number
  lastError?: string
}

/** Caps in-progress connection attempts (TCP + TLS handshake + CONNECT → CONNACK). */
export class Semaphore {
  private free: number
  private readonly queue: Array<() => void> = []
  constructor(n: number) {
    this.free = n
  }
  async acquire(): Promise<void> {
    if (this.free > 0) return void this.free--
    await new Promise<void>((resolve) => this.queue.push(resolve))
  }
  release(): void {
    const next = this.queue.shift()
    if (next) next()
    else this.free++
  }
}

/** One CONNECT attempt over TLS to 127.0.0.1:port, optionally from another loopback address. */
function attempt(port: number, cred: Cred, localAddress?: string): Promise<{ client?: MqttClient; code?: number; error?: string }> {
  return new Promise((resolve) => {
    const opts: IClientOptions & { localAddress?: string } = {
      host: '127.0.0.1',
      port,
      protocol: 'mqtts',
      username: cred.username,
      password: cred.password,
      clientId: cred.clientId,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      // A throwaway certificate per broker; the handshake (and its cost) is the same either way.
      rejectUnauthorized: false,
      ...(localAddress ? { localAddress } : {}),
    }
    const c = connect(opts)
    let settled = false
    let code: number | undefined
    let error: string | undefined
    c.on('error', (err: Error & { code?: unknown }) => {
      if (typeof err.code === 'number') code = err.code
      error = err.message
    })
    c.once('connect', () => {
      settled = true
      resolve({ client: c })
    })
    c.once('close', () => {
      if (settled) return
      settled = true
      c.end(true)
      resolve({ code, error: error ?? 'closed before CONNACK' })
    })
  })
}

/**
 * Connects one login, retrying with exponential backoff and full jitter (what a well-behaved
 * device does after CONNACK 3) until it gets in, `maxAttempts` is used up, or `deadline`
 * (performance.now() ms) passes. `gate` caps handshakes in progress; a client waiting out its
 * backoff does not hold it.
 */
export async function connectWithRetry(
  port: number,
  cred: Cred,
  o: { gate?: Semaphore; localAddress?: string; deadline: number; maxAttempts?: number; baseMs?: number; capMs?: number },
): Promise<ConnectOutcome> {
  const out: ConnectOutcome = { attempts: 0, refused: 0, failed: 0 }
  const max = o.maxAttempts ?? 60
  for (;;) {
    await o.gate?.acquire()
    out.attempts++
    const r = await attempt(port, cred, o.localAddress).finally(() => o.gate?.release())
    if (r.client) {
      out.client = r.client
      return out
    }
    if (r.code === 3) out.refused++
    else out.failed++
    out.lastError = r.error
    const backoff = Math.random() * Math.min(o.capMs ?? 4000, (o.baseMs ?? 100) * 2 ** Math.min(out.attempts - 1, 16))
    if (out.attempts >= max || performance.now() + backoff > o.deadline) return out
    await sleep(backoff)
  }
}

/** Connects every login (no storm: used to set up the publishers and the reader). */
export async function connectAll(port: number, creds: Cred[], deadlineMs = 30_000): Promise<MqttClient[]> {
  const deadline = performance.now() + deadlineMs
  const outs = await Promise.all(creds.map((c) => connectWithRetry(port, c, { deadline })))
  const clients = outs.flatMap((o) => (o.client ? [o.client] : []))
  if (clients.length < creds.length) {
    closeAll(clients)
    const bad = outs.find((o) => !o.client)!
    throw new Error(`${creds.length - clients.length} of ${creds.length} clients could not connect: ${bad.lastError}`)
  }
  return clients
}

export function closeAll(clients: MqttClient[]): void {
  for (const c of clients) c.end(true)
}

/** TLS version and cipher a connected client negotiated, e.g. `TLSv1.3 TLS_AES_256_GCM_SHA384`. */
export function tlsOf(client: MqttClient): string {
  const s = client.stream as TLSSocket
  return `${s.getProtocol?.() ?? '?'} ${s.getCipher?.()?.name ?? '?'}`
}

export async function subscribe(client: MqttClient, filter: string, qos: 0 | 1): Promise<void> {
  const granted = await client.subscribeAsync(filter, { qos })
  if (!granted[0] || granted[0].qos === 128) throw new Error(`subscription to ${filter} refused`)
}
