import t from 'tap'
import { resolveConfig } from '../../../src/core/config.js'

const base = { env: {}, flags: {}, baseDir: '/opt/hearth' }

t.test('hid.button: on by default, 10 s hold; never shorter than 10 s', async (t) => {
  t.same(resolveConfig(base).hid, { button: { enabled: true, holdSeconds: 10 } })
  t.equal(resolveConfig({ ...base, env: { HEARTH_HID_BUTTON_ENABLED: 'false' } }).hid.button.enabled, false)
  t.equal(resolveConfig({ ...base, flags: { '--hid-button-hold-seconds': '15' } }).hid.button.holdSeconds, 15)
  t.throws(() => resolveConfig({ ...base, flags: { '--hid-button-hold-seconds': '3' } }), { code: 'HUB_ERR_CONFIG', message: /hid\.button\.holdSeconds/ })
  t.throws(() => resolveConfig({ ...base, env: { HEARTH_HID_BUTTON_ENABLED: 'maybe' } }), { code: 'HUB_ERR_CONFIG', message: /hid\.button\.enabled/ })
})
