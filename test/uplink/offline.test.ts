import t from 'tap'
import path from 'node:path'
import { adminCall } from '../../src/admin/client.js'
import { Lab, must } from '../helpers/netns.js'
import { startHubProcess } from '../helpers/hub-process.js'
import { startLineChild, type LineChild } from '../helpers/line-child.js'

// EN 303 645 5.9-1 / issue 7 "Must show": with every non-loopback route gone, local control and
// the web API keep working; the uplink queue fills to its bound (drops counted) and drains in
// order when the route returns. Real namespaces, a real remote broker behind a veth, real TLS.
t.setTimeout(180_000)

const PASSWORD = 'remote-secret-Zp41'
const BOUND = 50
const OUTAGE = 130
const node = (file: string) => [process.execPath, path.resolve('dist/test/helpers', file)]
const until = async (what: string, ok: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

t.test('offline: local control and web API work with no route out; the uplink queue fills to its bound and drains in order', async (t) => {
  const lab = new Lab('upl')
  const children: LineChild[] = []
  t.teardown(async () => {
    for (const c of children) c.close()
    await lab.cleanup()
  })
  await lab.addNamespaces('hub', 'remote')
  await lab.link('hub', 'veth0', 'remote', 'veth1')
  await lab.addr('hub', 'veth0', '10.88.0.1/24')
  await lab.addr('remote', 'veth1', '10.88.0.2/24')

  const remote = await startLineChild(lab.exec('remote', ...node('remote-broker.js'), '10.88.0.2', '8883', 'hub-a', PASSWORD))
  children.push(remote)
  const hub = await startHubProcess({
    wrap: lab.exec('hub'),
    args: [
      '--uplink-url', 'mqtts://10.88.0.2:8883',
      '--uplink-queue-max-messages', String(BOUND),
      '--uplink-keepalive-seconds', '5',
      '--uplink-backoff-base-ms', '200',
      '--uplink-backoff-cap-ms', '1000',
      '--uplink-persist-interval-ms', '500',
    ],
    timeoutMs: 30_000,
  })
  t.teardown(() => hub.stop('SIGKILL'))
  const sock = path.join(hub.dataDir, 'hearth.sock')
  const admin = (m: string, p: Record<string, unknown> = {}) => adminCall(sock, m, p) as Promise<any>
  const lamp = (await admin('device.add', { name: 'lamp', kind: 'light' })) as { id: string; token: string }
  const watcher = (await admin('account.add', { name: 'ha', role: 'integration' })) as { username: string; token: string }
  await admin('uplink.enable', { username: 'hub-a', password: PASSWORD, ca: remote.first.ca })
  const prefix = `hearth-hubs/${hub.ready.hubId}`
  const stateTopic = `hearth/${lamp.id}/state`
  const remoteStates = async () =>
    ((await remote.ask({ op: 'messages' })).messages as Array<{ topic: string; payload: string }>)
      .filter((m) => m.topic === `${prefix}/${stateTopic}`)
      .map((m) => JSON.parse(m.payload).brightness as number)

  const local = await startLineChild(lab.exec('hub', ...node('ns-local-client.js')))
  children.push(local)
  const port = hub.ready.listeners.mqtts.port
  const ca = (await admin('status')).tlsFingerprint && (await import('../helpers/tls-client.js')).hubCa(hub.dataDir)
  t.same(await local.ask({ op: 'connect', port, ca, id: lamp.id, token: lamp.token, watch: `hearth/${lamp.id}/set` }), { connected: true })
  t.same(await local.ask({ op: 'connect', port, ca, id: watcher.username, token: watcher.token, watch: 'hearth/+/state' }), { connected: true })

  const states = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ state: 'ON', brightness: from + i }))
  // Online: ten states reach the remote.
  await local.ask({ op: 'publish', id: lamp.id, topic: stateTopic, payloads: states(0, 10) })
  await until('the first ten states at the remote', async () => (await remoteStates()).length >= 10)
  t.same(await remoteStates(), [...Array(10).keys()], 'online: forwarded in order')

  // Every non-loopback route of the hub's namespace dropped.
  await must(['ip', '-n', lab.ns('hub'), 'route', 'flush', 'dev', 'veth0'])
  t.equal((await must(['ip', '-n', lab.ns('hub'), 'route', 'show'])).trim(), '', 'no route but loopback is left')

  const pub = await local.ask({ op: 'publish', id: lamp.id, topic: stateTopic, payloads: states(10, OUTAGE) })
  // The device's own publish budget (20/s after a burst of 100) paces this, not the remote.
  t.ok(pub.ms < 5000, `${OUTAGE} local publishes acknowledged in ${Math.round(pub.ms)} ms: never waiting for the remote`)
  await until('the watcher saw every local state', async () => (await local.ask({ op: 'received', id: watcher.username })).messages.length >= 10 + OUTAGE)
  const seen = ((await local.ask({ op: 'received', id: watcher.username })).messages as Array<{ payload: string }>).map((m) => JSON.parse(m.payload).brightness)
  t.same(seen.slice(-OUTAGE), states(10, OUTAGE).map((s) => JSON.parse(s).brightness), 'local MQTT: device → subscriber, all delivered in order')

  const web = await local.ask({ op: 'web', port: hub.ready.listeners.https.port, ca, setupCode: hub.ready.setupCode, deviceId: lamp.id, command: { state: 'OFF' } })
  t.equal(web.ui, 200, 'web UI served')
  t.ok(web.uiHtml, 'the UI page is HTML')
  t.equal(web.list, 200, 'device list over the web API')
  t.equal(web.command, 202, 'a web API command accepted')
  await until('the command at the device', async () => (await local.ask({ op: 'received', id: lamp.id })).messages.some((m: { topic: string }) => m.topic === `hearth/${lamp.id}/set`))
  t.pass('the web command reached the device over local MQTT')
  t.equal(web.uplink.queue.messages, BOUND, `GET /api/v1/uplink: queue at its bound (${BOUND})`)
  t.equal(web.uplink.queue.dropped, OUTAGE - BOUND, `oldest dropped first, counted: ${OUTAGE - BOUND}`)
  t.ok(web.ms < 5000, `web API answered in ${Math.round(web.ms)} ms with no route out`)
  t.equal((await remoteStates()).length, 10, 'nothing reached the remote during the outage')

  // A real outage outlasts the keepalive: the bridge notices (its socket is dropped, so what it
  // had in flight is resent from the queue, not from a stale TCP buffer) and retries by backoff.
  await until('the bridge noticed the outage', async () => (await admin('uplink.status')).connection.state !== 'connected', 30_000)
  await until('a failed reconnect attempt', async () => (await admin('uplink.status')).connection.attempts >= 2, 30_000)
  const down = await admin('uplink.status')
  t.match(down.connection.lastError, /ENETUNREACH|EHOSTUNREACH|Keepalive|timeout/i, `the reason is visible (${down.connection.lastError})`)

  // The route returns: the queue drains, oldest kept first, in order, then empties.
  await must(['ip', '-n', lab.ns('hub'), 'route', 'add', '10.88.0.0/24', 'dev', 'veth0', 'src', '10.88.0.1'])
  await until('the queue drained to the remote', async () => (await remoteStates()).length >= 10 + BOUND, 60_000)
  const after = (await remoteStates()).slice(10)
  const expected = Array.from({ length: BOUND }, (_, i) => 10 + OUTAGE - BOUND + i)
  t.same(after, expected, `drained in order: the ${BOUND} newest (${expected[0]}…${expected.at(-1)})`)
  // A message leaves the queue on its PUBACK, which may arrive just after the remote has it.
  await until('the queue emptied (every PUBACK in)', async () => (await admin('uplink.status')).queue.messages === 0, 10_000)
  const s = await admin('uplink.status')
  t.equal(s.queue.messages, 0, 'queue empty')
  t.equal(s.connection.state, 'connected')
  t.equal(s.queue.dropped, OUTAGE - BOUND, 'drop count kept')
  t.ok(s.connection.attempts >= 2, `reconnected by backoff (${s.connection.attempts} attempts)`)
})
