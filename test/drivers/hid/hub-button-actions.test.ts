import t from 'tap'
import { startTestHub } from '../../helpers/test-hub.js'
import { FakeHidTransport } from '../../helpers/fake-hid.js'
import { simOnTcp, waitFor } from '../../helpers/zigbee.js'
import { GOOD_PASSWORD, WebClient } from '../../helpers/web-client.js'

// The hub's own button, end to end through the hub (a fake HID bus at our own interface; a real
// coordinator simulator over TCP): a short press opens Zigbee pairing; a 10-second hold wipes.
const PEDAL = { vendorId: 0x0c45, productId: 0x7403, path: '/dev/hidraw-test', usagePage: 1, usage: 6 }
const UP = [0, 0, 0, 0, 0, 0, 0, 0]
const DOWN = [0, 0, 0x05, 0, 0, 0, 0, 0]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('press → pairing opens on the coordinator; 10 s hold → factory wipe', async (t) => {
  const { sim, url } = await simOnTcp(t)
  const hid = new FakeHidTransport()
  hid.plug({ ...PEDAL })
  const h = await startTestHub(t, { '--zigbee-port': url }, undefined, { hidTransport: hid })
  await waitFor(() => h.hub.status().zigbee.online, 15_000, 'coordinator online')
  await waitFor(() => hid.isOpen(PEDAL.path), 5000, 'button opened')

  hid.send(PEDAL.path, DOWN)
  await sleep(200)
  hid.send(PEDAL.path, UP)
  await waitFor(() => h.hub.status().zigbee.pairing.open, 3000, 'pairing open after a press')
  t.ok(sim.lastPermitDuration > 0 && sim.lastPermitDuration <= 254, `the stick permits joining for ${sim.lastPermitDuration} s (never 255)`)

  // A sensor pairs in that window.
  sim.join('temperature')
  await waitFor(() => (h.hub.status().zigbee.stats.joined ?? 0) >= 1, 15_000, 'a device paired')
  const formations = sim.counters.formations
  const leavesBefore = sim.counters.leaves
  const web = new WebClient(h.hub.status().listeners.https.port, h.ca)
  t.equal((await web.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })).status, 201)
  const oldCode = h.hub.identity.setupCode
  hid.send(PEDAL.path, DOWN)
  await sleep(5000)
  t.equal(h.hub.status().claimed, true, 'a 5-second hold does nothing yet')
  await sleep(5600) // the wipe starts while the button is still held
  await h.hub.settled()
  await waitFor(() => h.hub.status().claimed === false, 15_000, 'first-run state after the wipe')
  t.not(h.hub.identity.setupCode, oldCode, 'a new setup code')
  t.ok(sim.counters.leaves > leavesBefore, 'the paired device was asked to leave before the erase')
  await waitFor(() => h.hub.status().zigbee.online, 15_000, 'coordinator back online after the wipe')
  t.equal(sim.counters.formations, formations + 1, 'the coordinator formed a new network (new key and PAN)')
  t.same(sim.nv.get(0x0062), h.hub.identity.zigbee.networkKey, 'with the newly generated network key')
  const again = new WebClient(h.hub.status().listeners.https.port, h.hub.identity.tls.ca)
  t.equal((await again.post('/api/v1/claim', { setupCode: oldCode, name: 'Eve', password: GOOD_PASSWORD })).status, 401, 'the old code is refused')
  const receipt = await again.get('/api/v1/wipe/receipt')
  t.match(JSON.stringify(receipt.body), /button/, 'the receipt says the button started it')
})
