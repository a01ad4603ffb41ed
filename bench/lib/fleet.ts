import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { Backoff, type BackoffOptions } from '../../src/policy/backoff.js'
import type { Cred } from './brokers.js'

/**
 * A device-fleet simulator (issue 7): N real MQTT clients over TLS, each with its own
 * credentials and loopback source address (127.1.x.y, as each device on a LAN has its own
 * address), that reconnect on their own after any drop — with our Backoff policy (the hub's
 * recommendation, or any mode) or a naive fixed interval (Zigbee2MQTT 1 s, Home Assistant 10 s).
 * Records every connection attempt with its wall time, refusals and successful connects.
 */
export type ReconnectPolicy = { kind: 'backoff'; options: BackoffOptions } | { kind: 'fixed'; intervalMs: number }

export interface FleetOptions {
  port: number
  host?: string
  /** The broker's CA; absent: no verification (the reference broker's throwaway certificate). */
  ca?: string
  policy: ReconnectPolicy
  /** Retained state each device publishes after every (re)connect; absent: none. */
  statePayload?: (cred: Cred, connects: number) => string | undefined
  keepalive?: number
}

export interface FleetReport {
  devices: number
  connected: number
  /** Wall-clock ms (performance.timeOrigin-based) of every attempt since `mark()`. */
  attempts: number[]
  /** Wall-clock ms of every successful CONNACK since `mark()`. */
  connects: number[]
  /** CONNACK 3 "server unavailable" (admission control) since `mark()`, each followed by a retry. */
  refused: number
  /** Devices refused at least once since `mark()` that got in later. */
  refusedThenConnected: number
  /** Network errors, timeouts, other CONNACK codes since `mark()`. */
  failed: number
  lastError?: string
}

const now = () => performance.timeOrigin + performance.now()

class SimDevice {
  client: MqttClient | undefined
  up = false
  connects = 0
  refusedSinceMark = false
  private timer: NodeJS.Timeout | undefined
  private readonly backoff: Backoff | undefined

  constructor(
    readonly cred: Cred,
    private readonly localAddress: string,
    private readonly fleet: DeviceFleet,
  ) {
    const p = fleet.opts.policy
    this.backoff = p.kind === 'backoff' ? new Backoff(p.options, Math.random) : undefined
  }

  schedule(ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.attempt(), ms)
  }

  stop(): void {
    clearTimeout(this.timer)
    this.fleet.stopped = true
    this.client?.end(true)
  }

  private attempt(): void {
    if (this.fleet.stopped) return
    const o = this.fleet.opts
    this.fleet.rec.attempts.push(now())
    const opts: IClientOptions & { localAddress: string } = {
      host: o.host ?? '127.0.0.1',
      port: o.port,
      protocol: 'mqtts',
      servername: 'localhost',
      username: this.cred.username,
      password: this.cred.password,
      clientId: this.cred.clientId,
      clean: true,
      keepalive: o.keepalive ?? 60,
      reconnectPeriod: 0, // the policy under test decides, not mqtt.js
      connectTimeout: 10_000,
      ...(o.ca ? { ca: o.ca } : { rejectUnauthorized: false }),
      localAddress: this.localAddress,
    }
    const c = connect(opts)
    this.client = c
    let code: number | undefined
    c.on('error', (err: Error & { code?: unknown }) => {
      if (typeof err.code === 'number') code = err.code
      this.fleet.rec.lastError = err.message
    })
    c.once('connect', () => {
      this.up = true
      this.connects++
      this.fleet.rec.connects.push(now())
      if (this.refusedSinceMark) this.fleet.rec.refusedThenConnected++
      this.refusedSinceMark = false
      this.backoff?.connected(performance.now())
      const payload = o.statePayload?.(this.cred, this.connects)
      if (payload !== undefined) c.publish(`hearth/${this.cred.clientId}/state`, payload, { qos: 1, retain: true })
    })
    c.once('close', () => {
      c.end(true)
      if (this.client !== c) return
      const wasUp = this.up
      this.up = false
      if (!wasUp) {
        if (code === 3) {
          this.fleet.rec.refused++
          this.refusedSinceMark = true
        } else this.fleet.rec.failed++
      }
      if (this.fleet.stopped) return
      const p = o.policy
      this.schedule(p.kind === 'fixed' ? p.intervalMs : this.backoff!.nextDelayMs(performance.now()))
    })
  }
}

export class DeviceFleet {
  stopped = false
  rec: Omit<FleetReport, 'devices' | 'connected'> = { attempts: [], connects: [], refused: 0, refusedThenConnected: 0, failed: 0 }
  private readonly devices: SimDevice[]

  constructor(
    creds: Cred[],
    readonly opts: FleetOptions,
  ) {
    this.devices = creds.map((c, i) => new SimDevice(c, `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, this))
  }

  /** Starts every device, the i-th after `i × spacingMs` (a gentle first population). */
  start(spacingMs: number): void {
    this.devices.forEach((d, i) => d.schedule(i * spacingMs))
  }

  connected(): number {
    return this.devices.reduce((n, d) => n + (d.up ? 1 : 0), 0)
  }

  /** Forgets what was recorded so far: the report then covers only what follows. */
  mark(): void {
    this.rec = { attempts: [], connects: [], refused: 0, refusedThenConnected: 0, failed: 0 }
    for (const d of this.devices) d.refusedSinceMark = false
  }

  report(): FleetReport {
    return { devices: this.devices.length, connected: this.connected(), ...this.rec }
  }

  stop(): void {
    for (const d of this.devices) d.stop()
  }
}

/** The largest number of timestamps in any window of `windowMs` starting at a bucket boundary after `t0`. */
export function peakPerWindow(ts: number[], t0: number, windowMs = 100): number {
  const buckets = new Map<number, number>()
  for (const t of ts) {
    const b = Math.floor((t - t0) / windowMs)
    buckets.set(b, (buckets.get(b) ?? 0) + 1)
  }
  return Math.max(0, ...buckets.values())
}
