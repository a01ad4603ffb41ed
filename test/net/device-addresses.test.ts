import t from 'tap'
import { DeviceAddresses } from '../../src/net/device-addresses.js'

t.test('device addresses feed the firewall: LAN only, deduplicated, forgotten on removal', async (t) => {
  const changes: Array<Array<{ id: string; address: string }>> = []
  const a = new DeviceAddresses((d) => changes.push(d))
  a.seen('d-one', '127.0.0.1')
  a.seen('d-one', '::1')
  t.equal(changes.length, 0, 'loopback is not an IP device')
  a.seen('d-one', '::ffff:192.168.1.20')
  a.seen('d-one', '192.168.1.20')
  t.same(changes, [[{ id: 'd-one', address: '192.168.1.20' }]], 'one change; IPv4-mapped form normalised')
  a.seen('d-two', 'fd00::7%eth0')
  a.seen('d-three', '192.168.1.20')
  t.same(a.list(), [{ id: 'd-one', address: '192.168.1.20' }, { id: 'd-two', address: 'fd00::7' }], 'one entry per address')
  a.forget('d-one')
  t.same(a.list(), [{ id: 'd-three', address: '192.168.1.20' }, { id: 'd-two', address: 'fd00::7' }])
  a.forget('d-nobody')
  t.equal(changes.length, 4, 'forgetting an unknown device changes nothing')
})
