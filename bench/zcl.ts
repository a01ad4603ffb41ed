import { ClusterId, ZclType, decodeZcl, encodeReport, encodeZoneStatusChange, shapeState, toState } from '../src/drivers/zcl/index.js'
import { validateState } from '../src/policy/device-kinds.js'
import { median, printTable } from './lib/table.js'

/**
 * ZCL codec throughput (issue 5): frames per second through decodeZcl → toState → shapeState,
 * for valid reports and for garbage, against the reference every MQTT device's publish already
 * pays in the same run: validateState on the equivalent JSON state (size check, JSON.parse,
 * kind schema).
 */
const N = Number(process.env.BENCH_ZCL_FRAMES ?? 200_000)
const ROUNDS = 5

const frames = [
  { cluster: ClusterId.msTemperatureMeasurement, kind: 'temperature' as const, data: encodeReport(ClusterId.msTemperatureMeasurement, [{ id: 0, type: ZclType.int16, value: 2150 }], 5).data },
  { cluster: ClusterId.msRelativeHumidity, kind: 'temperature' as const, data: encodeReport(ClusterId.msRelativeHumidity, [{ id: 0, type: ZclType.uint16, value: 4550 }], 6).data },
  { cluster: ClusterId.genOnOff, kind: 'switch' as const, data: encodeReport(ClusterId.genOnOff, [{ id: 0, type: ZclType.bool, value: true }], 7).data },
  { cluster: ClusterId.ssIasZone, kind: 'contact' as const, data: encodeZoneStatusChange(8, { zoneStatus: 1 }).data },
]
const json = [Buffer.from('{"temperature":21.5}'), Buffer.from('{"humidity":45.5}'), Buffer.from('{"state":"ON"}'), Buffer.from('{"contact":false,"tamper":false,"battery_low":false}')]
const jsonKinds = ['temperature', 'temperature', 'switch', 'contact'] as const
let seed = 42
const garbage = Array.from({ length: 1024 }, () => Uint8Array.from({ length: 1 + ((seed = (seed * 1103515245 + 12345) >>> 0) % 40) }, () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff))

function rate(fn: (i: number) => void): number {
  const rates: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    for (let i = 0; i < N; i++) fn(i)
    rates.push(N / ((performance.now() - t0) / 1000))
  }
  return median(rates)
}

export async function benchZcl(): Promise<void> {
  let sink = 0
  const ctx = { iasZoneType: 0x15 }
  const valid = rate((i) => {
    const f = frames[i & 3]!
    const r = decodeZcl(f.cluster, f.data)
    if (r.ok) sink += Object.keys(shapeState(f.kind, toState(f.cluster, r.frame, ctx).state).payload).length
  })
  const decodeOnly = rate((i) => {
    const f = frames[i & 3]!
    if (decodeZcl(f.cluster, f.data).ok) sink++
  })
  const bad = rate((i) => {
    if (!decodeZcl(ClusterId.msTemperatureMeasurement, garbage[i & 1023]!).ok) sink++
  })
  const reference = rate((i) => {
    if (validateState(jsonKinds[i & 3]!, json[i & 3]!, 1024).ok) sink++
  })
  const row = (name: string, r: number) => ({ case: name, 'frames/s': Math.round(r), 'µs/frame': 1e6 / r, 'vs reference': `${(r / reference).toFixed(2)}×` })
  printTable(`ZCL codec, ${N} frames × ${ROUNDS} rounds (median)`, [
    row('reference: validateState on the same state as MQTT JSON', reference),
    row('decodeZcl only (valid reports)', decodeOnly),
    row('decodeZcl + toState + shapeState (valid reports)', valid),
    row('decodeZcl on random garbage (refused)', bad),
  ])
  if (sink < 0) console.log(sink)
}
