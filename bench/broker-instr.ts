import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { addHubFleet, generatedFleet, startAedes, startHub, type BrokerProc, type Fleet } from './lib/brokers.js'
import { Children } from './lib/children.js'
import { FanInRig } from './lib/load.js'
import { sleep } from './lib/proc.js'
import { printTable } from './lib/table.js'

/**
 * The QoS 0 fan-in of bench/broker.ts (50 publishers → 1 reader on hearth/+/state, 64-byte
 * valid temperature reports, ≤ `window` in flight), with each Node broker run under valgrind's
 * callgrind: what it reports is the number of instructions the broker process executes per
 * delivered message (every thread: JS, GC, TLS in OpenSSL — not the kernel), counted only
 * while the measured messages flow. Unlike CPU time, that count does not depend on what else
 * the machine is doing, so two runs on a busy box agree; it does not see cache misses or
 * syscalls, so it complements the timed bench rather than replacing it.
 *
 * Two ways to send the measured messages (the warm-up always uses the window):
 * - `BENCH_INSTR_RATE=N` (default 200 messages per second): open loop, slow enough that the
 *   broker, even under valgrind, takes each message on its own: one socket read, one
 *   write. This is the broker's own work per message: hub ÷ aedes repeats within 0.02 between
 *   runs, while the absolute count drifts by up to 7 % (timer and GC work in the window), so
 *   compare brokers within one run.
 * - `BENCH_INSTR_RATE=0`: the window, as in the timed bench. The count then also depends on how
 *   many messages each socket read happens to carry, which varies from run to run (80–89 k
 *   instructions per message for the hub in one week's runs).
 * `BENCH_INSTR_MESSAGES` measured (default 4,000 paced, 20,000 windowed) after
 * `BENCH_INSTR_WARMUP` (20,000); `BENCH_INSTR_CACHE=1` adds callgrind's cache simulation (data
 * and last-level misses per message).
 */
const RATE = Number(process.env.BENCH_INSTR_RATE ?? 200)
const N = Number(process.env.BENCH_INSTR_MESSAGES ?? (RATE > 0 ? 4_000 : 20_000))
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? 20_000)
const WINDOW = Number(process.env.BENCH_BROKER_WINDOW ?? 500)
const ONLY = (process.env.BENCH_BROKER_ONLY ?? 'hub,aedes').split(',').filter((k) => k === 'hub' || k === 'aedes')
const PUBLISHERS = 50
const UNTHROTTLED = ['--mqtt-publish-rate', '100000', '--mqtt-publish-burst', '100000']

const log = (s: string) => process.stderr.write(`  [broker-instr] ${s}\n`)

async function until(rig: FanInRig, received: number): Promise<void> {
  rig.start()
  while (rig.received < received) await sleep(20)
  await rig.stop()
}

const CACHE_SIM = process.env.BENCH_INSTR_CACHE === '1'

/** Event totals of a callgrind dump file (its `events:` and `summary:`/`totals:` lines), by event name. */
function totals(file: string): Record<string, number> {
  const text = readFileSync(file, 'utf8')
  const names = /^events:\s+(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/)
  const m = /^(?:summary|totals):\s+(.+)$/m.exec(text)
  if (!names || !m) throw new Error(`no totals in ${file}`)
  const values = m[1]!.trim().split(/\s+/).map(Number)
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]))
}

interface Measured {
  key: string
  perMsg: number
  messages: number
  /** With BENCH_INSTR_CACHE=1: simulated first-level data and last-level misses per message. */
  d1PerMsg?: number
  llPerMsg?: number
}

async function measure(key: string, proc: BrokerProc, fleet: Fleet, dir: string): Promise<Measured> {
  const rig = await FanInRig.open(proc.port, fleet.devices.slice(0, PUBLISHERS), fleet.reader, WINDOW, { deadlineMs: 600_000, stallMs: 120_000 })
  try {
    log(`${key}: warm-up, ${WARMUP} messages`)
    await until(rig, WARMUP)
    const r0 = rig.received
    execFileSync('callgrind_control', ['--instr=on', String(proc.pid)], { stdio: 'ignore' })
    log(`${key}: counting ${N} messages${RATE > 0 ? ` at ${RATE}/s` : ''}`)
    if (RATE > 0) await rig.paced(RATE, N, 120_000)
    else await until(rig, r0 + N)
    const messages = rig.received - r0
    if (rig.stalls > 0 || (RATE > 0 && messages !== N)) throw new Error(`${key}: ${messages} of ${N} arrived, ${rig.stalls} stalls: messages were lost or the broker paused > 2 min`)
    execFileSync('callgrind_control', ['--dump=measured', String(proc.pid)], { stdio: 'ignore' })
    execFileSync('callgrind_control', ['--instr=off', String(proc.pid)], { stdio: 'ignore' })
    const dumps = readdirSync(dir).filter((f) => f.startsWith(`cg.${key}.`) && !f.endsWith('.out'))
    // The dump just written is the one with the highest part number.
    const file = dumps.map((f) => path.join(dir, f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop())).pop()
    if (!file) throw new Error(`${key}: no callgrind dump in ${dir}`)
    const e = totals(file)
    const per = (...names: string[]) => names.reduce((a, n) => a + (e[n] ?? 0), 0) / messages
    return { key, perMsg: per('Ir'), messages, ...(CACHE_SIM ? { d1PerMsg: per('D1mr', 'D1mw'), llPerMsg: per('ILmr', 'DLmr', 'DLmw') } : {}) }
  } finally {
    rig.close()
  }
}

export async function benchBrokerInstr(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-instr-'))
  const children = new Children()
  const out: Measured[] = []
  try {
    for (const key of ONLY) {
      const cache = CACHE_SIM ? ['--cache-sim=yes'] : []
      const valgrind = { wrapper: ['valgrind', '--tool=callgrind', ...cache, '--instr-atstart=no', `--callgrind-out-file=${root}/cg.${key}.out`], readyMs: 900_000 }
      let proc: BrokerProc
      let fleet: Fleet
      if (key === 'hub') {
        const dataDir = path.join(root, 'hub')
        const first = await startHub(children, dataDir, UNTHROTTLED)
        fleet = await addHubFleet(dataDir, PUBLISHERS)
        await first.stop()
        log('hub: starting under valgrind (up to a minute)')
        proc = await startHub(children, dataDir, UNTHROTTLED, valgrind)
      } else {
        fleet = generatedFleet(PUBLISHERS)
        log('aedes: starting under valgrind')
        proc = await startAedes(children, valgrind)
      }
      out.push(await measure(key, proc, fleet, root))
      await proc.stop()
    }
  } finally {
    await children.stopAll()
    if (process.env.BENCH_INSTR_KEEP) log(`callgrind files kept in ${root}`)
    else rmSync(root, { recursive: true, force: true })
  }
  const aedes = out.find((r) => r.key === 'aedes')
  printTable(
    `Broker instructions per delivered message (callgrind), QoS 0 fan-in ${PUBLISHERS}→1, 64 B, ${RATE > 0 ? `${RATE} msg/s open loop` : `≤ ${WINDOW} in flight`}`,
    out.map((r) => ({
      broker: r.key,
      messages: String(r.messages),
      'instructions/msg': r.perMsg.toFixed(0),
      ...(CACHE_SIM ? { 'D1 misses/msg': r.d1PerMsg!.toFixed(0), 'LL misses/msg': r.llPerMsg!.toFixed(0) } : {}),
      'aedes ÷ this (relative throughput if CPU-bound)': aedes ? (aedes.perMsg / r.perMsg).toFixed(2) : '—',
    })),
  )
}
