import t from 'tap'
import { createRequire } from 'node:module'
import { FakeClock } from '../../../src/core/clock.js'
import { silentLogger } from '../../../src/core/log.js'
import { HidButtonDriver, NodeHidTransport } from '../../../src/drivers/hid/index.js'

/**
 * The real node-hid on this machine: the native binding loads and lists devices (none needed).
 * No skip: in CI (and here) a binding that cannot load is a failure, since the hub's button
 * would silently never work on the image.
 */
t.test('node-hid loads and lists HID devices', async (t) => {
  const transport = new NodeHidTransport()
  const devices = await transport.list()
  t.ok(Array.isArray(devices), 'devices() returns an array')
  for (const d of devices) {
    t.type(d.vendorId, 'number')
    t.type(d.productId, 'number')
  }
  const hid = createRequire(import.meta.url)('node-hid') as typeof import('node-hid')
  t.match(hid.getHidapiVersion(), /^\d+\.\d+/, `hidapi ${hid.getHidapiVersion()}`)
  t.comment(`${devices.length} HID interface(s) present`)
})

t.test('opening a path that is not a HID device is a coded error', async (t) => {
  await t.rejects(new NodeHidTransport().open('/dev/null-not-a-hidraw'), { name: 'HubError', code: 'HUB_ERR_NOT_FOUND' })
})

t.test('the button driver over the real transport runs without a button and says why', async (t) => {
  const driver = new HidButtonDriver({ transport: new NodeHidTransport(), clock: new FakeClock(), random: () => 0.5, log: silentLogger })
  t.teardown(() => driver.close())
  await driver.open()
  const s = driver.status()
  // This machine (and CI) has no allow-listed button; if one is attached, it must be online.
  if (s.online) t.pass(`a button is attached: ${s.device}`)
  else t.same(s, { online: false, reason: 'no-device' })
})
