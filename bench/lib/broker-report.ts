import type { StormResult } from './storm.js'
import { printTable } from './table.js'

export type BrokerKey = 'hub' | 'aedes' | 'mosquitto'
const KEYS: BrokerKey[] = ['hub', 'aedes', 'mosquitto']

type Cpu = { broker: number; own: number; others: number }

/** Everything measured on one broker. */
export interface Result {
  idleRss: number
  storm: StormResult
  stormRss: number
  /** `rounds` and `perCpuRounds`: msg/s and msg per broker CPU-second of each round, in round order. */
  fan: { sentPerSec: number; receivedPerSec: number; cpu: Cpu; rounds: number[]; perCpuRounds: number[]; mainUsPerMsg: number; syscallsPer100: { reads: number; writes: number }; stalls: number; tls: string }
  lat: { p50: number; p99: number; max: number; samples: number; lost: number }
  /** Hub only: the storm again with the default admission caps. */
  stormDefaults?: StormResult
}

export interface Setup {
  clients: number
  seconds: number
  rounds: number
  publishers: number
  qos1Publishers: number
  qos1Rate: number
  window: number
  concurrency: number
}

const fmt = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits))
/** Broker CPU time spent per client that got in (refused attempts included in the cost). */
const perClientMs = (st: StormResult) => (st.cpu.broker / 100) * (st.ms / st.connected)
const cpuCell = (c: Cpu) => `${fmt(c.broker, 0)} / ${fmt(c.own, 0)} / ${fmt(c.others, 0)}`

/**
 * The ratio a ÷ b round by round — round i of two brokers ran back to back, so a drift of the
 * machine's speed (±20 % over minutes on a shared VM) cancels out — as "median (quartiles)".
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): string {
  const r = a.slice(0, b.length).map((x, i) => x / b[i]!).filter(Number.isFinite).sort((x, y) => x - y)
  if (r.length === 0) return '—'
  const q = (p: number) => {
    const at = p * (r.length - 1)
    const lo = Math.floor(at)
    return r[lo]! + (r[Math.min(lo + 1, r.length - 1)]! - r[lo]!) * (at - lo)
  }
  return `${fmt(q(0.5), 2)} (${fmt(q(0.25), 2)}–${fmt(q(0.75), 2)})`
}

/** A metric's value, or undefined if that part was not run (`BENCH_BROKER_PARTS`). */
function measured<T>(get: () => T): T | undefined {
  try {
    return get()
  } catch (err) {
    if (err instanceof TypeError) return undefined
    throw err
  }
}

/** Prints the comparison table (rows = metrics; ↑ higher is better, ↓ lower is better) and its notes. */
export function report(res: Partial<Record<BrokerKey, Result>>, s: Setup): void {
  const rows: Array<Record<string, string>> = []
  /** One metric; a getter may return text (then no ratio), a number gets `digits` and ratios. */
  const row = (metric: string, digits: number, get: (r: Result) => number | string | undefined, ratio = true) => {
    const v = Object.fromEntries(KEYS.map((k) => [k, res[k] ? measured(() => get(res[k]!)) : undefined]))
    const cell = (x: number | string | undefined) => (typeof x === 'string' ? x : fmt(x, digits))
    const r = (a: unknown, b: unknown) => (ratio && typeof a === 'number' && typeof b === 'number' && b ? fmt(a / b, 2) : '—')
    rows.push({
      metric,
      hub: cell(v.hub),
      aedes: cell(v.aedes),
      mosquitto: cell(v.mosquitto),
      'hub÷aedes': r(v.hub, v.aedes),
      'hub÷mosquitto': r(v.hub, v.mosquitto),
    })
  }
  const n = s.clients
  const dflt = (r: Result) => r.stormDefaults ?? r.storm
  row(`QoS0 fan-in ${s.publishers}→1, 64 B: msg/s delivered ↑`, 0, (r) => r.fan.receivedPerSec)
  row('  CPU % broker / clients / rest of box', 0, (r) => cpuCell(r.fan.cpu))
  row('  msg per broker CPU-second ↑', 0, (r) => r.fan.receivedPerSec / (r.fan.cpu.broker / 100))
  row("  broker's main thread, µs CPU per message ↓", 2, (r) => r.fan.mainUsPerMsg)
  row('  read syscalls per 100 messages ↓', 0, (r) => r.fan.syscallsPer100.reads)
  row('  write syscalls per 100 messages ↓', 0, (r) => r.fan.syscallsPer100.writes)
  const paired = (metric: string, get: (r: Result) => number[]) => {
    const of = (k: BrokerKey) => measured(() => get(res[k]!))
    const cell = (k: BrokerKey) => {
      const [h, o] = [of('hub'), of(k)]
      return h && o ? pairedRatio(h, o) : '—'
    }
    rows.push({ metric, hub: '', aedes: '', mosquitto: '', 'hub÷aedes': cell('aedes'), 'hub÷mosquitto': cell('mosquitto') })
  }
  paired('  msg/s, paired rounds: median ratio (quartiles)', (r) => r.fan.rounds)
  paired('  msg per CPU-s, paired rounds: median (quartiles)', (r) => r.fan.perCpuRounds)
  row(`QoS1 round trip at ${s.qos1Rate} msg/s: p50 ms ↓`, 2, (r) => r.lat.p50)
  row('  p99 ms ↓', 2, (r) => r.lat.p99)
  row('  max ms ↓', 1, (r) => r.lat.max)
  row('  lost', 0, (r) => `${r.lat.lost} of ${r.lat.samples + r.lat.lost}`)
  row(`Connect storm ${n}, hub caps raised: s ↓`, 2, (r) => r.storm.ms / 1000)
  row('  connects/s ↑', 0, (r) => (r.storm.connected / r.storm.ms) * 1000)
  row('  CPU % broker / clients / rest of box', 0, (r) => cpuCell(r.storm.cpu))
  row('  broker CPU ms per admitted client ↓', 2, (r) => perClientMs(r.storm))
  row('  refused (CONNACK 3) / other failures', 0, (r) => `${r.storm.refused} / ${r.storm.failed}`)
  row(`Connect storm ${n}, hub default caps: s ↓`, 2, (r) => dflt(r).ms / 1000)
  row('  connects/s ↑', 0, (r) => (dflt(r).connected / dflt(r).ms) * 1000)
  row('  broker CPU ms per admitted client ↓', 2, (r) => perClientMs(dflt(r)))
  row('  refused (CONNACK 3, retried) / other', 0, (r) => `${dflt(r).refused} / ${dflt(r).failed}`)
  row('RSS idle (warmed up, no clients), MB ↓', 1, (r) => r.idleRss)
  row(`RSS with ${n} idle clients, MB ↓`, 1, (r) => r.stormRss)
  row('  KB per connected client ↓', 1, (r) => ((r.stormRss - r.idleRss) * 1024) / r.storm.connected)
  printTable('Broker: hub vs bare aedes vs mosquitto, MQTTS on 127.0.0.1 (hub publish rate limit raised to 100,000/s for the throughput rows)', rows)
  const roundSec = s.seconds / s.rounds
  const notes = [
    `Clients: MQTT.js 5 in the bench process, one thread (the broker gets the other core); certificates not verified.`,
    `The three brokers run side by side; fan-in and QoS1 alternate between them in ${s.rounds} rounds of ${roundSec} s each (${s.seconds} s per broker).`,
    `"Paired rounds": the ratio of each round to the other broker's round right next to it, so a drift of the machine's speed cancels.`,
    `Fan-in: ${s.publishers} devices publish a 64-byte valid temperature report, QoS 0, each to its own hearth/<id>/state; one reader on`,
    `  hearth/+/state. Closed loop, ≤ ${s.window} messages in flight. If the clients' CPU is near 100 % and the broker's is not, the`,
    `  row is bounded by the clients: compare "msg per broker CPU-second". "rest of box" = other processes on the machine.`,
    `  Syscalls (/proc/<pid>/io syscr, syscw; every thread): fewer per message = more messages per socket read or write.`,
    `QoS1: ${s.qos1Publishers} publishers × ${s.qos1Rate / s.qos1Publishers} msg/s; latency = publish() call → the reader's 'message' event (same clock).`,
    `Storm: all ${n} clients start at once, ≤ ${s.concurrency} handshakes in flight, each from its own loopback address 127.1.x.y;`,
    `  CONNACK 3 → retry after a random 0…min(4 s, 100 ms·2^attempt). aedes and mosquitto have no admission control: the`,
    `  default-caps rows repeat their one storm. Hub defaults: 5 CONNECT/s per address (burst 20), 200/s total (burst 400).`,
    `TLS: ${KEYS.filter((k) => res[k]?.fan).map((k) => `${k} ${res[k]!.fan.tls}`).join('; ')}.`,
  ]
  for (const k of KEYS) {
    const r = res[k]
    if (!r) continue
    for (const st of [r.storm, r.stormDefaults]) if (st && st.connected < n) notes.push(`${k}: only ${st.connected}/${n} connected; last error: ${st.lastError}`)
    const parts = [
      r.fan && `fan-in msg/s per round ${r.fan.rounds.map((x) => fmt(x, 0)).join(', ')}; sent ${fmt(r.fan.sentPerSec, 0)}/s; ${r.fan.stalls} stalls`,
      r.storm && `storm ${r.storm.attempts} attempts` + (r.stormDefaults ? `, ${r.stormDefaults.attempts} with default caps (CPU ${cpuCell(r.stormDefaults.cpu)})` : ''),
    ]
    notes.push(`${k}: ${parts.filter(Boolean).join('; ')}`)
  }
  console.log('\n' + notes.join('\n'))
}
