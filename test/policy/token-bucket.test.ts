import t from 'tap'
import { KeyedBuckets, TokenBucket } from '../../src/policy/token-bucket.js'

t.test('starts full: a burst is allowed, then refused', async (t) => {
  const b = new TokenBucket(5, 3, 1000)
  t.equal(b.take(1000), true)
  t.equal(b.take(1000), true)
  t.equal(b.take(1000), true)
  t.equal(b.take(1000), false, 'burst of 3 spent')
  t.equal(b.available(1000), 0)
})

t.test('refills at the rate, exactly, and never above the burst', async (t) => {
  const b = new TokenBucket(5, 3, 0)
  for (let i = 0; i < 3; i++) b.take(0)
  t.equal(b.take(199), false, '199 ms at 5/s is not yet one token')
  t.equal(b.take(200), true, '200 ms at 5/s is exactly one token')
  t.equal(b.take(200), false)
  t.equal(b.available(100_000), 3, 'capped at the burst after a long idle')
  t.equal(b.isFull(100_000), true)
  b.take(100_000)
  t.equal(b.isFull(100_000), false)
})

t.test('waitMs says how long until n tokens, and take agrees', async (t) => {
  const b = new TokenBucket(5, 3, 0)
  t.equal(b.waitMs(0), 0, 'available now')
  t.equal(b.waitMs(0, 3), 0)
  for (let i = 0; i < 3; i++) b.take(0)
  t.equal(b.waitMs(0), 200)
  t.equal(b.waitMs(0, 2), 400)
  t.equal(b.waitMs(0, 4), Number.POSITIVE_INFINITY, 'more than the burst never fits')
  t.equal(b.take(0, 4), false)
  t.equal(b.available(0), 0, 'waitMs took nothing')
  t.equal(b.waitMs(50), 150)
  t.equal(b.waitMs(0, 2), 400, 'still measured from the time asked about')
  t.equal(b.take(399, 2), false, 'one ms early is refused')
  t.equal(b.take(400, 2), true)
})

t.test('waitMs and take agree for awkward rates and fractional clocks', async (t) => {
  for (const rate of [3, 7, 0.5, 1.1, 333, 99_999]) {
    let now = 0.123
    const b = new TokenBucket(rate, 1, now)
    b.take(now)
    for (let i = 0; i < 20; i++) {
      const w = b.waitMs(now)
      t.ok(w > 0, `rate ${rate}: must wait`)
      if (w > 1) t.equal(b.take(now + w - 1), false, `rate ${rate}: refused 1 ms early`)
      now += w
      t.equal(b.take(now), true, `rate ${rate}: granted after ${w} ms`)
    }
  }
})

t.test('take is all-or-nothing', async (t) => {
  const b = new TokenBucket(1, 5, 0)
  b.take(0, 4)
  t.equal(b.take(0, 2), false)
  t.equal(b.available(0), 1, 'a refused take leaves the token')
  t.equal(b.take(0, 1), true)
})

t.test('time running backwards mints nothing', async (t) => {
  const b = new TokenBucket(10, 2, 10_000)
  b.take(10_000, 2)
  t.equal(b.take(0), false)
  t.equal(b.take(5_000), false)
  t.equal(b.take(10_050), false, 'only time after the latest seen counts')
  t.equal(b.take(10_100), true)
  const c = new TokenBucket(1, 2, 10_000)
  t.equal(c.take(0), true, 'a clock stepping back does not lock away tokens already there')
  t.equal(c.waitMs(0), 0)
})

t.test('bad parameters throw coded errors', async (t) => {
  for (const [rate, burst] of [[0, 1], [1, 0], [-1, 1], [Number.NaN, 1], [1, Number.POSITIVE_INFINITY]] as const)
    t.throws(() => new TokenBucket(rate, burst, 0), { name: 'HubError', code: 'HUB_ERR_CONFIG' }, `${rate}/${burst}`)
  const b = new TokenBucket(1, 1, 0)
  t.throws(() => b.take(0, -1), { name: 'HubError' }, 'a negative take would add tokens')
  t.throws(() => b.take(0, Number.NaN), { name: 'HubError' })
  t.equal(b.available(0), 1)
})

t.test('keyed buckets: one bucket per key', async (t) => {
  const k = new KeyedBuckets({ ratePerSec: 1, burst: 2, maxKeys: 10 })
  t.equal(k.take('a', 0), true)
  t.equal(k.take('a', 0), true)
  t.equal(k.take('a', 0), false, 'a is spent')
  t.equal(k.take('b', 0), true, 'b has its own bucket')
  t.equal(k.waitMs('a', 0), 1000)
  t.equal(k.waitMs('unknown', 0), 0)
  t.equal(k.waitMs('unknown', 0, 3), Number.POSITIVE_INFINITY)
  t.equal(k.size, 2, 'waitMs creates no key')
  k.delete('a')
  t.equal(k.size, 1)
})

t.test('keyed buckets: memory stays bounded under key churn', async (t) => {
  const k = new KeyedBuckets({ ratePerSec: 1, burst: 1, maxKeys: 100 })
  for (let i = 0; i < 10_000; i++) k.take(`10.0.${i >> 8}.${i & 255}`, i)
  t.ok(k.size <= 100, `size ${k.size}`)
})

t.test('keyed buckets: full (refilled) buckets go first, drained ones are kept', async (t) => {
  const k = new KeyedBuckets({ ratePerSec: 1, burst: 1, maxKeys: 3 })
  k.take('old', 0) // refills by t=1000
  k.take('hot1', 900)
  k.take('hot2', 900)
  k.take('new', 1000) // table full: 'old' is full again and is dropped
  t.equal(k.size, 3)
  t.equal(k.evictions, 0, 'dropping a full bucket is not an eviction')
  t.equal(k.take('hot1', 1000), false, 'hot1 kept its drained bucket')
  t.equal(k.take('hot2', 1000), false, 'hot2 too')
})

t.test('keyed buckets: with nothing refilled, the least recently used is evicted', async (t) => {
  const k = new KeyedBuckets({ ratePerSec: 1, burst: 1, maxKeys: 3 })
  k.take('a', 0)
  k.take('b', 0)
  k.take('c', 0)
  k.take('a', 10) // refused, but 'a' is now the most recently used
  k.take('d', 20) // evicts 'b'
  t.equal(k.evictions, 1)
  t.equal(k.size, 3)
  t.equal(k.take('a', 20), false, 'a was kept (recently used)')
  t.equal(k.take('c', 20), false, 'c was kept')
  t.equal(k.take('b', 20), true, 'b was evicted and starts afresh')
})

t.test('keyed buckets: bad options throw', async (t) => {
  t.throws(() => new KeyedBuckets({ ratePerSec: 1, burst: 1, maxKeys: 0 }), { code: 'HUB_ERR_CONFIG' })
  t.throws(() => new KeyedBuckets({ ratePerSec: 1, burst: 1, maxKeys: 1.5 }), { code: 'HUB_ERR_CONFIG' })
  t.throws(() => new KeyedBuckets({ ratePerSec: 0, burst: 1, maxKeys: 1 }), { code: 'HUB_ERR_CONFIG' })
})
