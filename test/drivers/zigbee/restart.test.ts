import path from 'node:path'
import t from 'tap'
import { ptyPair, simOnPty, waitFor } from '../../helpers/zigbee.js'
import { nextMessage, startTestHub } from '../../helpers/test-hub.js'
import { tmpDir } from '../../helpers/hub-process.js'

// A restart resumes the same network: the NV compare matches, so no formation, no reset of
// the stick, no forced rejoin; the paired device is remembered and its state re-read (staggered).

t.test('restart resumes the same network', async (t) => {
  const pair = await ptyPair(t)
  const { sim } = await simOnPty(t, pair)
  const dataDir = path.join(tmpDir(), 'data')
  const first = await startTestHub(t, { '--zigbee-port': pair.hub }, dataDir)
  await waitFor(() => first.hub.status().zigbee.online, 15_000, 'first bring-up')
  t.equal(sim.counters.formations, 1)
  const resetsAfterForming = sim.counters.resets
  await first.admin('pairing.open', { seconds: 30 })
  const dev = sim.join('temperature')!
  await waitFor(() => first.hub.status().zigbee.stats['joined'] === 1, 8000, 'paired')
  const id = (await first.admin('device.list'))[0].username
  const panId = first.hub.identity.zigbee.panId
  await first.stop()

  const readsBefore = dev.received.filter((c) => c === 'readAttributes').length
  sim.log.length = 0
  const second = await startTestHub(t, { '--zigbee-port': pair.hub }, dataDir)
  await waitFor(() => second.hub.status().zigbee.online, 15_000, 'second bring-up')
  t.equal(sim.counters.formations, 1, 'no formation the second time')
  t.equal(sim.counters.resets, resetsAfterForming, 'the stick was not reset')
  t.notOk(sim.log.includes('APP_CNF_BDB_START_COMMISSIONING'), 'no commissioning requested')
  t.notOk(sim.log.includes('SYS_OSAL_NV_WRITE'), 'no NV item rewritten')
  t.equal(second.hub.identity.zigbee.panId, panId, 'same PAN id from the sealed identity')
  t.equal((await second.admin('device.list'))[0].username, id, 'the device is remembered')
  t.ok(sim.devices.has(dev.ieee), 'and was not made to rejoin')
  // Its state is re-read after the restart (spread out, one device every ~2 s with jitter).
  await waitFor(() => dev.received.filter((c) => c === 'readAttributes').length > readsBefore, 8000, 're-read')
  const integ = await second.addAccount('ha')
  const c = await second.connect({ username: 'ha', password: integ.token, clientId: 'ha' })
  const msg = nextMessage(c, `hearth/${id}/state`, 3000)
  await c.subscribeAsync(`hearth/${id}/state`)
  t.ok(JSON.parse((await msg).payload).temperature !== undefined, 'retained state is there')
  c.end(true)
})

t.test('strict install-code mode is sent at every start, and after the stick resets', async (t) => {
  const pair = await ptyPair(t)
  const { sim } = await simOnPty(t, pair)
  const h = await startTestHub(t, { '--zigbee-port': pair.hub, '--zigbee-strict-install-codes': 'true' })
  await waitFor(() => h.hub.status().zigbee.online, 15_000, 'bring-up')
  t.equal(sim.joinUsesInstallCode, true, 'install-code-only mode on')
  // The example code of the Zigbee spec: 83FED340 7A939723 A5C639B2 6916D505, CRC 0xB5C3 (printed C3B5).
  await t.rejects(h.admin('pairing.installCode', { ieee: '00124b0000000001', code: '83FED3407A939723A5C639B26916D505C3B6' }), /bad-crc/, 'a wrong CRC is refused')
  t.equal(sim.installCodes.size, 0, 'nothing sent to the stick')
  await h.admin('pairing.installCode', { ieee: '00124b0000000001', code: '83FE D340 7A93 9723 A5C6 39B2 6916 D505 C3B5' })
  t.ok(sim.installCodes.has('00124b0000000001'), 'the code reached the stick')
  await h.admin('pairing.open', { seconds: 30 })
  t.equal(sim.join('temperature'), undefined, 'a device without a registered code cannot join')
  t.ok(sim.join('temperature', { ieee: '00124b0000000001' }), 'the device with its code can')
  await waitFor(() => h.hub.status().zigbee.stats['joined'] === 1, 8000, 'paired')
  // The stick reboots (watchdog, brown-out): the RAM-only mode is lost, and the hub sends it again.
  sim.log.length = 0
  sim.reboot()
  await waitFor(() => sim.log.includes('APP_CNF_BDB_SET_JOINUSESINSTALLCODEKEY'), 10_000, 'mode re-sent')
  await waitFor(() => h.hub.status().zigbee.online, 10_000, 'online again')
  t.equal(sim.joinUsesInstallCode, true, 'install-code-only mode on again')
  t.ok(sim.log.includes('APP_CNF_BDB_ADD_INSTALLCODE'), 'registered codes re-sent')
  t.equal(sim.counters.formations, 1, 'the network was not re-formed')
})
