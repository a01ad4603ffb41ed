import t from 'tap'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import mqtt from 'mqtt'
import { collect, startTestHub, type TestHub } from '../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'
import { CANARY, scanForCanaries, seedForeignFiles } from '../helpers/privacy-seed.js'
import { tmpDir } from '../helpers/hub-process.js'

const web = (h: TestHub) => new WebClient(h.hub.status().listeners.https.port, h.hub.identity.tls.ca)

/** A hub with an owner, devices with state and history, a consent, an uplink-like secret and a Wi-Fi key. */
async function seeded(t: Tap.Test) {
  const dataDir = path.join(tmpDir(), 'data')
  await seedForeignFiles(dataDir)
  const h = await startTestHub(t, { '--privacy-history-sample-seconds': '1', '--privacy-history-flush-seconds': '10' }, dataDir)
  const owner = web(h)
  const oldCode = h.hub.identity.setupCode
  t.equal((await owner.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: CANARY.owner, password: GOOD_PASSWORD })).status, 201)
  const lamp = (await owner.post('/api/v1/devices', { name: CANARY.device, kind: 'temperature' })).body as { id: string; token: string }
  const attic = (await owner.post('/api/v1/devices', { name: CANARY.other, kind: 'temperature' })).body as { id: string; token: string }
  for (const d of [lamp, attic]) {
    const c = await h.connect({ username: d.id, password: d.token, clientId: d.id })
    for (let i = 0; i < 3; i++) {
      await c.publishAsync(`hearth/${d.id}/state`, JSON.stringify({ temperature: CANARY.reading, humidity: 40 + i }), { retain: true, qos: 1 })
      await new Promise((r) => setTimeout(r, 1100))
    }
    c.end(true)
  }
  return { h, owner, lamp, attic, dataDir, oldCode }
}
type Tap = typeof t
declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0]
}

t.test('canary: after a wipe no byte under the data dir holds a canary, and nothing opens with the old data key', async (t) => {
  const { h, owner, lamp, dataDir } = await seeded(t)
  const grant = await owner.request('DELETE', '/api/v1/privacy/consents/uplink')
  t.equal(grant.status, 204, 'withdrawing an unknown consent is harmless')
  const hist = await owner.get(`/api/v1/devices/${lamp.id}/history`)
  t.equal(hist.status, 200)
  t.ok(hist.body.points.length >= 2, 'history recorded')
  const oldKey = readFileSync(path.join(dataDir, 'data.key'))
  // Make sure everything is on disk, then prove the scanner finds every canary before the wipe.
  await h.hub.stop()
  const { consentSeed } = await import('../helpers/privacy-consent-seed.js')
  await consentSeed(dataDir)
  const before = scanForCanaries(dataDir, oldKey)
  for (const c of [CANARY.owner, CANARY.device, CANARY.other, CANARY.uplinkPassword, CANARY.wifiKey, CANARY.consent, String(CANARY.reading)])
    t.ok(before.found.some((f) => f.startsWith(c)), `the scan finds "${c}" before the wipe`)
  t.ok(before.found.some((f) => f.includes('history')), 'including in the history files')

  const h2 = await startTestHub(t, {}, dataDir)
  const r = (await h2.admin('wipe', { yes: true })) as { startedAt: string }
  t.ok(r.startedAt)
  await h2.hub.settled()
  const after = scanForCanaries(dataDir, oldKey)
  t.same(after.found, [], 'no canary anywhere')
  t.equal(after.opened, 0, 'nothing opens with the old data key')
  t.same(after.keyBytes, [], 'the old key bytes are nowhere')
  const receipt = await h2.admin('wipe.receipt')
  t.match(receipt, { source: 'cli', erased: { dataKey: true, owner: true, devices: 2, consents: 1 } })
  const text = JSON.stringify(receipt)
  t.notMatch(text, /Canary|Zebulon|d-[a-z0-9]{10}/, 'the receipt names nobody and no device')
  t.notMatch(text, h2.hub.status().hubId, 'nor the hub')
})

/** A real MQTT CONNECT over TLS; resolves 'connected' or the refusal. */
function tryConnect(port: number, ca: string, username: string, password: string): Promise<string> {
  return new Promise((resolve) => {
    const c = mqtt.connect(`mqtts://localhost:${port}`, { ca, username, password, clientId: username, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 })
    c.once('connect', () => (c.end(true), resolve('connected')))
    c.once('error', (err) => (c.end(true), resolve(`refused: ${(err as { code?: unknown }).code ?? err.message}`)))
  })
}

t.test('after a web wipe: old setup code, owner password, device tokens and session cookies are refused; the new setup code works', async (t) => {
  const { h, owner, lamp, oldCode } = await seeded(t)
  const ports = h.hub.status().listeners
  const oldCa = h.hub.identity.tls.ca
  t.equal((await owner.post('/api/v1/wipe', { password: 'not the password at all', confirm: true })).status, 403, 'wrong password: refused')
  t.equal((await owner.post('/api/v1/wipe', { password: GOOD_PASSWORD })).status, 400, 'no confirmation: refused')
  t.equal((await owner.post('/api/v1/wipe', { password: GOOD_PASSWORD, confirm: true }, )).status, 202, 'password and confirm: wiping')
  await h.hub.settled()
  t.same(h.hub.status().listeners, ports, 'back on the same ports')
  const newCa = h.hub.identity.tls.ca
  t.not(newCa, oldCa, 'a new certificate authority')
  const again = new WebClient(ports.https.port, newCa)
  again.cookie = owner.cookie
  again.csrf = owner.csrf
  t.equal((await again.get('/api/v1/devices')).status, 401, 'the old session cookie is refused')
  t.equal((await again.get('/api/v1/session')).status, 401)
  const fresh = new WebClient(ports.https.port, newCa)
  t.same((await fresh.get('/api/v1/setup')).body, { claimed: false }, 'first-run state')
  const receipt = await fresh.get('/api/v1/wipe/receipt')
  t.equal(receipt.status, 200, 'the receipt is shown while the hub is unclaimed')
  t.match(receipt.body, { source: 'web', erased: { owner: true, devices: 2, dataKey: true }, regenerated: Array })
  t.equal((await fresh.post('/api/v1/session', { password: GOOD_PASSWORD })).status, 401, 'the old owner password is refused')
  t.equal((await fresh.post('/api/v1/claim', { setupCode: oldCode, name: 'Mallory', password: GOOD_PASSWORD })).status, 401, 'the old setup code is refused')
  t.match(await tryConnect(ports.mqtts.port, newCa, lamp.id, lamp.token), /^refused/, 'the old device token is refused (real MQTT CONNECT)')
  t.match(await tryConnect(ports.mqtts.port, oldCa, lamp.id, lamp.token), /^refused/, 'and a device still trusting the old CA cannot even finish TLS')
  const { setupCode } = (await h.admin('setupCode')) as { setupCode: string }
  t.not(setupCode, oldCode, 'a new setup code')
  const claim = await fresh.post('/api/v1/claim', { setupCode, name: 'New Owner', password: 'fresh start 2026 ok' })
  t.equal(claim.status, 201, 'the new setup code works')
  t.same((await fresh.get('/api/v1/devices')).body, { devices: [] })
  t.equal((await new WebClient(ports.https.port, newCa).get('/api/v1/wipe/receipt')).status, 401, 'once claimed again, the receipt is for the owner only')
  t.equal((await fresh.get('/api/v1/wipe/receipt')).status, 200)
  t.equal((await fresh.get('/api/v1/privacy')).body.lastWipe.source, 'web', 'and on the privacy page')
})

t.test('per-device delete: the device, its history, token and retained messages go; every other device stays intact', async (t) => {
  const { h, owner, lamp, attic, dataDir } = await seeded(t)
  const watcher = await h.addAccount('watcher')
  t.equal((await owner.request('DELETE', `/api/v1/devices/${lamp.id}`)).status, 204)
  t.same((await owner.get('/api/v1/devices')).body.devices.map((d: { id: string }) => d.id), [attic.id], 'only the other device is listed')
  t.equal((await owner.get(`/api/v1/devices/${lamp.id}/history`)).status, 404)
  t.ok((await owner.get(`/api/v1/devices/${attic.id}/history`)).body.points.length >= 2, 'the other history stays')
  const port = h.hub.status().listeners.mqtts.port
  t.match(await tryConnect(port, h.ca, lamp.id, lamp.token), /^refused/, 'its token is refused')
  t.equal(await tryConnect(port, h.ca, attic.id, attic.token), 'connected', 'the other token works')
  const retained = async (ca: string, p: number) => {
    const c = await new Promise<mqtt.MqttClient>((resolve, reject) => {
      const m = mqtt.connect(`mqtts://localhost:${p}`, { ca, username: watcher.username, password: watcher.token, clientId: 'watcher', reconnectPeriod: 0 })
      m.once('connect', () => resolve(m))
      m.once('error', reject)
    })
    c.subscribe(['hearth/+/state', 'hearth/+/availability', 'homeassistant/#'])
    const got = await collect(c, 700)
    c.end(true)
    return got.filter((m) => m.payload !== '').map((m) => m.topic)
  }
  let topics = await retained(h.ca, port)
  t.notOk(topics.some((x) => x.includes(lamp.id)), 'no retained message of the deleted device')
  t.ok(topics.includes(`hearth/${attic.id}/state`), 'the other device keeps its retained state')
  t.ok(topics.some((x) => x.includes(`hearth_${attic.id}`)), 'and its discovery entries')
  // And after a restart (what is on disk): still gone, the other still there.
  await h.stop()
  const h2 = await startTestHub(t, {}, dataDir)
  topics = await retained(h2.ca, h2.port)
  t.notOk(topics.some((x) => x.includes(lamp.id)), 'not back after a restart')
  t.ok(topics.includes(`hearth/${attic.id}/state`))
  const o2 = web(h2)
  t.equal((await o2.post('/api/v1/session', { password: GOOD_PASSWORD })).status, 200)
  t.equal((await o2.get(`/api/v1/devices/${attic.id}/history`)).body.points.length >= 2, true, 'history of the other device on disk')
  const exp = await o2.get('/api/v1/privacy/export')
  t.equal(exp.status, 200)
  t.match(exp.headers['content-disposition'], /attachment/)
  t.match(exp.body, { format: 'hearth-export/1', owner: { name: CANARY.owner }, devices: [{ id: attic.id, name: CANARY.other }] })
  const { inventory: _i, ...mine } = exp.body as Record<string, unknown>
  t.notMatch(JSON.stringify(mine), /verifier|passwordHash|sb1\.|argon2|token"/, 'no secrets or hashes in the export (outside the inventory text)')
  t.notMatch(exp.text, lamp.id, 'nothing of the deleted device')
})
