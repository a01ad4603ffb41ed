import { createRequire } from 'node:module'
import path from 'node:path'
import mqtt from 'mqtt'
import { resolveConfig } from '../src/core/config.js'
import { silentLogger } from '../src/core/log.js'
import { startHub } from '../src/hub.js'
import { encodeFrame, FrameType, Subsystem } from '../src/drivers/znp/frame.js'
import { encodeFields } from '../src/drivers/znp/codec.js'
import { ZnpParser } from '../src/drivers/znp/parser.js'
import { encodeReport } from '../src/drivers/zcl/index.js'
import { ptyPair, simOnPty, tmpDir, waitFor } from '../test/helpers/zigbee.js'
import { median, percentile, printTable } from './lib/table.js'

/**
 * Zigbee (issue 5):
 * 1. report → MQTT subscriber latency over a socat pty: the simulator sends a temperature report
 *    (AF_INCOMING_MSG), the hub parses, decodes, validates and publishes it, a real MQTT client
 *    over TLS receives `hearth/<id>/state`. Reference in the same run: a Wi-Fi device's own
 *    MQTT publish of the same state to the same subscriber.
 * 2. ZNP parser throughput (AF_INCOMING_MSG frames/s, 64-byte chunks as a serial port delivers them), against zigbee-herdsman's
 *    unpi parser on the same bytes.
 */
const REPORTS = Number(process.env.BENCH_ZIGBEE_REPORTS ?? 300)
const FRAMES = Number(process.env.BENCH_ZIGBEE_FRAMES ?? 200_000)

function afFrame(i: number): Buffer {
  const zcl = Buffer.from(encodeReport(0x0402, [{ id: 0, type: 0x29, value: 2000 + (i % 500) }], i & 0xff, { serverToClient: true, disableDefaultResponse: true }).data)
  const head = encodeFields([['g', 'u16'], ['c', 'u16'], ['s', 'u16'], ['se', 'u8'], ['de', 'u8'], ['b', 'u8'], ['l', 'u8'], ['sec', 'u8'], ['t', 'u32'], ['q', 'u8']], {
    g: 0, c: 0x0402, s: 0x1234, se: 1, de: 1, b: 0, l: 200, sec: 0, t: i, q: i & 0xff,
  })
  return encodeFrame({ type: FrameType.AREQ, subsystem: Subsystem.AF, cmd: 0x81, payload: Buffer.concat([head, Buffer.from([zcl.length]), zcl, Buffer.from([0x34, 0x12, 0x1e])]) })
}

async function parserRates(): Promise<{ ours: number; herdsman: number; bytes: number }> {
  const stream = Buffer.concat(Array.from({ length: 2000 }, (_, i) => afFrame(i)))
  const chunks: Buffer[] = []
  for (let o = 0; o < stream.length; o += 64) chunks.push(stream.subarray(o, o + 64))
  const rounds = Math.max(1, Math.round(FRAMES / 2000))
  const run = (push: (b: Buffer) => void, count: () => number) => {
    const rates: number[] = []
    for (let r = 0; r < 5; r++) {
      const before = count()
      const t0 = performance.now()
      for (let k = 0; k < rounds; k++) for (const c of chunks) push(c)
      rates.push((count() - before) / ((performance.now() - t0) / 1000))
    }
    return median(rates)
  }
  let n = 0
  const ours = new ZnpParser(() => n++)
  const oursRate = run((b) => ours.push(b), () => n)
  const require = createRequire(import.meta.url)
  const herdsman = require('zigbee-herdsman') as { setLogger(l: object): void }
  const noop = () => {}
  herdsman.setLogger({ debug: noop, info: noop, warning: noop, error: noop })
  const { Parser } = require('zigbee-herdsman/dist/adapter/z-stack/unpi/parser.js') as { Parser: new () => import('node:stream').Transform }
  let m = 0
  const theirs = new Parser()
  theirs.on('parsed', () => m++)
  const theirRate = run((b) => theirs.write(b), () => m)
  return { ours: oursRate, herdsman: theirRate, bytes: stream.length / 2000 }
}

async function latency(): Promise<{ zigbee: number[]; mqtt: number[] }> {
  const teardowns: Array<() => unknown> = []
  const t = { teardown: (fn: () => unknown) => void teardowns.push(fn) }
  try {
    const pair = await ptyPair(t)
    const { sim } = await simOnPty(t, pair)
    const dataDir = path.join(tmpDir('hearth-bench-zb-'), 'data')
    const config = resolveConfig({ env: {}, flags: { '--data-dir': dataDir, '--mqtt-port': '0', '--http-port': '0', '--zigbee-port': pair.hub, '--mqtt-publish-rate': '100000', '--mqtt-publish-burst': '100000' }, baseDir: '/' })
    const hub = await startHub(config, silentLogger)
    teardowns.push(() => hub.stop())
    await waitFor(() => hub.status().zigbee.online, 20_000, 'coordinator')
    const { adminCall } = await import('../src/admin/client.js')
    const sock = path.join(dataDir, 'hearth.sock')
    await adminCall(sock, 'pairing.open', { seconds: 60 })
    const dev = sim.join('temperature')!
    await waitFor(() => hub.status().zigbee.stats['joined'] === 1, 10_000, 'interview')
    const id = ((await adminCall(sock, 'device.list')) as Array<{ username: string }>)[0]!.username
    const wifi = (await adminCall(sock, 'device.add', { name: 'wifi', kind: 'temperature' })) as { id: string; token: string }
    const integ = (await adminCall(sock, 'account.add', { name: 'bench', role: 'integration' })) as { token: string }
    const port = hub.status().listeners.mqtts.port
    const ca = hub.identity.tls.ca
    const connect = (username: string, password: string) =>
      new Promise<mqtt.MqttClient>((resolve, reject) => {
        const c = mqtt.connect(`mqtts://localhost:${port}`, { ca, username, password, clientId: username, reconnectPeriod: 0, protocolVersion: 4 })
        c.once('connect', () => resolve(c))
        c.once('error', reject)
      })
    const sub = await connect('bench', integ.token)
    const pub = await connect(wifi.id, wifi.token)
    teardowns.push(() => (sub.end(true), pub.end(true)))
    await sub.subscribeAsync([`hearth/${id}/state`, `hearth/${wifi.id}/state`])
    const waiting = new Map<string, () => void>()
    sub.on('message', (topic, payload) => {
      const v = JSON.parse(payload.toString()).temperature
      waiting.get(`${topic}|${v}`)?.()
    })
    const measure = async (topic: string, send: (v: number) => void) => {
      const out: number[] = []
      for (let i = 0; i < REPORTS; i++) {
        const v = (1000 + (i % 2000)) / 100
        const got = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no state ${v} on ${topic}`)), 5000)
          waiting.set(`${topic}|${v}`, () => (clearTimeout(timer), resolve()))
        })
        const t0 = performance.now()
        send(v)
        await got
        out.push(performance.now() - t0)
        waiting.delete(`${topic}|${v}`)
      }
      return out
    }
    // Warm-up, then the measured runs.
    await measure(`hearth/${id}/state`, (v) => sim.report(dev, dev.set(0x0402, 0, Math.round(v * 100))))
    const zigbee = await measure(`hearth/${id}/state`, (v) => sim.report(dev, dev.set(0x0402, 0, Math.round(v * 100))))
    const direct = await measure(`hearth/${wifi.id}/state`, (v) => void pub.publish(`hearth/${wifi.id}/state`, JSON.stringify({ temperature: v }), { qos: 0 }))
    return { zigbee, mqtt: direct }
  } finally {
    for (const fn of teardowns.reverse()) await fn()
  }
}

export async function benchZigbee(): Promise<void> {
  const l = await latency()
  const row = (name: string, xs: number[]) => ({ path: name, n: xs.length, 'p50 ms': percentile(xs, 50), 'p99 ms': percentile(xs, 99), 'max ms': Math.max(...xs) })
  printTable('Zigbee report → MQTT subscriber (TLS), over a socat pty', [
    row('reference: Wi-Fi device MQTT publish → subscriber', l.mqtt),
    row('Zigbee: sim AF_INCOMING_MSG → pty → hub → subscriber', l.zigbee),
  ])
  const p = await parserRates()
  const r = (name: string, v: number) => ({ parser: name, 'frames/s': Math.round(v), 'MB/s': (v * p.bytes) / 1e6, 'vs reference': `${(v / p.herdsman).toFixed(2)}×` })
  printTable(`ZNP parser, AF_INCOMING_MSG frames (${Math.round(p.bytes)} B), 64-byte chunks, median of 5`, [
    { parser: 'for scale: a 115200-baud line carries at most', 'frames/s': Math.round(11520 / p.bytes), 'MB/s': 0.01152, 'vs reference': '' },
    r('reference: zigbee-herdsman unpi Parser (Transform)', p.herdsman),
    r('hearth ZnpParser (bounded, resyncing)', p.ours),
  ])
}
