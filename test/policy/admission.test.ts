import t from 'tap'
import { Admission, addressKey, type AdmissionOptions } from '../../src/policy/admission.js'

const opts: AdmissionOptions = {
  ratePerAddress: 1,
  burstPerAddress: 2,
  rateTotal: 10,
  burstTotal: 5,
  maxClients: 100,
  maxTrackedAddresses: 1000,
}

t.test('per-address burst, then address-rate refusals, then refill', async (t) => {
  const a = new Admission(opts)
  t.same(a.admit('192.0.2.1', 0, 0), { admit: true })
  t.same(a.admit('192.0.2.1', 0, 0), { admit: true })
  t.same(a.admit('192.0.2.1', 0, 0), { admit: false, reason: 'address-rate' })
  t.same(a.admit('192.0.2.2', 0, 0), { admit: true }, 'another address is unaffected')
  t.same(a.admit('192.0.2.1', 999, 0), { admit: false, reason: 'address-rate' })
  t.same(a.admit('192.0.2.1', 1000, 0), { admit: true }, 'one token per second')
  t.same(a.stats(), { admitted: 4, refused: { 'address-rate': 2, 'global-rate': 0, 'max-clients': 0 }, trackedAddresses: 2, evictions: 0 })
})

t.test('global rate stops many addresses', async (t) => {
  const a = new Admission(opts)
  for (let i = 0; i < 5; i++) t.same(a.admit(`198.51.100.${i}`, 0, 0), { admit: true })
  t.same(a.admit('198.51.100.200', 0, 0), { admit: false, reason: 'global-rate' })
  t.same(a.admit('198.51.100.201', 100, 0), { admit: true }, '10/s: one more after 100 ms')
  t.equal(a.stats().refused['global-rate'], 1)
})

t.test('a refused per-address attempt does not consume a global token', async (t) => {
  const a = new Admission({ ...opts, burstTotal: 3, rateTotal: 0.001 })
  a.admit('203.0.113.9', 0, 0)
  a.admit('203.0.113.9', 0, 0)
  for (let i = 0; i < 50; i++) t.same(a.admit('203.0.113.9', 0, 0), { admit: false, reason: 'address-rate' })
  t.same(a.admit('203.0.113.10', 0, 0), { admit: true }, 'the flood left the last global token for others')
  t.same(a.admit('203.0.113.11', 0, 0), { admit: false, reason: 'global-rate' })
})

t.test('max clients', async (t) => {
  const a = new Admission({ ...opts, maxClients: 3 })
  t.same(a.admit('192.0.2.1', 0, 2), { admit: true })
  t.same(a.admit('192.0.2.2', 0, 3), { admit: false, reason: 'max-clients' })
  t.same(a.admit('192.0.2.3', 0, 4), { admit: false, reason: 'max-clients' })
  t.same(a.stats().refused, { 'address-rate': 0, 'global-rate': 0, 'max-clients': 2 })
  t.equal(a.stats().admitted, 1)
})

t.test('IPv4-mapped IPv6 counts as the IPv4 address', async (t) => {
  const a = new Admission(opts)
  a.admit('192.0.2.7', 0, 0)
  a.admit('::ffff:192.0.2.7', 0, 0)
  t.same(a.admit('::FFFF:192.0.2.7', 0, 0), { admit: false, reason: 'address-rate' })
  t.equal(a.stats().trackedAddresses, 1)
})

const keys: Array<[string, string]> = [
  ['192.0.2.1', '192.0.2.1'],
  ['::ffff:192.0.2.1', '192.0.2.1'],
  ['0:0:0:0:0:ffff:192.0.2.1', '192.0.2.1'],
  ['::ffff:c000:201', '::ffff:c000:201'], // not the dotted form Node reports; kept as is
  ['2001:DB8::1', '2001:db8::1'],
  ['fe80::1%eth0', 'fe80::1'],
  ['2001:db8::ffff:192.0.2.1', '2001:db8::ffff:192.0.2.1'], // not IPv4-mapped
  ['', ''],
]
for (const [input, key] of keys) {
  t.test(`addressKey(${JSON.stringify(input)}) = ${JSON.stringify(key)}`, async (t) => {
    t.equal(addressKey(input), key)
  })
}

t.test('tracked addresses stay bounded', async (t) => {
  const a = new Admission({ ...opts, rateTotal: 1e6, burstTotal: 1e6, maxTrackedAddresses: 50 })
  for (let i = 0; i < 5000; i++) a.admit(`2001:db8::${i.toString(16)}`, i, 0)
  t.ok(a.stats().trackedAddresses <= 50)
})

t.test('stats is a snapshot', async (t) => {
  const a = new Admission({ ...opts, maxClients: 1 })
  const s = a.stats()
  a.admit('192.0.2.1', 0, 5)
  t.equal(s.refused['max-clients'], 0)
  t.equal(a.stats().refused['max-clients'], 1)
})

t.test('bad options throw coded errors', async (t) => {
  t.throws(() => new Admission({ ...opts, maxClients: 0 }), { code: 'HUB_ERR_CONFIG' })
  t.throws(() => new Admission({ ...opts, rateTotal: 0 }), { code: 'HUB_ERR_CONFIG' })
  t.throws(() => new Admission({ ...opts, burstPerAddress: -1 }), { code: 'HUB_ERR_CONFIG' })
  t.throws(() => new Admission({ ...opts, maxTrackedAddresses: 0 }), { code: 'HUB_ERR_CONFIG' })
})
