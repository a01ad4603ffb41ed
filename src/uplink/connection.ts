import type { MqttClient } from 'mqtt'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import { Backoff, type BackoffOptions } from '../policy/backoff.js'
import { remoteCommandFilter, remoteTopic } from '../policy/uplink.js'
import type { OutboundQueue } from './queue.js'

/** Where and as whom the bridge connects. The password is only ever held in memory here. */
export interface UplinkTarget {
  url: string
  clientId: string
  username: string
  password: string
  /** PEM CA(s) the owner supplied; absent: the system's CAs. Verification is never turned off. */
  ca?: string
  prefix: string
  keepaliveSeconds: number
}

export type ConnectionState = 'off' | 'connecting' | 'connected' | 'waiting'

/** Messages in flight at once: enough to drain quickly, few enough to resend cheaply. */
const WINDOW = 32

/**
 * One outbound MQTT connection over TLS to the remote broker. Reconnects are driven by our own
 * Backoff (EN 303 645 5.9-3), never by mqtt.js' fixed `reconnectPeriod` (set to 0). Drains the
 * queue in order with QoS 1; a message leaves the queue only when the remote acknowledged it,
 * so a drop mid-flight resends from the oldest unacknowledged message.
 */
export class UplinkConnection {
  private client: MqttClient | undefined
  private generation = 0
  private timer: TimerHandle | undefined
  private backoff: Backoff
  private inflight = 0
  private sentUpTo = 0
  private nextAt: number | undefined
  private connectedAt: number | undefined
  state: ConnectionState = 'off'
  attempts = 0
  sent = 0
  lastError: string | null = null

  constructor(
    private readonly deps: {
      queue: OutboundQueue
      clock: Clock
      random: () => number
      backoff: BackoffOptions
      log: Logger
      onCommand: (topic: string, payload: Buffer) => void
    },
  ) {
    this.backoff = new Backoff(deps.backoff, deps.random)
  }

  start(target: UplinkTarget): void {
    this.stop()
    this.backoff = new Backoff(this.deps.backoff, this.deps.random)
    this.target = target
    this.open()
  }

  private target: UplinkTarget | undefined

  /** Stops at once: the socket is destroyed, nothing more is sent, no reconnect is scheduled. */
  stop(): void {
    this.generation++
    this.target = undefined
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.nextAt = undefined
    this.client?.removeAllListeners('message')
    this.client?.end(true)
    this.client = undefined
    this.state = 'off'
    this.connectedAt = undefined
    this.inflight = 0
  }

  /** New messages are waiting: send if connected. Cheap when there is nothing to do. */
  kick(): void {
    if (this.state === 'connected') this.pump()
  }

  status(): { state: ConnectionState; attempts: number; nextAttemptInMs: number | null; connectedForMs: number | null; lastError: string | null } {
    const now = this.deps.clock.monotonicMs()
    return {
      state: this.state,
      attempts: this.attempts,
      nextAttemptInMs: this.nextAt === undefined ? null : Math.max(0, Math.round(this.nextAt - now)),
      connectedForMs: this.connectedAt === undefined ? null : Math.round(now - this.connectedAt),
      lastError: this.lastError,
    }
  }

  private open(): void {
    const t = this.target
    if (!t) return
    const gen = ++this.generation
    this.state = 'connecting'
    this.attempts++
    this.nextAt = undefined
    // mqtt.js is loaded only once the uplink is used: a hub without it starts faster.
    void import('mqtt').then(
      (mqtt) => gen === this.generation && this.connect(mqtt.connect, t, gen),
      (err: Error) => gen === this.generation && ((this.lastError = err.message), (this.state = 'off')),
    )
  }

  private connect(connect: typeof import('mqtt').connect, t: UplinkTarget, gen: number): void {
    const client = connect(t.url, {
      clientId: t.clientId,
      username: t.username,
      password: t.password,
      ...(t.ca ? { ca: t.ca } : {}),
      rejectUnauthorized: true, // EN 303 645 5.5-1: the remote is authenticated, always
      protocolVersion: 4,
      clean: true,
      keepalive: t.keepaliveSeconds,
      reconnectPeriod: 0, // our Backoff decides when to try again
      connectTimeout: 10_000,
      queueQoSZero: false,
      resubscribe: false,
    })
    this.client = client
    const mine = () => gen === this.generation
    client.on('connect', () => {
      if (!mine()) return
      this.state = 'connected'
      this.lastError = null
      this.connectedAt = this.deps.clock.monotonicMs()
      this.backoff.connected(this.connectedAt)
      this.inflight = 0
      this.sentUpTo = 0
      this.deps.log.info({ url: t.url, attempts: this.attempts }, 'uplink connected')
      client.subscribe(remoteCommandFilter(t.prefix), { qos: 1 }, (err) => {
        if (err && mine()) this.deps.log.warn({ err: err.message }, 'uplink: command subscription refused by the remote')
      })
      this.pump()
    })
    client.on('message', (topic, payload) => mine() && this.deps.onCommand(topic, payload))
    // Messages only: never the credential or the options object.
    client.on('error', (err) => mine() && (this.lastError = (err as NodeJS.ErrnoException).code ?? err.message))
    client.on('close', () => {
      if (!mine()) return
      this.generation++ // late callbacks of this client no longer count
      client.end(true)
      this.client = undefined
      this.connectedAt = undefined
      this.inflight = 0
      const delay = this.backoff.nextDelayMs(this.deps.clock.monotonicMs())
      this.state = 'waiting'
      this.nextAt = this.deps.clock.monotonicMs() + delay
      this.deps.log.info({ url: t.url, lastError: this.lastError, retryInMs: delay }, 'uplink disconnected; will retry')
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = undefined
        this.open()
      }, delay)
      this.timer.unref?.()
    })
  }

  private pump(): void {
    const client = this.client
    const t = this.target
    if (!client || !t || this.state !== 'connected') return
    const gen = this.generation
    const batch = this.deps.queue.peek(WINDOW - this.inflight, this.sentUpTo)
    for (const m of batch) {
      this.inflight++
      this.sentUpTo = m.seq
      client.publish(remoteTopic(t.prefix, m.topic), m.payload, { qos: 1, retain: true }, (err) => {
        if (gen !== this.generation) return
        this.inflight--
        if (!err) {
          this.deps.queue.ack(m.seq)
          this.sent++
        }
        this.pump()
      })
    }
  }
}
