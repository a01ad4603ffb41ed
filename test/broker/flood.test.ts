import t from 'tap'
type Tap = typeof t
declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0]
}
import { readFileSync } from 'node:fs'
import path from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { adminCall } from '../../src/admin/client.js'
import { startFlooder } from '../helpers/flood-clients.js'
import { startHubProcess, type HubProcess } from '../helpers/hub-process.js'
import { hubCa } from '../helpers/tls-client.js'

/**
 * The open-loop flood: 20 devices publish QoS 0 state as fast as their sockets take it for a
 * few seconds, with an integration subscribed to all of it, then all leave at the same moment.
 * The hub runs as its own process, with its default limits, so its RSS can be read from /proc.
 * Bare aedes died here with `RangeError: Maximum call stack size exceeded` in mqemitter when
 * the flood clients left; in the hub the per-client publish budget (back-pressure) keeps
 * mqemitter's queue short.
 */

const FLOODERS = 20
const FLOOD_MS = 4000
/** How long the probe keeps going after the flood clients left. */
const AFTER_MS = 1500
const RSS_BOUND_MB = 200
const LIFTED_RSS_BOUND_MB = 320
const PROBE_LATENCY_BOUND_MS = 2000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The process's resident set in MB, or NaN once it is gone. */
function rssMb(pid: number): number {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return Number.NaN
  }
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  return m ? Number(m[1]) / 1024 : Number.NaN
}

function connect(port: number, ca: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtts://localhost:${port}`, { ca, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts })
    c.once('connect', () => resolve(c))
    c.once('error', (err) => (c.end(true), reject(err)))
  })
}

/** A device publishing once per `everyMs` to a subscriber of its own; records each latency. */
async function startProbe(hub: HubProcess, port: number, ca: string, everyMs: number) {
  const sock = path.join(hub.dataDir, 'hearth.sock')
  const dev = (await adminCall(sock, 'device.add', { name: 'Probe', kind: 'temperature' })) as { id: string; token: string }
  const acct = (await adminCall(sock, 'account.add', { name: 'probe', role: 'integration' })) as { username: string; token: string }
  const topic = `hearth/${dev.id}/state`
  const sub = await connect(port, ca, { clientId: acct.username, username: acct.username, password: acct.token })
  const granted = await sub.subscribeAsync(topic, { qos: 0 })
  if (granted[0]?.qos !== 0) throw new Error(`probe subscription refused: ${JSON.stringify(granted)}`)
  const pub = await connect(port, ca, { clientId: dev.id, username: dev.id, password: dev.token })
  const sentAt: number[] = []
  const latency = new Map<number, number>()
  const disconnects = { pub: 0, sub: 0 }
  pub.on('close', () => disconnects.pub++)
  sub.on('close', () => disconnects.sub++)
  sub.on('message', (_t, payload) => {
    const s = JSON.parse(payload.toString()) as { temperature: number; humidity: number }
    const seq = s.humidity * 100 + s.temperature
    latency.set(seq, performance.now() - sentAt[seq]!)
  })
  const timer = setInterval(() => {
    const seq = sentAt.length
    sentAt.push(performance.now())
    pub.publish(topic, JSON.stringify({ temperature: seq % 100, humidity: Math.floor(seq / 100) }), { qos: 0 })
  }, everyMs)
  return {
    /** Stops probing; waits up to `graceMs` for the last probes. */
    async stop(graceMs: number) {
      clearInterval(timer)
      const deadline = performance.now() + graceMs
      while (latency.size < sentAt.length && performance.now() < deadline) await sleep(20)
      const missing = sentAt.map((_, i) => i).filter((i) => !latency.has(i))
      const result = { sent: sentAt.length, missing, maxLatency: Math.max(...latency.values()), disconnects: { ...disconnects } }
      pub.end(true)
      sub.end(true)
      return result
    },
  }
}

/** Samples the hub's RSS every 100 ms. */
function rssSampler(pid: number) {
  const samples: number[] = [rssMb(pid)]
  const timer = setInterval(() => samples.push(rssMb(pid)), 100)
  return {
    stop() {
      clearInterval(timer)
      const seen = samples.filter((s) => !Number.isNaN(s))
      return { peak: Math.max(...seen), first: samples[0]!, n: seen.length, gone: samples.length - seen.length }
    },
  }
}

/**
 * One flood scenario. With `args` lifting the per-client publish budget, only the broker's
 * global back-pressure and its non-recursive emitter stand between the flood and a crash
 * (the stack overflow that kills bare aedes when the flood clients leave).
 */
async function flood(t: Tap.Test, args: string[], budgeted: boolean): Promise<void> {
  const t0 = performance.now()
  const phases: string[] = []
  const phase = (name: string) => phases.push(`${name} ${(performance.now() - t0).toFixed(0)}`)
  const hub = await startHubProcess({ timeoutMs: 30_000, args })
  t.teardown(() => hub.stop('SIGKILL'))
  phase('hub up')
  const pid = hub.proc.pid!
  const port = hub.ready.listeners.mqtts.port
  const ca = hubCa(hub.dataDir)
  const sock = path.join(hub.dataDir, 'hearth.sock')
  const devices: Array<{ id: string; token: string }> = []
  for (let i = 0; i < FLOODERS; i++) devices.push((await adminCall(sock, 'device.add', { name: `Flood ${i}`, kind: 'temperature' })) as { id: string; token: string })
  const subscriber = (await adminCall(sock, 'account.add', { name: 'ha', role: 'integration' })) as { username: string; token: string }
  phase('accounts added')
  const rss = rssSampler(pid)
  const probe = await startProbe(hub, port, ca, 100)
  phase('probe started')
  const flooder = startFlooder({ port, ca, devices, subscriber, durationMs: FLOOD_MS, firstHost: 10 })
  t.teardown(() => flooder.kill())
  await flooder.connected
  phase('flooders connected')
  const report = await flooder.left
  phase('flooders left')
  await sleep(AFTER_MS) // probes after everyone left
  const p = await probe.stop(3000)
  const mem = rss.stop()
  phase('probe stopped')

  t.equal(hub.proc.exitCode, null, 'the hub process is still running')
  t.equal(mem.gone, 0, 'its /proc entry never went away while sampled')
  if (hub.proc.exitCode !== null) t.comment(`hub exited ${hub.proc.exitCode}; stderr:\n${hub.stderr().slice(-3000)}`)
  t.notMatch(hub.stderr(), /RangeError|Maximum call stack|internal error/, 'no stack overflow or internal error logged')
  // The same admin-socket call `hearth status` makes.
  const status = (await adminCall(sock, 'status').catch((err: Error) => ({ error: err.message }))) as { broker?: Record<string, number>; error?: string }
  t.ok(status.broker, `the hub answers status over its admin socket ${status.error ?? ''}`)
  const broker = status.broker ?? {}
  t.comment(`flood: ${report.published} publish() calls by ${FLOODERS} clients in ${FLOOD_MS} ms; subscriber received ${report.received}; closed early ${report.closedEarly}`)
  phase('status answered')
  t.comment(`timeline (ms): ${phases.join(', ')}`)
  t.comment(`hub counters: ${JSON.stringify(broker)}`)
  // With the per-client budget lifted (an operator's choice, not the default) the peak is held
  // only by the global back-pressure; it is bounded, but higher (open item in the issue notes).
  const bound = budgeted ? RSS_BOUND_MB : LIFTED_RSS_BOUND_MB
  t.comment(`hub RSS: ${mem.first.toFixed(1)} MB before, peak ${mem.peak.toFixed(1)} MB over ${mem.n} samples (bound ${bound} MB)`)
  t.comment(`probe: ${p.sent - p.missing.length}/${p.sent} arrived, max latency ${p.maxLatency.toFixed(0)} ms`)

  t.ok(report.published > 0 && broker.published! > 1000, `the flood reached the hub (${broker.published} publishes authorized)`)
  if (budgeted) t.ok(broker.throttled! > 0, `the publish budget held it back (${broker.throttled} publishes throttled)`)
  t.equal(report.closedEarly, 0, 'no flood publisher was cut off (over-budget publishers are slowed, not dropped)')
  t.ok(mem.n >= (FLOOD_MS / 100) * 0.8, `RSS sampled throughout (${mem.n} samples)`)
  t.ok(mem.peak < bound, `peak RSS ${mem.peak.toFixed(1)} MB < ${bound} MB`)
  t.same(p.disconnects, { pub: 0, sub: 0 }, 'the probe pair stayed connected')
  t.ok(p.sent >= (FLOOD_MS + AFTER_MS) / 100 - 5, `${p.sent} probes sent`)
  if (budgeted) {
    t.same(p.missing, [], 'every probe message arrived')
    t.ok(p.maxLatency < PROBE_LATENCY_BOUND_MS, `probe max latency ${p.maxLatency.toFixed(0)} ms < ${PROBE_LATENCY_BOUND_MS} ms`)
  } else {
    // Without per-client budgets the global back-pressure holds every publisher alike, the
    // probe included: it is slowed (seconds) and some of its QoS 0 messages arrive after the
    // window closes — but it is still served. Fairness under a lifted budget is an open item.
    t.ok(p.missing.length <= p.sent * 0.5, `${p.sent - p.missing.length}/${p.sent} probes arrived (max latency ${p.maxLatency.toFixed(0)} ms)`)
  }
}

t.test('open-loop flood of 20 publishers, then all leave at once: the hub survives, stays bounded, and keeps serving a probe', (t) => flood(t, [], true))

t.test('the same flood with the per-client publish budget lifted: global back-pressure keeps the hub alive', (t) =>
  flood(t, ['--mqtt-publish-rate', '100000', '--mqtt-publish-burst', '100000'], false),
)
