import https from 'node:https'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { adminCall } from '../src/admin/client.js'
import { addHubFleet } from './lib/brokers.js'
import { Children } from './lib/children.js'
import { FanInRig } from './lib/load.js'
import { NODE_FLAGS } from '../tools/node-flags.js'
import { freePorts, HUB_MAIN, sleep, waitTls } from './lib/proc.js'
import { percentile, printTable } from './lib/table.js'

/**
 * Web API latency under broker load (issue 4): p50/p99 of GET /api/v1/devices with 500 devices,
 * idle and while 50 devices publish QoS 0 state as fast as a 200-message window allows
 * (all of them valid, so every one goes through validation, the bus and the state cache).
 */
const DEVICES = 500
const REQUESTS = Number(process.env.BENCH_WEB_REQUESTS ?? 400)

function get(port: number, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = https.get({ host: '127.0.0.1', port, path: '/api/v1/devices', rejectUnauthorized: false, headers: { cookie }, agent: keepAlive }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))))
    })
    req.on('error', reject)
  })
}
const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 })

function claim(port: number, setupCode: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ setupCode, name: 'Bench', password: 'bench password 2026 ok' })
    const req = https.request({ host: '127.0.0.1', port, path: '/api/v1/claim', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      const cookie = res.headers['set-cookie']?.[0]?.split(';')[0]
      res.on('end', () => (cookie ? resolve(cookie) : reject(new Error(`claim: ${res.statusCode}`))))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function series(port: number, cookie: string): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < REQUESTS; i++) out.push(await get(port, cookie))
  return out
}

export async function benchWeb(): Promise<void> {
  const children = new Children()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-web-'))
  try {
    const [mqtt, http] = await freePorts(2)
    const flags = ['--mqtt-publish-rate', '100000', '--mqtt-publish-burst', '100000', '--log-level', 'warn']
    const hub = children.spawn('hub', process.execPath, [...NODE_FLAGS, HUB_MAIN, 'run', '--data-dir', dir, '--mqtt-port', String(mqtt), '--http-port', String(http), ...flags])
    await children.ready(hub, mqtt)
    await waitTls(http)
    const fleet = await addHubFleet(dir, DEVICES)
    const { setupCode } = (await adminCall(path.join(dir, 'hearth.sock'), 'setupCode')) as { setupCode: string }
    const cookie = await claim(http, setupCode)
    await series(http, cookie) // warm-up
    const idle = await series(http, cookie)
    const rig = await FanInRig.open(mqtt, fleet.devices.slice(0, 50), fleet.reader, 200)
    rig.start()
    await sleep(1000)
    const before = rig.received
    const t0 = performance.now()
    const loaded = await series(http, cookie)
    const rate = ((rig.received - before) / (performance.now() - t0)) * 1000
    await rig.stop()
    rig.close()
    const row = (name: string, xs: number[], extra: string) => ({
      case: name,
      requests: xs.length,
      'p50 ms': percentile(xs, 50),
      'p99 ms': percentile(xs, 99),
      'max ms': Math.max(...xs),
      broker: extra,
    })
    printTable(`Web API: GET /api/v1/devices with ${DEVICES} devices (keep-alive, one request at a time; load generator in the same process)`, [
      row('broker idle', idle, '—'),
      row('broker under QoS 0 fan-in load', loaded, `${Math.round(rate)} msg/s delivered meanwhile`),
    ])
  } finally {
    await children.stopAll()
    rmSync(dir, { recursive: true, force: true })
  }
}
