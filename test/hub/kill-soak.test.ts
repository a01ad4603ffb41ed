import t from 'tap'
import path from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { adminCall } from '../../src/admin/client.js'
import { startHubProcess, tmpDir, type HubProcess } from '../helpers/hub-process.js'
import { hubCa } from '../helpers/tls-client.js'

// Issue 7 "Must show": the hub SIGKILLed at random moments under load — every restart loads,
// every acknowledged config write is present, retained state is at most one write-budget
// interval old. Real processes, real MQTT over TLS, the admin socket as the CLI uses it.
// `npm run test:soak` runs 200 kills; the default suite runs HEARTH_HUB_KILLS (default 10) to stay fast.
const KILLS = Number(process.env.HEARTH_HUB_KILLS ?? 10)
const INTERVAL_MS = 500 // mqtt.persistIntervalMs: the write budget under test
// What a write takes once due (timer lateness, temp file, fsync, rename, fsync dir) on a loaded 2-core machine.
const WRITE_SLACK_MS = 1000
t.setTimeout(Math.max(120_000, KILLS * 20_000))

interface LaneResult {
  kills: number
  loadFailures: string[]
  lostWrites: string[]
  ages: number[]
  acked: number
  repairs: number
}

function connect(port: number, ca: string, id: string, token: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, protocol: 'mqtts', servername: 'localhost', ca, clientId: id, username: id, password: token, reconnectPeriod: 0, protocolVersion: 4 })
    c.once('connect', () => resolve(c))
    c.once('error', (e) => (c.end(true), reject(e)))
    c.once('close', () => reject(new Error('closed before CONNACK')))
  })
}

/** The retained temperature of `id` (seq = temperature × 1000), or -1 when none is kept. */
async function retainedSeq(port: number, ca: string, reader: { username: string; token: string }, id: string): Promise<number> {
  const c = await connect(port, ca, reader.username, reader.token)
  try {
    return await new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(-1), 1500)
      c.on('message', (topic, payload, packet) => {
        if (topic !== `hearth/${id}/state` || !packet.retain) return
        clearTimeout(timer)
        resolve(Math.round(JSON.parse(payload.toString()).temperature * 1000))
      })
      c.subscribe(`hearth/${id}/state`, { qos: 1 })
    })
  } finally {
    c.end(true)
  }
}

async function lane(runs: number): Promise<LaneResult> {
  const dataDir = path.join(tmpDir('hearth-kill-'), 'data')
  const args = ['--mqtt-persist-interval-ms', String(INTERVAL_MS), '--log-level', 'warn']
  const res: LaneResult = { kills: 0, loadFailures: [], lostWrites: [], ages: [], acked: 0, repairs: 0 }
  const ackedNames = new Set<string>()
  /** Removals the hub acknowledged: those devices must stay gone. */
  const removedNames = new Set<string>()
  // Publishes acknowledged in the previous life: seq → when its PUBACK came; and the kill time.
  let acks = new Map<number, number>()
  let killedAt = 0
  let seq = 0
  let setup: { dev: { id: string; token: string }; reader: { username: string; token: string } } | undefined
  for (let i = 0; i <= runs; i++) {
    let hub: HubProcess
    const T = performance.now()
    const mark = (what: string) => process.env.SOAK_DEBUG && console.error(`${i} ${what} ${Math.round(performance.now() - T)}`)
    try {
      hub = await startHubProcess({ dataDir, args, timeoutMs: 60_000 })
    } catch (err) {
      res.loadFailures.push(`start ${i}: ${(err as Error).message.slice(0, 400)}`)
      break
    }
    mark('ready')
    res.repairs += (hub.stderr().match(/previous generation|unclean stop/g) ?? []).length
    const sock = path.join(dataDir, 'hearth.sock')
    const admin = (m: string, p: Record<string, unknown> = {}) => adminCall(sock, m, p) as Promise<any>
    const port = hub.ready.listeners.mqtts.port
    const ca = hubCa(dataDir)
    try {
      if (!setup) {
        setup = { dev: await admin('device.add', { name: 'sensor', kind: 'temperature' }), reader: await admin('account.add', { name: 'reader', role: 'integration' }) }
      } else {
        // Every acknowledged config write survived the kill.
        const names = new Set(((await admin('device.list')) as Array<{ name: string }>).map((d) => d.name))
        for (const n of ackedNames) if (!names.has(n)) res.lostWrites.push(`run ${i}: ${n}`)
        for (const n of removedNames) if (names.has(n)) res.lostWrites.push(`run ${i}: removal of ${n} undone`)
        // Retained state: at most one write-budget interval behind the kill.
        const kept = await retainedSeq(port, ca, setup.reader, setup.dev.id)
        const newer = [...acks.entries()].filter(([s]) => s > kept).map(([, at]) => at)
        res.ages.push(newer.length ? Math.max(0, killedAt - Math.min(...newer)) : 0)
      }
    } catch (err) {
      res.loadFailures.push(`check ${i}: ${(err as Error).message}`)
    }
    mark('checked')
    if (i === runs) {
      await hub.stop('SIGKILL')
      break
    }
    // Load: config writes through the admin socket, a device publishing retained state.
    acks = new Map()
    let alive = true
    const writer = (async () => {
      for (let n = 0; alive; n++) {
        const name = `w${i}-${n}`
        try {
          await admin('device.add', { name, kind: 'switch' })
          if (alive) ackedNames.add(name)
          res.acked++
          if (n % 3 === 2) {
            // A removal in flight when the kill lands may or may not have been written: until it is
            // acknowledged the device is no longer a write we may insist on.
            if (alive) ackedNames.delete(name)
            await admin('device.remove', { id: ((await admin('device.list')) as Array<{ username: string; name: string }>).find((d) => d.name === name)!.username })
            if (alive) removedNames.add(name)
          }
        } catch {
          return
        }
      }
    })()
    const dev = await connect(port, ca, setup!.dev.id, setup!.dev.token).catch(() => undefined)
    const publisher = (async () => {
      while (alive && dev) {
        const s = ++seq
        const ok = await dev.publishAsync(`hearth/${setup!.dev.id}/state`, JSON.stringify({ temperature: s / 1000 }), { qos: 1, retain: true }).then(() => true, () => false)
        if (ok && alive) acks.set(s, performance.now())
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 1500))
    killedAt = performance.now()
    // A write acknowledged after this instant might not have been durable before the kill lands.
    alive = false
    await hub.stop('SIGKILL')
    res.kills++
    dev?.end(true)
    mark('killed')
    await Promise.all([writer, publisher])
    mark('settled')
  }
  return res
}

t.test(`hub SIGKILLed ${KILLS} times under load: loads every time, no acknowledged write lost, retained state ≤ one interval old`, async (t) => {
  const lanes = await Promise.all([lane(Math.ceil(KILLS / 2)), lane(Math.floor(KILLS / 2))])
  const all = <K extends keyof LaneResult>(k: K) => lanes.flatMap((l) => l[k] as unknown as unknown[])
  const kills = lanes.reduce((n, l) => n + l.kills, 0)
  const ages = all('ages') as number[]
  t.equal(kills, KILLS, `${KILLS} SIGKILLs delivered`)
  t.same(all('loadFailures'), [], 'every restart loaded and answered')
  t.same(all('lostWrites'), [], `every acknowledged config write present (${lanes.reduce((n, l) => n + l.acked, 0)} acknowledged)`)
  const worst = Math.max(0, ...ages)
  t.ok(worst <= INTERVAL_MS + WRITE_SLACK_MS, `retained state at most ${Math.round(worst)} ms behind the kill (budget ${INTERVAL_MS} ms + ${WRITE_SLACK_MS} ms for the write itself); ${ages.filter((a) => a > 0).length}/${ages.length} restarts lost some recent state`)
  t.comment(`repairs logged at start (interrupted temp files removed, previous generation loaded): ${lanes.reduce((n, l) => n + l.repairs, 0)}`)
})
