import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { nextMessage, startTestHub, subscribe } from '../helpers/test-hub.js'
import { startRemoteBroker } from '../helpers/remote-broker.js'

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const PASSWORD = 'remote-secret-Kq93x'

t.test('uplink: off by default; enabled by the owner it forwards state over verified TLS and takes valid commands back; disable stops at once', async (t) => {
  const remote = await startRemoteBroker({ host: '127.0.0.1', username: 'hub-a', password: PASSWORD })
  t.teardown(() => remote.close())
  const h = await startTestHub(t, {
    '--uplink-url': `mqtts://127.0.0.1:${remote.port}`,
    '--uplink-topics': 'hearth/+/state,hearth/+/availability',
    '--uplink-backoff-base-ms': '50',
    '--uplink-backoff-cap-ms': '200',
  })
  const off = await h.admin('uplink.status')
  t.equal(off.enabled, false, 'off by default')
  t.equal(off.consent, null, 'no consent recorded by default')

  const light = await h.addDevice('lamp', 'light')
  const dev = await h.connect({ clientId: light.id, username: light.id, password: light.token })
  await subscribe(dev, { [`hearth/${light.id}/set`]: 1 })

  // Off: nothing leaves the home.
  await new Promise<void>((r) => dev.publish(`hearth/${light.id}/state`, JSON.stringify({ state: 'ON' }), { qos: 1, retain: true }, () => r()))
  await new Promise((r) => setTimeout(r, 200))
  t.equal(remote.messages.length, 0, 'nothing forwarded while off')

  // A remote whose certificate does not chain to the CA given: refused, never connected.
  const wrong = await startRemoteBroker({ host: '127.0.0.1', username: 'x', password: 'y' })
  await wrong.close()
  let s = await h.admin('uplink.enable', { username: 'hub-a', password: PASSWORD, ca: wrong.ca })
  t.equal(s.enabled, true)
  t.match(s.consent, { by: /admin socket/, wallClock: /unverified|implausible/ }, 'consent recorded: who, when, wall clock flagged')
  await until('a failed TLS verification', async () => (await h.admin('uplink.status')).connection.attempts >= 2)
  s = await h.admin('uplink.status')
  t.not(s.connection.state, 'connected', 'a certificate from another CA is refused')
  t.match(s.connection.lastError, /SELF_SIGNED|UNABLE|CERT|verify/i, `TLS verification error reported (${s.connection.lastError})`)
  t.equal(remote.clients(), 0)

  // The right CA: connected, the queued state and new ones forwarded in order.
  await h.admin('uplink.enable', { username: 'hub-a', password: PASSWORD, ca: remote.ca })
  await until('connected', async () => (await h.admin('uplink.status')).connection.state === 'connected')
  for (let i = 0; i < 5; i++)
    await new Promise<void>((r) => dev.publish(`hearth/${light.id}/state`, JSON.stringify({ state: 'ON', brightness: i }), { qos: 1, retain: true }, () => r()))
  const prefix = `hearth-hubs/${h.hub.identity.hubId}`
  await until('five states at the remote', () => remote.messages.filter((m) => m.topic === `${prefix}/hearth/${light.id}/state`).length >= 5)
  const got = remote.messages.filter((m) => m.topic === `${prefix}/hearth/${light.id}/state`).map((m) => JSON.parse(m.payload).brightness)
  t.same(got, [0, 1, 2, 3, 4], 'forwarded in order under the remote prefix')
  t.notOk(remote.messages.some((m) => m.topic.startsWith(`${prefix}/homeassistant`)), 'topics outside the allow-list stay home')

  // Commands back: valid → delivered locally as the hub; invalid → refused and counted.
  const cmd = nextMessage(dev, `hearth/${light.id}/set`)
  await remote.publish(`${prefix}/hearth/${light.id}/set`, JSON.stringify({ state: 'OFF' }))
  t.same(JSON.parse((await cmd).payload), { state: 'OFF' }, 'a valid remote command reaches the device')
  await remote.publish(`${prefix}/hearth/${light.id}/set`, JSON.stringify({ state: 'MELT' }))
  await remote.publish(`${prefix}/hearth/d-nosuch/set`, JSON.stringify({ state: 'ON' }))
  await until('refusals counted', async () => (await h.admin('uplink.status')).commands.refused >= 2)
  s = await h.admin('uplink.status')
  t.same(s.commands, { accepted: 1, refused: 2 }, 'invalid and unknown-device commands refused')

  // The credential is sealed on disk; it appears in no file of the data dir.
  // Every file, in every folder (history/ included).
  for (const f of readdirSync(h.dataDir, { recursive: true }) as string[]) {
    if (f.endsWith('.sock') || statSync(path.join(h.dataDir, f)).isDirectory()) continue
    t.notOk(readFileSync(path.join(h.dataDir, f), 'latin1').includes(PASSWORD), `${f} does not hold the remote password`)
  }

  // Disable: the connection ends at once and nothing more leaves.
  const before = remote.messages.length
  s = await h.admin('uplink.disable')
  t.equal(s.enabled, false)
  t.equal(s.consent, null, 'consent withdrawn')
  await until('remote connection gone', () => remote.clients() === 0, 3000)
  await new Promise<void>((r) => dev.publish(`hearth/${light.id}/state`, JSON.stringify({ state: 'ON' }), { qos: 1, retain: true }, () => r()))
  await new Promise((r) => setTimeout(r, 200))
  t.equal(remote.messages.length, before, 'nothing forwarded after disable')
  t.equal((await h.admin('uplink.status')).queue.messages, 0, 'nothing kept queued for it')
  // The hub's one consent ledger (sealed on disk): open it the way the hub does.
  await h.stop()
  const { Store } = await import('../../src/store/store.js')
  const { ConsentLedger } = await import('../../src/privacy/consent.js')
  const { systemClock } = await import('../../src/core/clock.js')
  const { silentLogger } = await import('../../src/core/log.js')
  const store = await Store.open(h.dataDir, silentLogger)
  const history = (await ConsentLedger.open(store, { clock: systemClock })).history()
  await store.close()
  t.ok(history.some((r) => r.purpose === 'uplink' && r.granted) && history.some((r) => r.purpose === 'uplink' && !r.granted), 'the grant and the withdrawal are in the durable record')
})

t.test('uplink: bad settings are refused with the field named; enable without a URL is a coded conflict', async (t) => {
  await t.rejects(startTestHub(t, { '--uplink-topics': 'hearth/+/set' }), { code: 'HUB_ERR_CONFIG', message: /uplink\.topics/ })
  await t.rejects(startTestHub(t, { '--uplink-topics': '#' }), { code: 'HUB_ERR_CONFIG', message: /uplink\.topics/ })
  const h = await startTestHub(t)
  await t.rejects(h.admin('uplink.enable', { username: 'a', password: 'b' }), { code: 'HUB_ERR_CONFLICT' })
  t.equal((await h.admin('uplink.status')).enabled, false)
})

t.test('uplink web API: owner only, CSRF on changes, bad bodies refused with a code and nothing stored', async (t) => {
  const { WebClient, GOOD_PASSWORD } = await import('../helpers/web-client.js')
  const remote = await startRemoteBroker({ host: '127.0.0.1', username: 'hub-w', password: PASSWORD })
  t.teardown(() => remote.close())
  const h = await startTestHub(t, { '--uplink-url': `mqtts://127.0.0.1:${remote.port}` })
  const web = new WebClient(h.hub.status().listeners.https.port, h.ca)
  t.equal((await web.get('/api/v1/uplink')).status, 401, 'no session: 401')
  await web.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const s = await web.get('/api/v1/uplink')
  t.equal(s.status, 200)
  t.match(s.body, { enabled: false, configured: true, topics: ['hearth/+/state'], queue: { messages: 0, dropped: 0 } })
  t.equal((await web.request('POST', '/api/v1/uplink/enable', { username: 'hub-w', password: PASSWORD }, { csrf: null })).status, 403, 'no CSRF token: 403')
  for (const bad of [{ username: 'hub-w' }, { username: 'hub-w', password: PASSWORD, extra: 1 }, { username: 'hub-w', password: PASSWORD, ca: 'not a pem' }, { username: 'a b', password: 'x' }]) {
    const r = await web.post('/api/v1/uplink/enable', bad)
    t.equal(r.status, 400, `${JSON.stringify(bad).slice(0, 60)} → 400`)
    t.match(r.body, { code: 'HUB_ERR_BAD_REQUEST' })
  }
  t.equal((await web.get('/api/v1/uplink')).body.enabled, false, 'nothing changed')
  const on = await web.post('/api/v1/uplink/enable', { username: 'hub-w', password: PASSWORD, ca: remote.ca })
  t.equal(on.status, 200)
  t.match(on.body.consent, { by: /owner \(web/ })
  await until('connected', async () => (await web.get('/api/v1/uplink')).body.connection.state === 'connected')
  const off = await web.post('/api/v1/uplink/disable', {})
  t.equal(off.status, 200)
  t.equal(off.body.enabled, false)
})

t.test('uplink queue survives a restart (saved on its write budget) and keeps its drop count', async (t) => {
  const gone = await startRemoteBroker({ host: '127.0.0.1', username: 'u', password: PASSWORD })
  await gone.close() // the remote is unreachable for the whole test
  const flags = { '--uplink-url': `mqtts://127.0.0.1:${gone.port}`, '--uplink-queue-max-messages': '4', '--uplink-persist-interval-ms': '100' }
  const h = await startTestHub(t, flags)
  await h.admin('uplink.enable', { username: 'u', password: PASSWORD, ca: gone.ca })
  const temp = await h.addDevice('probe', 'temperature')
  const dev = await h.connect({ clientId: temp.id, username: temp.id, password: temp.token })
  for (let i = 0; i < 6; i++) await dev.publishAsync(`hearth/${temp.id}/state`, JSON.stringify({ temperature: i }), { qos: 1, retain: true })
  await until('queued', async () => (await h.admin('uplink.status')).queue.messages === 4)
  await h.stop()
  const again = await startTestHub(t, flags, h.dataDir)
  const s = await again.admin('uplink.status')
  t.equal(s.enabled, true, 'consent and credential survive the restart')
  t.equal(s.queue.messages, 4, 'the queue came back')
  t.equal(s.queue.dropped, 2, 'with its drop count')
})
