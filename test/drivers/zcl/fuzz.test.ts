import t from 'tap'
import v8 from 'node:v8'
import vm from 'node:vm'
import {
  CLUSTERS,
  ClusterId,
  ZclType,
  decodeZcl,
  encodeCommand,
  encodeConfigureReporting,
  encodeIasEnrollRequest,
  encodeReadAttributes,
  encodeReadAttributesResponse,
  encodeReport,
  encodeWriteAttributes,
  encodeZoneStatusChange,
  shapeState,
  toState,
  type ZclReason,
} from '../../../src/drivers/zcl/index.js'

/**
 * Fuzz (issue 5 "Must show"): ≥ 100,000 random and mutated frames through decodeZcl + toState +
 * shapeState. No exception escapes, the heap does not grow with the number of frames, and every
 * refused frame is counted under a known reason. Seeded, so a failure can be replayed.
 */

const SEED = Number(process.env.ZCL_FUZZ_SEED ?? 0x5eed2026)
const FRAMES = Number(process.env.ZCL_FUZZ_FRAMES ?? 120_000)

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const REASONS: ReadonlySet<ZclReason> = new Set(['empty', 'too-long', 'truncated', 'reserved-frame-type', 'unknown-type', 'unknown-command', 'bad-string', 'bad-direction', 'internal'])
const CLUSTER_IDS = [...CLUSTERS.keys()]

/** Valid frames of every command and data type the codec knows, to mutate. */
const SEEDS = [
  encodeReport(ClusterId.msTemperatureMeasurement, [{ id: 0, type: ZclType.int16, value: 2150 }], 5),
  encodeReport(ClusterId.msRelativeHumidity, [{ id: 0, type: ZclType.uint16, value: 4567 }], 6),
  encodeReport(ClusterId.genPowerCfg, [{ id: 0x21, type: ZclType.uint8, value: 180 }, { id: 0x20, type: ZclType.uint32, value: 7 }], 7),
  encodeReport(ClusterId.genOnOff, [{ id: 0, type: ZclType.bool, value: true }], 8),
  encodeReport(ClusterId.genLevelCtrl, [{ id: 0, type: ZclType.uint8, value: 100 }], 9),
  encodeReport(ClusterId.msOccupancySensing, [{ id: 0, type: ZclType.bitmap8, value: 1 }], 10),
  encodeReport(ClusterId.ssIasZone, [{ id: 2, type: ZclType.bitmap16, value: 5 }, { id: 1, type: ZclType.enum16, value: 0x15 }], 11),
  encodeReport(0, [{ id: 1, type: ZclType.int8, value: -3 }, { id: 7, type: ZclType.enum8, value: 3 }], 12, { manufacturerCode: 0x115f }),
  encodeReadAttributesResponse(0, [{ id: 4, status: 0, type: ZclType.charStr, value: 'Hearth' }, { id: 5, status: 0x86 }], 13),
  encodeReadAttributes(0, [4, 5, 7], 14),
  encodeWriteAttributes(ClusterId.ssIasZone, [{ id: 0x10, type: ZclType.ieee, value: '0x00124b0001020304' }], 15),
  encodeConfigureReporting(ClusterId.msTemperatureMeasurement, [{ direction: 0, id: 0, type: ZclType.int16, minInterval: 10, maxInterval: 300, reportableChange: 10 }, { direction: 1, id: 0, timeout: 60 }], 16),
  encodeZoneStatusChange(17, { zoneStatus: 1, zoneId: 2, delay: 3 }),
  encodeIasEnrollRequest(18, { zoneType: 0x15, manufacturerCode: 0x1234 }),
  encodeCommand({ cmd: 'level', level: 40, transitionDs: 5 }, 19),
  encodeCommand({ cmd: 'toggle' }, 20),
]

function mutate(rand: () => number, src: Uint8Array): Uint8Array {
  const b = [...src]
  const n = 1 + Math.floor(rand() * 4)
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * (b.length + 1))
    switch (Math.floor(rand() * 5)) {
      case 0: // flip a bit
        if (b.length) b[at % b.length]! ^= 1 << Math.floor(rand() * 8)
        break
      case 1: // set a byte
        if (b.length) b[at % b.length] = Math.floor(rand() * 256)
        break
      case 2: // insert
        b.splice(at, 0, Math.floor(rand() * 256))
        break
      case 3: // delete
        b.splice(at, 1)
        break
      case 4: // truncate
        b.length = Math.min(b.length, at)
        break
    }
  }
  return Uint8Array.from(b)
}

function gc(): void {
  v8.setFlagsFromString('--expose-gc')
  ;(vm.runInNewContext('gc') as () => void)()
}

t.test(`fuzz: ${FRAMES} random and mutated frames, seed 0x${SEED.toString(16)}`, async (t) => {
  const rand = mulberry32(SEED)
  const byReason = new Map<string, number>()
  const rejectedValues = new Map<string, number>()
  let ok = 0
  let bad = 0
  let escaped = 0
  let published = 0
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  let heapMid = 0
  for (let i = 0; i < FRAMES; i++) {
    if (i === FRAMES / 2) {
      gc()
      heapMid = process.memoryUsage().heapUsed
    }
    const cluster = rand() < 0.9 ? CLUSTER_IDS[Math.floor(rand() * CLUSTER_IDS.length)]! : Math.floor(rand() * 0x10000)
    let data: Uint8Array
    const mode = rand()
    if (mode < 0.3) {
      // random bytes, with a plausible header half of the time
      data = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))
      if (data.length > 0 && rand() < 0.5) data[0] = [0x18, 0x08, 0x10, 0x19, 0x1c, 0x01][Math.floor(rand() * 6)]!
    } else if (mode < 0.31) {
      data = new Uint8Array(Math.floor(rand() * 600)) // oversized
    } else {
      data = mutate(rand, SEEDS[Math.floor(rand() * SEEDS.length)]!.data)
    }
    try {
      const r = decodeZcl(cluster, data)
      if (r.ok) {
        ok++
        const ctx = rand() < 0.5 ? {} : { iasZoneType: rand() < 0.5 ? 0x15 : 0x0d }
        const s = toState(cluster, r.frame, ctx)
        for (const x of s.rejected) rejectedValues.set(x.reason, (rejectedValues.get(x.reason) ?? 0) + 1)
        for (const kind of ['temperature', 'switch', 'light', 'contact', 'motion'] as const) published += Object.keys(shapeState(kind, s.state).payload).length
      } else {
        bad++
        byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1)
      }
    } catch {
      escaped++
    }
  }
  gc()
  const heapAfter = process.memoryUsage().heapUsed
  const counted = [...byReason.values()].reduce((a, b) => a + b, 0)
  t.equal(escaped, 0, 'no exception escapes decodeZcl/toState/shapeState')
  t.equal(ok + bad, FRAMES, 'every frame is either decoded or refused')
  t.equal(counted, bad, 'every refused frame is counted under a reason')
  for (const r of byReason.keys()) t.ok(REASONS.has(r as ZclReason), `known reason ${r}`)
  t.notOk(byReason.has('internal'), 'no frame hit an unexpected error inside the decoder')
  t.ok(ok > FRAMES / 10 && bad > FRAMES / 10, `both outcomes exercised (ok ${ok}, refused ${bad})`)
  for (const r of ['truncated', 'unknown-type', 'unknown-command', 'too-long', 'empty', 'reserved-frame-type'])
    t.ok((byReason.get(r) ?? 0) > 0, `reason ${r} was exercised`)
  t.ok(rejectedValues.size > 0 && published > 0, 'values were both rejected and accepted')
  // Bounded memory: the heap after the second half is not above the heap after the first by more
  // than noise (a leak per frame would add ≥ 60,000 × a few dozen bytes here).
  const growth = heapAfter - heapMid
  t.ok(growth < 2 * 1024 * 1024, `heap growth over the second half ${(growth / 1024).toFixed(0)} KiB < 2 MiB (before ${(heapBefore / 1048576).toFixed(1)} MiB, after ${(heapAfter / 1048576).toFixed(1)} MiB)`)
  t.comment(`refused by reason: ${JSON.stringify(Object.fromEntries(byReason))}`)
  t.comment(`values rejected by reason: ${JSON.stringify(Object.fromEntries(rejectedValues))}`)
})
