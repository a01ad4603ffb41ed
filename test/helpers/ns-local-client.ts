import { createInterface } from 'node:readline'
import mqtt, { type MqttClient } from 'mqtt'
import { GOOD_PASSWORD, WebClient } from './web-client.js'

/**
 * Local clients run INSIDE a network namespace (the hub's), driven by JSON lines on stdin, one
 * JSON answer per line: the test process lives in the host namespace and cannot reach the hub's
 * loopback. `node ns-local-client.js` → prints `{"ready":true}`.
 *
 * ops: connect {port, ca, id, token, role:'device'|'watcher', watch?} · publish {id, topic, payloads[]}
 *      (QoS 1, retained; answers when every PUBACK is in, with the time it took) · received {id}
 *      · web {port, ca, setupCode?, deviceId, command} (claim or reuse, list, command, uplink, UI)
 */
const clients = new Map<string, MqttClient>()
const inbox = new Map<string, Array<{ topic: string; payload: string }>>()
let web: WebClient | undefined

type Req = Record<string, any>

async function handle(req: Req): Promise<unknown> {
  switch (req.op) {
    case 'connect': {
      const c = mqtt.connect(`mqtts://localhost:${req.port}`, { ca: req.ca, clientId: req.id, username: req.id, password: req.token, reconnectPeriod: 0, protocolVersion: 4 })
      await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)))
      const box: Array<{ topic: string; payload: string }> = []
      inbox.set(req.id, box)
      c.on('message', (topic, payload) => box.push({ topic, payload: payload.toString() }))
      if (req.watch) await c.subscribeAsync(req.watch, { qos: 1 })
      clients.set(req.id, c)
      return { connected: true }
    }
    case 'publish': {
      const c = clients.get(req.id)!
      const t0 = performance.now()
      await Promise.all((req.payloads as string[]).map((p) => c.publishAsync(req.topic, p, { qos: 1, retain: true })))
      return { ms: performance.now() - t0 }
    }
    case 'received':
      return { messages: inbox.get(req.id) ?? [] }
    case 'web': {
      web ??= new WebClient(req.port, req.ca)
      const t0 = performance.now()
      if (req.setupCode) {
        const claim = await web.post('/api/v1/claim', { setupCode: req.setupCode, name: 'Ada', password: GOOD_PASSWORD })
        if (claim.status !== 201) return { error: `claim ${claim.status} ${claim.text}` }
      }
      const ui = await web.get('/')
      const list = await web.get('/api/v1/devices')
      const command = await web.post(`/api/v1/devices/${req.deviceId}/command`, req.command)
      const uplink = await web.get('/api/v1/uplink')
      return { ms: performance.now() - t0, ui: ui.status, uiHtml: ui.text.includes('<html'), list: list.status, devices: list.body?.devices?.length, command: command.status, uplink: uplink.body }
    }
  }
  return { error: `unknown op ${req.op}` }
}

const rl = createInterface({ input: process.stdin })
rl.on('close', () => process.exit(0))
rl.on('line', (line) => {
  void handle(JSON.parse(line) as Req).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (err: Error) => process.stdout.write(JSON.stringify({ error: err.message }) + '\n'),
  )
})
process.stdout.write('{"ready":true}\n')
