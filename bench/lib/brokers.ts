import { randomBytes } from 'node:crypto'
import { createConnection } from 'node:net'
import path from 'node:path'
import type { Children } from './children.js'
import { NODE_FLAGS } from '../../tools/node-flags.js'
import { freePort, freePorts, HUB_MAIN } from './proc.js'

/** One MQTT login: a device publishes to `hearth/<clientId>/state`. */
export interface Cred {
  username: string
  password: string
  clientId: string
}

/** Who connects to a broker under test: one login per device, and one reader for `hearth/+/state`. */
export interface Fleet {
  devices: Cred[]
  reader: Cred
}

/** A broker process under test, listening for MQTTS on 127.0.0.1:`port`. */
export interface BrokerProc {
  port: number
  pid: number
  stop(): Promise<void>
}

const MAIN = HUB_MAIN
const REF = path.resolve('dist/bench/ref/aedes-tls.js')
export { NODE_FLAGS }

/**
 * How a Node broker is run: `node FLAGS script…`, or under a wrapper (`valgrind …`, whose own
 * process then is the broker's pid) with a longer wait for the listener.
 */
export interface Runner {
  wrapper?: string[]
  readyMs?: number
}

function spawnNode(children: Children, name: string, args: string[], run: Runner) {
  const [cmd, ...pre] = run.wrapper ?? [process.execPath]
  return children.spawn(name, cmd!, run.wrapper ? [...pre, process.execPath, ...NODE_FLAGS, ...args] : [...NODE_FLAGS, ...args])
}

/** Bare aedes on TLS (bench/ref/aedes-tls.ts): no authentication, ACL or validation. */
export async function startAedes(children: Children, run: Runner = {}): Promise<BrokerProc> {
  const port = await freePort()
  const p = spawnNode(children, 'aedes', [REF, String(port)], run)
  await children.ready(p, port, run.readyMs)
  return { port, pid: p.pid!, stop: () => children.stop(p, run.wrapper ? 60_000 : undefined) }
}

/** `hearth run` on a data dir, with extra config flags (rate limits); ready when MQTTS accepts TLS. */
export async function startHub(children: Children, dataDir: string, flags: string[], run: Runner = {}): Promise<BrokerProc> {
  const [port, http] = await freePorts(2)
  const argv = [MAIN, 'run', '--data-dir', dataDir, '--mqtt-port', String(port), '--http-port', String(http), '--log-level', 'warn', ...flags]
  const p = spawnNode(children, 'hub', argv, run)
  await children.ready(p, port, run.readyMs)
  return { port, pid: p.pid!, stop: () => children.stop(p, run.wrapper ? 60_000 : undefined) }
}

/** Logins for the brokers without an account store of their own (aedes, mosquitto). */
export function generatedFleet(devices: number): Fleet {
  const cred = (name: string): Cred => ({ username: name, clientId: name, password: randomBytes(24).toString('base64url') })
  return {
    devices: Array.from({ length: devices }, (_, i) => cred(`dev${String(i).padStart(5, '0')}`)),
    reader: cred('bench-reader'),
  }
}

/**
 * Adds `devices` temperature devices and one integration account to a running hub through its
 * admin socket (newline-delimited JSON, see src/admin/protocol.ts), all requests pipelined on
 * one connection: the hub coalesces the durable writes, so 2,000 devices take about a second
 * where 2,000 `hearth device add` processes would take ten minutes.
 */
export function addHubFleet(dataDir: string, devices: number, timeoutMs = 120_000): Promise<Fleet> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path.join(dataDir, 'hearth.sock'))
    const results = new Map<number, unknown>()
    const total = devices + 1
    const timer = setTimeout(() => fail(new Error(`admin socket: ${results.size}/${total} answers after ${timeoutMs} ms`)), timeoutMs)
    const fail = (err: Error) => {
      clearTimeout(timer)
      sock.destroy()
      reject(err)
    }
    let buf = ''
    sock.setEncoding('utf8')
    sock.once('connect', () => {
      const lines = Array.from({ length: devices }, (_, i) =>
        JSON.stringify({ id: i, method: 'device.add', params: { name: `bench ${i}`, kind: 'temperature' } }),
      )
      lines.push(JSON.stringify({ id: devices, method: 'account.add', params: { name: 'bench-reader', role: 'integration' } }))
      sock.write(lines.join('\n') + '\n')
    })
    sock.on('data', (chunk: string) => {
      buf += chunk
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const res = JSON.parse(buf.slice(0, nl)) as { id: number; ok: boolean; result?: unknown; error?: { code: string; message: string } }
        buf = buf.slice(nl + 1)
        if (!res.ok) return fail(new Error(`admin ${res.id}: ${res.error?.code} ${res.error?.message}`))
        results.set(res.id, res.result)
      }
      if (results.size < total) return
      clearTimeout(timer)
      sock.end()
      const dev = (i: number) => {
        const r = results.get(i) as { id: string; token: string }
        return { username: r.id, password: r.token, clientId: r.id }
      }
      const reader = results.get(devices) as { username: string; token: string }
      resolve({
        devices: Array.from({ length: devices }, (_, i) => dev(i)),
        reader: { username: reader.username, password: reader.token, clientId: reader.username },
      })
    })
    sock.once('error', (err) => fail(err))
  })
}
