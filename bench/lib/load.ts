import type { MqttClient } from 'mqtt'
import type { Cred } from './brokers.js'
import { closeAll, connectAll, subscribe, tlsOf } from './mqtt-client.js'
import { sleep } from './proc.js'

/** A 64-byte state report, valid for the hub's `temperature` kind (all three fields in range). */
export const PAYLOAD_64 = Buffer.from('{"temperature":21.50390625,"humidity":40.27734375,"battery":100}')
if (PAYLOAD_64.length !== 64) throw new Error(`payload is ${PAYLOAD_64.length} bytes, not 64`)

const topicOf = (c: Cred) => `hearth/${c.clientId}/state`

/** The reader and the publishers of one rig, connected; the reader subscribed to `hearth/+/state`. */
async function openClients(port: number, pubs: Cred[], reader: Cred, qos: 0 | 1, deadlineMs?: number): Promise<{ sub: MqttClient; clients: MqttClient[] }> {
  const sub = (await connectAll(port, [reader], deadlineMs))[0]!
  try {
    await subscribe(sub, 'hearth/+/state', qos)
    return { sub, clients: await connectAll(port, pubs, deadlineMs) }
  } catch (err) {
    closeAll([sub])
    throw err
  }
}

/**
 * QoS 0 fan-in: every publisher is a device sending PAYLOAD_64 to its own state topic; one
 * reader subscribes `hearth/+/state`. Closed loop: at most `window` messages are in flight
 * (sent, not yet received), so the figure is what the broker delivers at steady state, not how
 * fast it can queue — and no broker is pushed into dropping or buffering without bound. A
 * publisher whose socket wants a drain is skipped until it drains. Messages that never arrive
 * (a broker dropping QoS 0) are written off after 250 ms (`stallMs`) without progress so the loop goes on.
 * The clients stay connected between runs, so runs on several brokers can be interleaved.
 */
export class FanInRig {
  sent = 0
  received = 0
  /** Times the loop saw no delivery for 250 ms and wrote off what was in flight. */
  stalls = 0
  private writtenOff = 0
  private next = 0
  private running = false
  private scheduled = false
  private readonly topics: string[]
  private readonly watchdog: NodeJS.Timeout

  private constructor(
    private readonly sub: MqttClient,
    private readonly clients: MqttClient[],
    pubs: Cred[],
    private readonly window: number,
    stallMs: number,
  ) {
    this.topics = pubs.map(topicOf)
    for (const c of clients) c.stream.on('drain', this.schedule)
    sub.on('message', () => {
      this.received++
      this.schedule()
    })
    let lastReceived = -1
    this.watchdog = setInterval(() => {
      if (this.running && this.received === lastReceived && this.inFlight() > 0) {
        this.writtenOff = this.sent - this.received
        this.stalls++
        this.schedule()
      }
      lastReceived = this.received
    }, stallMs)
  }

  /** `stallMs`: how long without a delivery before what is in flight is written off (a broker under valgrind pauses for longer). */
  static async open(port: number, pubs: Cred[], reader: Cred, window: number, opts: { deadlineMs?: number; stallMs?: number } = {}): Promise<FanInRig> {
    const { sub, clients } = await openClients(port, pubs, reader, 0, opts.deadlineMs)
    return new FanInRig(sub, clients, pubs, window, opts.stallMs ?? 250)
  }

  private inFlight(): number {
    // Late arrivals of written-off messages must not widen the window.
    if (this.writtenOff > this.sent - this.received) this.writtenOff = this.sent - this.received
    return this.sent - this.received - this.writtenOff
  }

  private readonly schedule = () => {
    if (!this.scheduled && this.running) (this.scheduled = true), setImmediate(this.pump)
  }

  private readonly pump = () => {
    this.scheduled = false
    let budget = this.window - this.inFlight()
    for (let blocked = 0; budget > 0 && blocked < this.clients.length && this.running; ) {
      const i = this.next
      this.next = (this.next + 1) % this.clients.length
      const c = this.clients[i]!
      if (c.stream.writableNeedDrain) {
        blocked++
        continue
      }
      c.publish(this.topics[i]!, PAYLOAD_64, { qos: 0 })
      this.sent++
      budget--
      blocked = 0
    }
  }

  start(): void {
    this.running = true
    this.schedule()
  }

  /**
   * Open loop instead of the window: `count` messages at `ratePerSec`, one at a time, publishers
   * taking turns; resolves when all have arrived (or after `timeoutMs`, with what arrived). At a
   * rate the broker handles with time to spare, each message is read, handled and written on its
   * own, so work per message does not depend on how the broker's reads happen to batch.
   */
  async paced(ratePerSec: number, count: number, timeoutMs: number): Promise<void> {
    const target = this.received + count
    const periodMs = 1000 / ratePerSec
    const t0 = performance.now()
    for (let i = 0; i < count; i++) {
      const wait = t0 + i * periodMs - performance.now()
      if (wait > 0) await sleep(wait)
      const k = this.next
      this.next = (this.next + 1) % this.clients.length
      this.clients[k]!.publish(this.topics[k]!, PAYLOAD_64, { qos: 0 })
      this.sent++
    }
    const deadline = performance.now() + timeoutMs
    while (this.received < target && performance.now() < deadline) await sleep(20)
  }

  /** Stops sending and waits (≤ 1 s) for what is in flight to arrive. */
  async stop(): Promise<void> {
    this.running = false
    for (let i = 0; i < 20 && this.inFlight() > 0; i++) await sleep(50)
  }

  tls(): string {
    return tlsOf(this.sub)
  }

  close(): void {
    this.running = false
    clearInterval(this.watchdog)
    closeAll([this.sub, ...this.clients])
  }
}

/**
 * QoS 1 round trip at a fixed total rate: publishers take turns (evenly staggered timers), the
 * reader subscribes with QoS 1, all in this process, so send and receipt share one clock. A
 * message is identified by its topic (the publisher) and a sequence number carried in fields the
 * hub's schema allows: humidity = ⌊seq / 101⌋ and battery = seq mod 101 (both integers 0…100),
 * unique per publisher for 10,201 messages. No order assumption is needed.
 */
export class Qos1Rig {
  readonly latencies: number[] = []
  lost = 0
  private readonly inFlight = new Map<string, number>()
  private readonly seq: number[]

  private constructor(
    private readonly sub: MqttClient,
    private readonly clients: MqttClient[],
    private readonly topics: string[],
  ) {
    this.seq = clients.map(() => 0)
    sub.on('message', (topic, payload) => {
      const now = performance.now()
      const p = JSON.parse(payload.toString()) as { humidity: number; battery: number }
      const key = `${topic}#${p.humidity * 101 + p.battery}`
      const t0 = this.inFlight.get(key)
      if (t0 === undefined) return
      this.inFlight.delete(key)
      this.latencies.push(now - t0)
    })
  }

  static async open(port: number, pubs: Cred[], reader: Cred): Promise<Qos1Rig> {
    const { sub, clients } = await openClients(port, pubs, reader, 1)
    return new Qos1Rig(sub, clients, pubs.map(topicOf))
  }

  private send(i: number): void {
    const seq = this.seq[i]!++
    if (seq >= 101 * 101) throw new Error('sequence numbers exhausted')
    const payload = `{"temperature":21.5,"humidity":${Math.floor(seq / 101)},"battery":${seq % 101}}`
    this.inFlight.set(`${this.topics[i]}#${seq}`, performance.now())
    this.clients[i]!.publish(this.topics[i]!, payload, { qos: 1 })
  }

  /** Publishes at `ratePerSec` in total for `ms`, then waits (≤ 2 s) for the last deliveries. */
  async run(ratePerSec: number, ms: number): Promise<void> {
    const n = this.clients.length
    const periodMs = (1000 * n) / ratePerSec
    const count = Math.floor(ms / periodMs)
    const timers: NodeJS.Timeout[] = []
    await Promise.all(
      this.clients.map(
        (_, i) =>
          new Promise<void>((resolve) => {
            let sent = 0
            timers.push(
              setTimeout(() => {
                const timer = setInterval(() => {
                  if (sent++ >= count) return clearInterval(timer), resolve()
                  this.send(i)
                }, periodMs)
                timers.push(timer)
              }, (i * periodMs) / n),
            )
          }),
      ),
    )
    for (const t of timers) clearTimeout(t)
    for (let i = 0; i < 40 && this.inFlight.size > 0; i++) await sleep(50)
    this.lost += this.inFlight.size
    this.inFlight.clear()
  }

  close(): void {
    closeAll([this.sub, ...this.clients])
  }
}
