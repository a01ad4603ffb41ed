import https from 'node:https'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { adminCall } from '../src/admin/client.js'
import { DEVICE_RECONNECT } from '../src/policy/backoff.js'
import { addHubFleet, generatedFleet, NODE_FLAGS, type Cred } from './lib/brokers.js'
import { Children } from './lib/children.js'
import { peakPerWindow, type FleetReport } from './lib/fleet.js'
import { startLineChild, type LineChild } from '../test/helpers/line-child.js'
import { hubCa } from '../test/helpers/tls-client.js'
import { freePort, freePorts, HUB_MAIN, sleep, waitTls } from './lib/proc.js'
import { percentile, printTable } from './lib/table.js'

/**
 * Outage and orderly return (issue 7, EN 303 645 5.9-3): N devices lose their broker (a restart)
 * and come back. The hub with its policies (admission control; devices following the hub's
 * recommended backoff) against the state of the art: bare aedes with a naive fixed-interval fleet.
 * Reported: time until all are back, peak connection attempts per 100 ms, refusals, and (hub) web
 * API p99 while the fleet returns.
 */
const DEVICES = Number(process.env.BENCH_OUTAGE_DEVICES ?? 2000)
const NAIVE_INTERVAL_MS = Number(process.env.BENCH_OUTAGE_NAIVE_MS ?? 1000)
const SPACING_MS = 6 // the first population: ~170 devices/s, within the hub's admission budget
const DEADLINE_MS = 90_000

const MAIN = HUB_MAIN
const REF = path.resolve('dist/bench/ref/aedes-tls.js')
const FLEET = path.resolve('dist/bench/lib/fleet-proc.js')
const now = () => performance.timeOrigin + performance.now()

interface Row {
  report: FleetReport
  t0: number
  backMs: number
  downMs: number
  web: number[]
  webErrors: number
  /** Hub side: the most clients the hub admitted in one 100 ms (its `connected` gauge, polled). */
  hubPeak?: number
}

/**
 * Polls the hub's connected-clients gauge every 100 ms; returns the largest rise per 100 ms.
 * A poll answered late spans more than 100 ms: its rise is scaled down to 100 ms (one busy
 * moment of the hub or of this process must not count two windows' admissions as one).
 */
function pollAdmitted(sock: string): { stop(): Promise<number> } {
  let peak = 0
  let last: { n: number; at: number } | undefined
  let on = true
  const loop = (async () => {
    while (on) {
      const t = performance.now()
      const s = (await adminCall(sock, 'status').catch(() => undefined)) as { broker?: { connected: number } } | undefined
      if (s?.broker) {
        const at = performance.now()
        if (last !== undefined) peak = Math.max(peak, Math.round(((s.broker.connected - last.n) * 100) / Math.max(100, at - last.at)))
        last = { n: s.broker.connected, at }
      }
      await sleep(Math.max(0, 100 - (performance.now() - t)))
    }
  })()
  return { stop: async () => ((on = false), await loop, peak) }
}

/** Waits until all `n` are connected; false (not an exception) when the deadline passes first. */
async function waitAll(fleet: LineChild, n: number, deadline: number): Promise<boolean> {
  while ((await fleet.ask({ op: 'connected' })).connected < n) {
    if (now() > deadline) return false
    await sleep(50)
  }
  return true
}

/** The first population must come up fully, or the run means nothing. */
async function mustAll(fleet: LineChild, n: number, deadline: number): Promise<void> {
  if (await waitAll(fleet, n, deadline)) return
  const r = (await fleet.ask({ op: 'report' })) as FleetReport
  throw new Error(`fleet: only ${r.connected} of ${n} connected before the outage (failed ${r.failed}, last error ${r.lastError})`)
}

function webGet(port: number, cookie: string, agent: https.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = https.get({ host: '127.0.0.1', port, path: '/api/v1/devices', rejectUnauthorized: false, headers: { cookie }, agent, timeout: 5000 }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

function post(port: number, p: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      const cookie = res.headers['set-cookie']?.[0]?.split(';')[0]
      res.on('end', () => (cookie ? resolve(cookie) : reject(new Error(`${p}: ${res.statusCode}`))))
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

const PASSWORD = 'bench password 2026 ok'

/** The hub: claimed, N devices, the fleet following the hub's advice; then a restart. */
async function hubCase(children: Children): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-outage-'))
  try {
    const [mqtt, http] = await freePorts(2)
    const argv = [...NODE_FLAGS, MAIN, 'run', '--data-dir', dir, '--mqtt-port', String(mqtt), '--http-port', String(http), '--log-level', 'warn']
    let hub: ChildProcess = children.spawn('hub', process.execPath, argv)
    await children.ready(hub, mqtt)
    const creds = (await addHubFleet(dir, DEVICES)).devices
    const { setupCode } = (await adminCall(path.join(dir, 'hearth.sock'), 'setupCode')) as { setupCode: string }
    await post(http, '/api/v1/claim', { setupCode, name: 'Bench', password: PASSWORD })
    const ca = hubCa(dir)
    const fleet = await startFleet(children, creds, { port: mqtt, ca, policy: { kind: 'backoff', options: DEVICE_RECONNECT } })
    try {
      await mustAll(fleet, DEVICES, now() + DEADLINE_MS)
      await sleep(1000)
      await fleet.ask({ op: 'mark' })
      // The outage: the hub restarts (SIGTERM, then a new process on the same data dir and ports).
      const t0 = now()
      await children.stop(hub)
      hub = children.spawn('hub', process.execPath, argv)
      await children.ready(hub, mqtt)
      const downMs = now() - t0
      await waitTls(http)
      const cookie = await post(http, '/api/v1/session', { password: PASSWORD, name: 'Bench' })
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 })
      const web: number[] = []
      let webErrors = 0
      let done = false
      const loop = (async () => {
        while (!done) {
          try {
            web.push(await webGet(http, cookie, agent))
          } catch {
            webErrors++
          }
          await sleep(20)
        }
      })()
      const admitted = pollAdmitted(path.join(dir, 'hearth.sock'))
      await waitAll(fleet, DEVICES, t0 + DEADLINE_MS).finally(() => (done = true))
      await loop
      const hubPeak = await admitted.stop()
      agent.destroy()
      const report = (await fleet.ask({ op: 'report' })) as FleetReport
      return { report, t0, backMs: report.connected === DEVICES ? Math.max(...report.connects) - t0 : NaN, downMs, web, webErrors, hubPeak }
    } finally {
      await fleet.ask({ op: 'stop' }).catch(() => {})
      fleet.close()
      await children.stop(hub)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Bare aedes and a naive fleet: every device retries every NAIVE_INTERVAL_MS, no jitter. */
async function aedesCase(children: Children): Promise<Row> {
  const port = await freePort()
  let ref = children.spawn('aedes', process.execPath, [...NODE_FLAGS, REF, String(port)])
  await children.ready(ref, port)
  const fleet = await startFleet(children, generatedFleet(DEVICES).devices, { port, policy: { kind: 'fixed', intervalMs: NAIVE_INTERVAL_MS } })
  try {
    await mustAll(fleet, DEVICES, now() + DEADLINE_MS)
    await sleep(1000)
    await fleet.ask({ op: 'mark' })
    const t0 = now()
    await children.stop(ref)
    ref = children.spawn('aedes', process.execPath, [...NODE_FLAGS, REF, String(port)])
    await children.ready(ref, port)
    const downMs = now() - t0
    await waitAll(fleet, DEVICES, t0 + DEADLINE_MS)
    const report = (await fleet.ask({ op: 'report' })) as FleetReport
    return { report, t0, backMs: report.connected === DEVICES ? Math.max(...report.connects) - t0 : NaN, downMs, web: [], webErrors: 0 }
  } finally {
    await fleet.ask({ op: 'stop' }).catch(() => {})
    fleet.close()
    await children.stop(ref)
  }
}

async function startFleet(_children: Children, creds: Cred[], options: Record<string, unknown>): Promise<LineChild> {
  const fleet = await startLineChild([process.execPath, '--max-semi-space-size=8', FLEET])
  await fleet.ask({ op: 'start', creds, options, spacingMs: SPACING_MS, state: true })
  return fleet
}

export async function benchOutage(): Promise<void> {
  const children = new Children()
  try {
    const hub = await hubCase(children)
    const ref = await aedesCase(children)
    const row = (name: string, r: Row) => ({
      case: name,
      'down ms (stop→ready)': Math.round(r.downMs),
      back: `${r.report.connected}/${DEVICES}${r.report.connected < DEVICES ? ` after ${DEADLINE_MS / 1000} s` : ''}`,
      'all back ms': Number.isNaN(r.backMs) ? '—' : Math.round(r.backMs),
      'back after ready ms': Number.isNaN(r.backMs) ? '—' : Math.round(r.backMs - r.downMs),
      'peak attempts/100ms': `${peakPerWindow(r.report.attempts, r.t0)} (${((peakPerWindow(r.report.attempts, r.t0) / DEVICES) * 100).toFixed(1)} %)`,
      // CONNACKs as the fleet process saw them (its own busy event loop bunches them) and, for
      // the hub, as the hub admitted them.
      'peak CONNACKs/100ms seen by the fleet': peakPerWindow(r.report.connects, r.t0),
      'peak admitted/100ms (hub side)': r.hubPeak === undefined ? '—' : `${r.hubPeak} (${((r.hubPeak / DEVICES) * 100).toFixed(1)} %)`,
      attempts: r.report.attempts.length,
      'refused→retried': `${r.report.refused} (${r.report.refusedThenConnected} devices)`,
      'net errors/timeouts': `${r.report.failed}${r.report.lastError ? ` (${r.report.lastError.slice(0, 24)})` : ''}`,
      'web p50/p99 ms': r.web.length ? `${percentile(r.web, 50).toFixed(1)} / ${percentile(r.web, 99).toFixed(1)} (n=${r.web.length}, err ${r.webErrors})` : '—',
    })
    printTable(
      `Outage: ${DEVICES} devices lose the broker (restart) and return. Goals: peak ≤ 10 % of the fleet per 100 ms, all back < 30 s, web p99 < 250 ms`,
      [
        row(`hub (admission + advice: ${DEVICE_RECONNECT.mode}, ${DEVICE_RECONNECT.baseMs}–${DEVICE_RECONNECT.capMs} ms)`, hub),
        row(`bare aedes, naive fixed ${NAIVE_INTERVAL_MS} ms`, ref),
      ],
    )
    // When the fleet came back, per second after the outage began: where the peaks sit.
    const perSecond = (ts: number[], t0: number) => {
      const b: number[] = []
      for (const t of ts) {
        const i = Math.floor((t - t0) / 1000)
        if (i >= 0 && i < 40) b[i] = (b[i] ?? 0) + 1
      }
      return Array.from(b, (n) => n ?? 0).join(' ')
    }
    for (const [name, r] of [['hub', hub], ['aedes', ref]] as const)
      console.log(`${name} per second from the outage: attempts ${perSecond(r.report.attempts, r.t0)}\n${' '.repeat(name.length)}                        CONNACKs ${perSecond(r.report.connects, r.t0)}`)
  } finally {
    await children.stopAll()
  }
}
