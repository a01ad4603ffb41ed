import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { report, type BrokerKey, type Result } from './lib/broker-report.js'
import { addHubFleet, generatedFleet, startAedes, startHub, type BrokerProc, type Fleet } from './lib/brokers.js'
import { Children } from './lib/children.js'
import { cpuUse, ioSyscalls, mainThreadCpuSeconds, sampleCpu } from './lib/cpu.js'
import { FanInRig, Qos1Rig } from './lib/load.js'
import { startMosquitto } from './lib/mosquitto.js'
import { rssMb, sleep } from './lib/proc.js'
import { connectStorm } from './lib/storm.js'
import { percentile } from './lib/table.js'

/**
 * Broker benchmark: the hub's MQTTS broker (TLS, per-device tokens, ACL, payload validation)
 * next to bare aedes on TLS and Debian's mosquitto with TLS + password file + ACL file, in the
 * same run, with the same clients: MQTT.js 5 in this process, on one thread, so the broker has
 * the other core to itself. All three brokers run at once (idle ones cost nothing) and the
 * throughput and latency runs alternate between them in short rounds, so a busy neighbour on the
 * machine slows all three alike rather than whichever happened to run then. Nothing is asserted.
 */
const env = (name: string, dflt: number) => Number(process.env[name] ?? dflt)
const SETUP = {
  clients: env('BENCH_BROKER_CLIENTS', 2000),
  /** Seconds measured per broker, per metric, split into `rounds`. */
  seconds: env('BENCH_BROKER_SECONDS', 20),
  rounds: env('BENCH_BROKER_ROUNDS', 10),
  publishers: 50,
  qos1Publishers: 10,
  qos1Rate: 200,
  window: env('BENCH_BROKER_WINDOW', 500),
  concurrency: 100,
}
const ONLY = (process.env.BENCH_BROKER_ONLY ?? 'hub,aedes,mosquitto').split(',') as BrokerKey[]
/** Which measurements: `storm`, `fan`, `qos1` (all by default); `BENCH_BROKER_PARTS=fan` for quick throughput work. */
const PARTS = new Set((process.env.BENCH_BROKER_PARTS ?? 'storm,fan,qos1').split(','))

/** Hub flags so the throughput rows measure the broker, not the per-client publish budget… */
const UNTHROTTLED = ['--mqtt-publish-rate', '100000', '--mqtt-publish-burst', '100000']
/** …and with the admission caps raised, for "how fast can it admit" (the defaults get their own row). */
const CAPS_RAISED = [
  ...['--mqtt-connect-rate-per-address', '10000', '--mqtt-connect-burst-per-address', '10000'],
  ...['--mqtt-connect-rate-total', '100000', '--mqtt-connect-burst-total', '100000'],
]

interface Target {
  key: BrokerKey
  proc: BrokerProc
  fleet: Fleet
  res: Partial<Result>
}

const log = (s: string) => process.stderr.write(`  [broker] ${s}\n`)
const storm = (t: Target, whileConnected?: () => Promise<void>) =>
  connectStorm(t.proc.port, t.proc.pid, t.fleet.devices, { concurrency: SETUP.concurrency, deadlineMs: 45_000 }, whileConnected)

/** Runs `body` on each target in turn, `rounds` times, rotating who goes first. */
async function interleave(targets: Target[], body: (t: Target, round: number) => Promise<void>): Promise<void> {
  for (let r = 0; r < SETUP.rounds; r++)
    for (let i = 0; i < targets.length; i++) await body(targets[(i + r) % targets.length]!, r)
}

async function fanInRounds(targets: Target[], rigs: Map<BrokerKey, FanInRig>): Promise<void> {
  const roundMs = (SETUP.seconds * 1000) / SETUP.rounds
  const acc = new Map(targets.map((t) => [t.key, { sent: 0, received: 0, s: 0, cpu: { broker: 0, own: 0, others: 0 }, rounds: [] as number[], perCpu: [] as number[], mainCpu: 0, reads: 0, writes: 0 }]))
  await interleave(targets, async (t, round) => {
    const rig = rigs.get(t.key)!
    const a = acc.get(t.key)!
    rig.start()
    await sleep(round === 0 ? 1000 : 300)
    const [c0, m0, io0] = [sampleCpu(t.proc.pid), mainThreadCpuSeconds(t.proc.pid), ioSyscalls(t.proc.pid)]
    const [sent0, recv0, t0] = [rig.sent, rig.received, performance.now()]
    await sleep(roundMs)
    const s = (performance.now() - t0) / 1000
    const cpu = cpuUse(c0, sampleCpu(t.proc.pid), s)
    a.mainCpu += mainThreadCpuSeconds(t.proc.pid) - m0
    const io1 = ioSyscalls(t.proc.pid)
    a.reads += io1.reads - io0.reads
    a.writes += io1.writes - io0.writes
    a.sent += rig.sent - sent0
    a.received += rig.received - recv0
    a.s += s
    a.rounds.push((rig.received - recv0) / s)
    a.perCpu.push((rig.received - recv0) / Math.max(1e-3, (cpu.broker / 100) * s))
    for (const k of ['broker', 'own', 'others'] as const) a.cpu[k] += cpu[k] * s
    await rig.stop()
  })
  for (const t of targets) {
    const a = acc.get(t.key)!
    const cpu = { broker: a.cpu.broker / a.s, own: a.cpu.own / a.s, others: a.cpu.others / a.s }
    const rig = rigs.get(t.key)!
    t.res.fan = { sentPerSec: a.sent / a.s, receivedPerSec: a.received / a.s, cpu, rounds: a.rounds, perCpuRounds: a.perCpu, mainUsPerMsg: (a.mainCpu * 1e6) / Math.max(1, a.received), syscallsPer100: { reads: (100 * a.reads) / Math.max(1, a.received), writes: (100 * a.writes) / Math.max(1, a.received) }, stalls: rig.stalls, tls: rig.tls() }
  }
}

async function qos1Rounds(targets: Target[], rigs: Map<BrokerKey, Qos1Rig>): Promise<void> {
  await interleave(targets, (t) => rigs.get(t.key)!.run(SETUP.qos1Rate, (SETUP.seconds * 1000) / SETUP.rounds))
  for (const t of targets) {
    const { latencies: l, lost } = rigs.get(t.key)!
    t.res.lat = { p50: percentile(l, 50), p99: percentile(l, 99), max: Math.max(...l), samples: l.length, lost }
  }
}

async function startAll(children: Children, root: string, hubDir: string): Promise<Target[]> {
  const targets: Target[] = []
  for (const key of ONLY) {
    if (key === 'aedes') targets.push({ key, proc: await startAedes(children), fleet: generatedFleet(SETUP.clients), res: {} })
    if (key === 'mosquitto') {
      const dir = path.join(root, 'mosquitto')
      mkdirSync(dir)
      const fleet = generatedFleet(SETUP.clients)
      targets.push({ key, proc: await startMosquitto(children, dir, fleet), fleet, res: {} })
    }
    if (key === 'hub') {
      const first = await startHub(children, hubDir, [...UNTHROTTLED, ...CAPS_RAISED])
      const t0 = performance.now()
      const fleet = await addHubFleet(hubDir, SETUP.clients)
      log(`hub: ${SETUP.clients} devices added over the admin socket in ${Math.round(performance.now() - t0)} ms`)
      // Restarted, so its idle RSS is that of a hub booted with its devices, not of one that just wrote them.
      await first.stop()
      targets.push({ key, proc: await startHub(children, hubDir, [...UNTHROTTLED, ...CAPS_RAISED]), fleet, res: {} })
    }
  }
  return targets
}

export async function benchBroker(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-broker-'))
  const hubDir = path.join(root, 'hub')
  const children = new Children()
  const rigs: Array<{ close(): void }> = []
  let targets: Target[] = []
  try {
    targets = await startAll(children, root, hubDir)
    // Unmeasured warm-up (JIT on both sides): a small storm on each broker; then idle RSS, no clients.
    for (const t of targets) await connectStorm(t.proc.port, t.proc.pid, t.fleet.devices.slice(0, 100), { concurrency: SETUP.concurrency, deadlineMs: 30_000 })
    await sleep(2000)
    for (const t of targets) t.res.idleRss = rssMb(t.proc.pid)
    for (const t of PARTS.has('storm') ? targets : []) {
      log(`${t.key}: connect storm, ${SETUP.clients} clients`)
      t.res.storm = await storm(t, async () => {
        await sleep(2000)
        t.res.stormRss = rssMb(t.proc.pid)
      })
    }
    if (PARTS.has('fan')) log(`QoS 0 fan-in ${SETUP.publishers} → 1, ${SETUP.rounds} rounds per broker`)
    const fan = new Map<BrokerKey, FanInRig>()
    for (const t of PARTS.has('fan') ? targets : []) {
      const rig = await FanInRig.open(t.proc.port, t.fleet.devices.slice(0, SETUP.publishers), t.fleet.reader, SETUP.window)
      fan.set(t.key, rig)
      rigs.push(rig)
    }
    if (PARTS.has('fan')) await fanInRounds(targets, fan)
    for (const r of fan.values()) r.close()
    if (PARTS.has('qos1')) log(`QoS 1 round trip at ${SETUP.qos1Rate} msg/s, ${SETUP.rounds} rounds per broker`)
    const q = new Map<BrokerKey, Qos1Rig>()
    const qosPubs = (t: Target) => t.fleet.devices.slice(SETUP.publishers, SETUP.publishers + SETUP.qos1Publishers)
    for (const t of PARTS.has('qos1') ? targets : []) {
      const rig = await Qos1Rig.open(t.proc.port, qosPubs(t), t.fleet.reader)
      q.set(t.key, rig)
      rigs.push(rig)
    }
    if (PARTS.has('qos1')) await qos1Rounds(targets, q)
    for (const r of q.values()) r.close()
    const hub = PARTS.has('storm') ? targets.find((t) => t.key === 'hub') : undefined
    if (hub) {
      log('hub: connect storm with the default admission caps')
      await hub.proc.stop()
      hub.proc = await startHub(children, hubDir, [])
      await sleep(1000)
      hub.res.stormDefaults = await storm(hub)
    }
  } finally {
    for (const r of rigs) r.close()
    await children.stopAll()
    rmSync(root, { recursive: true, force: true })
  }
  report(Object.fromEntries(targets.map((t) => [t.key, t.res as Result])), SETUP)
}
