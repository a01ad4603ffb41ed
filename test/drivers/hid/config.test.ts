import t from 'tap'
import { resolveConfig } from '../../../src/core/config.js'
import { BUTTON_LAYOUTS, layoutFor, withExtraDevices } from '../../../src/drivers/hid/index.js'

const base = { env: {}, flags: {}, baseDir: '/opt/hearth' }

t.test('hid.button: on by default, 10 s hold; never shorter than 10 s', async (t) => {
  t.same(resolveConfig(base).hid, { button: { enabled: true, holdSeconds: 10, extraDevices: '' } })
  t.equal(resolveConfig({ ...base, env: { HEARTH_HID_BUTTON_ENABLED: 'false' } }).hid.button.enabled, false)
  t.equal(resolveConfig({ ...base, flags: { '--hid-button-hold-seconds': '15' } }).hid.button.holdSeconds, 15)
  t.throws(() => resolveConfig({ ...base, flags: { '--hid-button-hold-seconds': '3' } }), { code: 'HUB_ERR_CONFIG', message: /hid\.button\.holdSeconds/ })
  t.throws(() => resolveConfig({ ...base, env: { HEARTH_HID_BUTTON_ENABLED: 'maybe' } }), { code: 'HUB_ERR_CONFIG', message: /hid\.button\.enabled/ })
})

t.test('hid.button.extraDevices: vid:pid entries join the allow-list; anything else is a config error naming the setting', async (t) => {
  t.equal(withExtraDevices('').length, BUTTON_LAYOUTS.length)
  const l = withExtraDevices(' 1209:A001 , 0c45:7403,1209:a001')
  t.equal(l.length, BUTTON_LAYOUTS.length + 1, 'duplicates and built-ins are not added twice')
  t.match(layoutFor({ vendorId: 0x1209, productId: 0xa001, path: '/dev/hidraw1' }, l), { name: 'configured button (1209:a001)', reportLength: 8 })
  t.equal(layoutFor({ vendorId: 0x1209, productId: 0xa001, path: '/dev/hidraw1' }, BUTTON_LAYOUTS), undefined, 'not without the setting')
  for (const bad of ['1209', '1209:a0011', 'x209:a001', '1209:a001:1', '0x1209:0xa001'])
    t.throws(() => withExtraDevices(bad), { code: 'HUB_ERR_CONFIG', message: /hid\.button\.extraDevices/ }, bad)
  t.throws(() => resolveConfig({ ...base, env: { HEARTH_HID_BUTTON_EXTRA_DEVICES: '1209:a001;rm' } }), { code: 'HUB_ERR_CONFIG', message: /hid\.button\.extraDevices/ })
})
