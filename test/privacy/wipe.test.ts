import t from 'tap'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { closed, nextMessage, startTestHub, type TestHub } from '../helpers/test-hub.js'
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
  return { h, owner, lamp, attic, dataDir }
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
