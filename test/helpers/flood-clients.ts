import { spawn, type ChildProcess } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'

/**
 * Open-loop MQTT publishers in a child process of their own (at a lower scheduling priority
 * once connected), so their CPU does not slow down the test process that measures the hub (probe latency, RSS).
 * Each device publishes QoS 0 state in a tight loop, a batch per `setImmediate` turn, never
 * waiting for anything the hub says; it only pauses while its own socket already holds
 * `maxBufferedBytes` unsent, until the socket drains (an open-loop sender cannot queue more
 * than its kernel and TLS layer take without growing its own heap without bound). At the end
 * every client is destroyed in the same tick.
 */
export interface FloodPlan {
  port: number
  ca: string
  devices: Array<{ id: string; token: string }>
  /** An integration account subscribed to `hearth/+/state` for the whole flood. */
  subscriber?: { username: string; token: string }
  durationMs: number
  /** Publishers connect from 127.0.0.<firstHost + i> (each address has its own CONNECT budget). */
  firstHost: number
  batch?: number
  maxBufferedBytes?: number
}

/** What the child reports when its clients have left. */
export interface FloodReport {
  event: 'left'
  published: number
  received: number
  /** Publishers whose connection the hub closed during the flood. */
  closedEarly: number
}

export interface Flooder {
  proc: ChildProcess
  /** Resolves once every client has connected (CONNACK 0). */
  connected: Promise<void>
  /** Resolves when the flood ended and every client was destroyed. */
  left: Promise<FloodReport>
  kill(): void
}

const SELF = path.resolve('dist/test/helpers/flood-clients.js')

/** Starts the flood child (built by `tsc -p .`, like the hub itself). */
export function startFlooder(plan: FloodPlan): Flooder {
  // The plan (tokens included) goes through stdin, not argv: argv is readable by every user.
  const proc = spawn(process.execPath, [SELF, '--child'], { stdio: ['pipe', 'pipe', 'pipe'] })
  proc.stdin!.end(JSON.stringify(plan))
  let err = ''
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  const events = new Map<string, (v: unknown) => void>()
  const failures: Array<(e: Error) => void> = []
  let out = ''
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d
    let nl: number
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl)
      out = out.slice(nl + 1)
      const msg = JSON.parse(line) as { event: string }
      events.get(msg.event)?.(msg)
    }
  })
  proc.once('exit', (code) => failures.forEach((f) => f(new Error(`flood child exited ${code} early: ${err}`))))
  const on = <T>(event: string) =>
    new Promise<T>((resolve, reject) => {
      events.set(event, (v) => resolve(v as T))
      failures.push(reject)
    })
  const connected = on<void>('connected')
  const left = on<FloodReport>('left')
  // Once connected, the load generator yields to the hub and to the probe when CPUs are contended.
  void connected.then(() => {
    try {
      if (proc.pid) os.setPriority(proc.pid, 10)
    } catch {
      // already gone: `left` reports it
    }
  })
  // Each promise is awaited by the test in its turn; keep an early exit from being "unhandled".
  connected.catch(() => {})
  left.catch(() => {})
  return { proc, connected, left, kill: () => proc.exitCode === null && proc.kill('SIGKILL') }
}

/** mqtt.js passes `localAddress` on to `tls.connect`, but its option type does not list it. */
type ConnectOptions = mqtt.IClientOptions & { localAddress?: string }

function connect(plan: FloodPlan, opts: ConnectOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtts://localhost:${plan.port}`, { ca: plan.ca, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...opts })
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
}

async function child(plan: FloodPlan): Promise<void> {
  const batch = plan.batch ?? 100
  const maxBuffered = plan.maxBufferedBytes ?? 1024 * 1024
  let received = 0
  const sub = plan.subscriber
    ? await connect(plan, { clientId: plan.subscriber.username, username: plan.subscriber.username, password: plan.subscriber.token, localAddress: `127.0.0.${plan.firstHost - 1}` })
    : undefined
  if (sub) {
    sub.on('message', () => received++)
    await sub.subscribeAsync('hearth/+/state', { qos: 0 })
  }
  const pubs = await Promise.all(
    plan.devices.map((d, i) => connect(plan, { clientId: d.id, username: d.id, password: d.token, localAddress: `127.0.0.${plan.firstHost + i}` })),
  )
  let closedEarly = 0
  let stopping = false
  for (const p of pubs) p.once('close', () => (stopping ? undefined : closedEarly++))
  process.stdout.write(JSON.stringify({ event: 'connected' }) + '\n')

  let published = 0
  const payload = JSON.stringify({ temperature: 21.5, humidity: 40, battery: 90 })
  const pump = (c: MqttClient, topic: string) => {
    if (stopping || !c.connected) return
    const stream = c.stream as unknown as { writableLength: number; once(event: 'drain', fn: () => void): void }
    if (stream.writableLength >= maxBuffered) return stream.once('drain', () => pump(c, topic))
    for (let k = 0; k < batch; k++) {
      c.publish(topic, payload, { qos: 0 })
      published++
    }
    setImmediate(pump, c, topic)
  }
  pubs.forEach((c, i) => pump(c, `hearth/${plan.devices[i]!.id}/state`))
  await new Promise((r) => setTimeout(r, plan.durationMs))
  // Everyone leaves at once: the moment bare aedes overflowed its stack in mqemitter.
  stopping = true
  for (const c of pubs) c.end(true)
  sub?.end(true)
  process.stdout.write(JSON.stringify({ event: 'left', published, received, closedEarly } satisfies FloodReport) + '\n')
  setTimeout(() => process.exit(0), 100)
}

async function readStdin(): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) text += String(chunk)
  return text
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  readStdin()
    .then((text) => child(JSON.parse(text) as FloodPlan))
    .catch((err: Error) => {
      process.stderr.write(`flood child: ${err.message}\n`)
      process.exit(1)
    })
}
