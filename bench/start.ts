import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { NODE_FLAGS } from '../tools/node-flags.js'
import { freePort, HUB_MAIN, rssMb, sleep, waitTls } from './lib/proc.js'
import { median, printTable } from './lib/table.js'

/**
 * Hub core benchmark: process start → HTTPS and MQTTS both accepting TLS, and idle RSS, for a
 * first run (provisioning included) and a warm start — next to a bare aedes broker on TLS
 * started the same way, as the reference.
 */
const MAIN = HUB_MAIN
const REF = path.resolve('dist/bench/ref/aedes-tls.js')
const RUNS = Number(process.env.BENCH_START_RUNS ?? 5)

/** V8's memory reducer runs a few seconds after start-up; "settled" is after it has. */
const SETTLE_MS = Number(process.env.BENCH_START_SETTLE_MS ?? 15_000)

async function measure(args: () => Promise<{ argv: string[]; ports: number[] }>): Promise<{ readyMs: number; rss: number; settled: number }> {
  const { argv, ports } = await args()
  const t0 = performance.now()
  const proc: ChildProcess = spawn(process.execPath, [...NODE_FLAGS, ...argv], { stdio: 'ignore', env: { ...process.env, HEARTH_LOG_LEVEL: 'warn' } })
  await Promise.all(ports.map((p) => waitTls(p)))
  const readyMs = performance.now() - t0
  await sleep(2000)
  const rss = rssMb(proc.pid!)
  await sleep(SETTLE_MS - 2000)
  const settled = rssMb(proc.pid!)
  proc.kill('SIGTERM')
  await new Promise((r) => proc.once('exit', r))
  return { readyMs, rss, settled }
}

export async function benchStart(): Promise<void> {
  const rows: Array<Record<string, string | number>> = []
  const series = async (name: string, make: () => Promise<{ argv: string[]; ports: number[] }>) => {
    const results = []
    for (let i = 0; i < RUNS; i++) results.push(await measure(make))
    rows.push({
      case: name,
      'ready ms (median)': median(results.map((r) => r.readyMs)),
      'ready ms (max)': Math.max(...results.map((r) => r.readyMs)),
      'RSS MB 2 s after ready (median)': median(results.map((r) => r.rss)),
      [`idle RSS MB at ${SETTLE_MS / 1000} s (median)`]: median(results.map((r) => r.settled)),
    })
  }
  const hubArgs = async (dataDir: string) => {
    const [m, h] = [await freePort(), await freePort()]
    return { argv: [MAIN, 'run', '--data-dir', dataDir, '--mqtt-port', String(m), '--http-port', String(h)], ports: [m, h] }
  }
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-start-'))
  let n = 0
  await series('hub, first run (provisioning)', () => hubArgs(path.join(root, `fresh-${n++}`)))
  const warm = path.join(root, 'warm')
  await measure(() => hubArgs(warm))
  await series('hub, warm start', () => hubArgs(warm))
  await series('reference: bare aedes on TLS', async () => {
    const p = await freePort()
    return { argv: [REF, String(p)], ports: [p] }
  })
  printTable('Start-up: process start → TLS listeners accepting; RSS 2 s after ready, and settled (after V8\'s memory reducer)', rows)
}
