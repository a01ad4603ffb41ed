import t from 'tap'
import { simOnTcp, waitFor } from '../../helpers/zigbee.js'
import { startTestHub } from '../../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../../helpers/web-client.js'
import { main } from '../../../src/main.js'

// Pairing from the web API (session + CSRF, schema-checked seconds) and from `hearth pair`
// (admin socket), against a hub whose coordinator is the simulator over tcp://.

t.test('web and CLI pairing; no coordinator → 409', async (t) => {
  const { sim, url } = await simOnTcp(t)
  const h = await startTestHub(t, { '--zigbee-port': url })
  await waitFor(() => h.hub.status().zigbee.online, 15_000, 'online')
  const web = new WebClient(h.hub.status().listeners.https.port, h.ca)
  t.equal((await web.post('/api/v1/pairing', { seconds: 10 })).status, 401, 'needs the owner')
  await web.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  t.equal((await web.request('POST', '/api/v1/pairing', { seconds: 10 }, { csrf: null })).status, 403, 'needs the CSRF token')
  for (const bad of [{ seconds: 255 }, { seconds: 0 }, { seconds: '10' }, { seconds: 10, forever: true }])
    t.equal((await web.post('/api/v1/pairing', bad)).status, 400, `refused: ${JSON.stringify(bad)}`)
  t.equal(sim.counters.permitJoinRequests, 1, 'only the bring-up close reached the stick')
  const r = await web.post('/api/v1/pairing', { seconds: 10 })
  t.equal(r.status, 200)
  t.match(r.body, { available: true, online: true, open: true, remainingSeconds: 10, seconds: 10 })
  t.equal(sim.lastPermitDuration, 10)
  t.match((await web.get('/api/v1/pairing')).body, { open: true })
  t.equal((await web.request('DELETE', '/api/v1/pairing')).status, 200)
  await waitFor(() => sim.lastPermitDuration === 0, 2000, 'closed on the stick')
  const bad = await web.post('/api/v1/pairing/install-codes', { ieee: '00124b0000000001', code: '83FED3407A939723A5C639B26916D505C3B6' })
  t.equal(bad.status, 400)
  t.match(bad.body, { code: 'HUB_ERR_BAD_REQUEST', message: /bad-crc/ })

  // Removal from the web UI's route makes a Zigbee device leave the network.
  await web.post('/api/v1/pairing', { seconds: 30 })
  const plug = sim.join('plug')!
  await waitFor(() => h.hub.status().zigbee.stats['joined'] === 1, 8000, 'plug paired')
  const listed = (await web.get('/api/v1/devices')).body.devices
  t.equal(listed.length, 1)
  t.equal(listed[0].kind, 'switch')
  t.equal(listed[0].transport, 'zigbee', 'the UI is told it is a Zigbee device (no token card)')
  t.equal(listed[0].ieee, plug.ieee)
  t.equal((await web.post(`/api/v1/devices/${listed[0].id}/rotate`)).status, 409, 'no token to rotate')
  t.equal((await web.post(`/api/v1/devices/${listed[0].id}/command`, { state: 'ON' })).status, 202)
  await waitFor(() => plug.get(0x0006, 0) === true, 3000, 'web command reached the plug')
  t.equal((await web.request('DELETE', `/api/v1/devices/${listed[0].id}`)).status, 204)
  await waitFor(() => !sim.devices.has(plug.ieee), 3000, 'plug left the network')
  await web.request('DELETE', '/api/v1/pairing')

  // `hearth pair --seconds 3` over the admin socket, exactly as the CLI runs.
  const out: string[] = []
  const io = { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) }
  t.equal(await main(['pair', '--seconds', '3', '--data-dir', h.dataDir, '--json'], {}, io), 0)
  t.match(JSON.parse(out.pop()!), { open: true, remainingSeconds: 3 })
  t.equal(sim.lastPermitDuration, 3)
  t.equal(await main(['pair', '--seconds', '255', '--data-dir', h.dataDir], {}, io), 64, '255 is a usage error')
  t.equal(await main(['pair', 'status', '--data-dir', h.dataDir], {}, io), 0)
  t.match(out.pop(), /Pairing is open: \d s left/)
})

t.test('a hub without zigbee.port says so', async (t) => {
  const h = await startTestHub(t)
  t.match(h.hub.status().zigbee, { configured: false, online: false })
  const web = new WebClient(h.hub.status().listeners.https.port, h.ca)
  await web.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const r = await web.post('/api/v1/pairing', { seconds: 60 })
  t.equal(r.status, 409)
  t.match(r.body.message, /Zigbee is not set up/)
  t.match((await web.get('/api/v1/pairing')).body, { available: false, open: false })
})
