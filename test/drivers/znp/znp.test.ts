import t from 'tap'
import { simOnTcp, waitFor } from '../../helpers/zigbee.js'
import { Znp } from '../../../src/drivers/znp/znp.js'
import { openStream, tcpTarget } from '../../../src/drivers/znp/transport.js'
import { systemClock } from '../../../src/core/clock.js'
import { silentLogger } from '../../../src/core/log.js'
import { HubError } from '../../../src/core/errors.js'

// The MT request layer against the simulator over TCP, with the simulator's faults injected.

async function connect(t: Tap.Test) {
  const s = await simOnTcp(t)
  const znp = new Znp(await openStream(s.url), { clock: systemClock, log: silentLogger })
  t.teardown(() => znp.close())
  return { ...s, znp }
}

t.test('tcp:// targets', async (t) => {
  t.same(tcpTarget('tcp://127.0.0.1:6638'), { host: '127.0.0.1', port: 6638 })
  t.same(tcpTarget('tcp://[::1]:80'), { host: '::1', port: 80 })
  t.equal(tcpTarget('tcp://host:0'), undefined)
  t.equal(tcpTarget('/dev/ttyUSB0'), undefined)
  await t.rejects(openStream('tcp://nope'), { code: 'HUB_ERR_CONFIG' })
  await t.rejects(openStream('tcp://127.0.0.1:1'), { code: 'HUB_ERR_ZIGBEE_OFFLINE' })
})

t.test('requests are answered in order, one in flight', async (t) => {
  const { znp, sim } = await connect(t)
  const [a, b, c] = await Promise.all([znp.request('SYS_PING'), znp.request('SYS_VERSION'), znp.request('UTIL_GET_DEVICE_INFO')])
  t.equal(a.capabilities, 0x0179)
  t.equal(b.product, 1)
  t.equal(c.ieee, sim.ieee)
  t.same(sim.log.slice(-3), ['SYS_PING', 'SYS_VERSION', 'UTIL_GET_DEVICE_INFO'])
})

t.test('a frame with a bad FCS is dropped and counted; the request then times out with a code', async (t) => {
  const { znp, sim } = await connect(t)
  sim.fault('bad-fcs')
  const err = await znp.request('SYS_PING', {}, 300).catch((e: HubError) => e)
  t.equal((err as HubError).code, 'HUB_ERR_ZIGBEE_TIMEOUT')
  t.equal(znp.stats()['dropped.bad-fcs'], 1)
  t.equal((await znp.request('SYS_PING')).capabilities, 0x0179, 'the next request works')
})

t.test('garbage and truncated frames: dropped, counted, the link goes on', async (t) => {
  const { znp, sim } = await connect(t)
  sim.fault('garbage')
  sim.fault('truncated')
  await t.rejects(znp.request('SYS_PING', {}, 800), { code: 'HUB_ERR_ZIGBEE_TIMEOUT' })
  await waitFor(() => znp.stats()['dropped.truncated']! + znp.stats()['dropped.bad-fcs']! >= 1, 2000, 'truncated counted')
  t.ok(znp.stats()['dropped.garbage']! >= 1, 'garbage counted')
  t.equal((await znp.request('SYS_VERSION')).major, 2)
})

t.test('no response: coded timeouts, the queue moves on', async (t) => {
  const { znp, sim } = await connect(t)
  sim.fault('no-response')
  const r = await Promise.allSettled([znp.request('SYS_PING', {}, 200), znp.request('SYS_PING', {}, 200)])
  t.same(r.map((x) => x.status === 'rejected' && (x.reason as HubError).code), ['HUB_ERR_ZIGBEE_TIMEOUT', 'HUB_ERR_ZIGBEE_TIMEOUT'])
  t.equal(znp.stats().timeouts, 2)
  sim.clearFaults()
  t.ok(await znp.request('SYS_PING'))
})

t.test('a command the firmware lacks gets an RPC error, reported as refused', async (t) => {
  const { znp, sim } = await connect(t)
  sim.unsupported.add('APP_CNF_BDB_SET_JOINUSESINSTALLCODEKEY')
  const err = await znp.request('APP_CNF_BDB_SET_JOINUSESINSTALLCODEKEY', { enable: 1 }).catch((e: HubError) => e)
  t.equal((err as HubError).code, 'HUB_ERR_ZIGBEE_REFUSED')
  t.match((err as HubError).message, /RPC error 2/)
  t.equal(znp.stats().rpcErrors, 1)
})

t.test('unplug: pending requests fail offline at once, and later ones too', async (t) => {
  const { znp, sim } = await connect(t)
  sim.fault('no-response')
  const pending = znp.request('SYS_PING', {}, 5000)
  const closed = new Promise((r) => znp.once('close', r))
  sim.fault('unplug')
  await t.rejects(pending, { code: 'HUB_ERR_ZIGBEE_OFFLINE' })
  await closed
  await t.rejects(znp.request('SYS_PING'), { code: 'HUB_ERR_ZIGBEE_OFFLINE' })
})
