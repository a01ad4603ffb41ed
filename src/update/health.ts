import { request } from 'node:https'
import { connect } from 'node:tls'
import path from 'node:path'
import { promises as fsp } from 'node:fs'
import { writeFileDurable } from '../store/durable-fs.js'

/**
 * The health check a new version must pass before it is kept (docs/updates.md): the broker
 * answers an MQTT CONNECT over TLS, the web answers /api/v1/health over HTTPS, the store takes a
 * durable write and reads it back, and every extra check (the Zigbee coordinator, when one is
 * configured) passes — all within the deadline. Real sockets: the same way a device and a
 * browser reach the hub.
 */
export interface HealthTargets {
  /** The hub's CA (PEM) and a name its certificate covers. */
  ca: string
  servername: string
  mqtts: { host: string; port: number }
  https: { host: string; port: number }
  dataDir: string
  /** More checks by name (e.g. `coordinator`); each rejects with the reason. */
  extra?: Record<string, () => Promise<void>>
}

export type HealthResult = { ok: true; checks: string[] } | { ok: false; failed: string; reason: string }

const loopback = (host: string) => (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host)

/** CONNECT with no credentials: a live broker answers CONNACK (it will be "not authorized"). */
function brokerAnswers(t: HealthTargets, ms: number): Promise<void> {
  const id = Buffer.from('hearth-health')
  const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 10, 0, id.length]), id])
  const packet = Buffer.concat([Buffer.from([0x10, body.length]), body])
  return new Promise((resolve, reject) => {
    const sock = connect({ host: loopback(t.mqtts.host), port: t.mqtts.port, ca: t.ca, servername: t.servername }, () => sock.write(packet))
    const timer = setTimeout(() => (sock.destroy(), reject(new Error('no CONNACK'))), ms)
    sock.once('data', (d: Buffer) => {
      clearTimeout(timer)
      sock.destroy()
      if (d[0] === 0x20) resolve()
      else reject(new Error(`answered packet type 0x${d[0]?.toString(16)} instead of CONNACK`))
    })
    sock.once('error', (err) => (clearTimeout(timer), reject(err)))
  })
}

function webAnswers(t: HealthTargets, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: loopback(t.https.host), port: t.https.port, path: '/api/v1/health', ca: t.ca, servername: t.servername, timeout: ms },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (c: string) => (body += c.slice(0, 256)))
        res.on('end', () => (res.statusCode === 200 && body.includes('"ok"') ? resolve() : reject(new Error(`GET /api/v1/health → ${res.statusCode}`))))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

async function storeWorks(t: HealthTargets): Promise<void> {
  const file = path.join(t.dataDir, 'update-health.probe')
  const token = `${process.pid}-${Date.now()}`
  await writeFileDurable(file, token)
  if ((await fsp.readFile(file, 'utf8')) !== token) throw new Error('read back something else')
  await fsp.rm(file, { force: true })
}

export async function checkHealth(t: HealthTargets, deadlineMs: number): Promise<HealthResult> {
  const ends = Date.now() + deadlineMs
  const left = () => Math.max(100, ends - Date.now())
  const checks: Array<[string, () => Promise<void>]> = [
    ['broker', () => brokerAnswers(t, left())],
    ['web', () => webAnswers(t, left())],
    ['store', () => storeWorks(t)],
    ...Object.entries(t.extra ?? {}),
  ]
  for (const [name, run] of checks) {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      await Promise.race([run(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('deadline passed')), left())))])
    } catch (err) {
      return { ok: false, failed: name, reason: `${name}: ${(err as Error).message}` }
    } finally {
      clearTimeout(timer)
    }
  }
  return { ok: true, checks: checks.map(([n]) => n) }
}
