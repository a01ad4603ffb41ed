import t from 'tap'
import { FakeClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
import { localCommandOf, parseUplinkTopics } from '../../src/policy/uplink.js'
import { messageCost, OutboundQueue, type QueueSnapshot } from '../../src/uplink/queue.js'
import { QueuePersister } from '../../src/uplink/persister.js'

const p = (s: string) => Buffer.from(s)

t.test('bounded in count: oldest dropped first, drops counted, order kept', async (t) => {
  const q = new OutboundQueue({ maxMessages: 3, maxBytes: 1 << 20 })
  for (let i = 1; i <= 5; i++) q.push('hearth/d-a/state', p(String(i)))
  t.equal(q.length, 3)
  t.equal(q.dropped, 2)
  t.same(q.peek(10).map((m) => m.payload.toString()), ['3', '4', '5'])
})

t.test('bounded in bytes: oldest dropped until the new message fits; a message larger than the bound is itself dropped', async (t) => {
  const cost = messageCost('t', p('x'.repeat(84)))
  t.equal(cost, 101)
  const q = new OutboundQueue({ maxMessages: 1000, maxBytes: cost * 2 })
  q.push('t', p('a'.repeat(84)))
  q.push('t', p('b'.repeat(84)))
  q.push('t', p('c'.repeat(84)))
  t.equal(q.length, 2)
  t.equal(q.byteSize, cost * 2)
  t.same(q.peek(5).map((m) => m.payload[0]), ['b'.charCodeAt(0), 'c'.charCodeAt(0)])
  q.push('t', p('z'.repeat(1000)))
  t.equal(q.length, 2, 'an oversized message evicts nothing')
  t.equal(q.dropped, 2)
})

t.test('ack removes delivered messages; peek after a seq continues the window', async (t) => {
  const q = new OutboundQueue({ maxMessages: 10, maxBytes: 10_000 })
  for (let i = 0; i < 4; i++) q.push('t', p(String(i)))
  const [a, b] = q.peek(2)
  t.same(q.peek(2, b!.seq).map((m) => m.payload.toString()), ['2', '3'])
  q.ack(b!.seq)
  q.ack(a!.seq)
  q.ack(999)
  t.same(q.peek(10).map((m) => m.payload.toString()), ['2', '3'])
  t.equal(q.byteSize, 2 * messageCost('t', p('2')))
})

t.test('snapshot/restore keeps order, sequence and drops; smaller bounds drop the oldest', async (t) => {
  const q = new OutboundQueue({ maxMessages: 10, maxBytes: 10_000 })
  for (let i = 0; i < 6; i++) q.push('t', p(String(i)))
  const snap = JSON.parse(JSON.stringify(q.snapshot())) as QueueSnapshot
  const r = new OutboundQueue({ maxMessages: 4, maxBytes: 10_000 })
  r.restore(snap)
  t.same(r.peek(10).map((m) => m.payload.toString()), ['2', '3', '4', '5'])
  t.equal(r.dropped, 2)
  r.push('t', p('6'))
  t.equal(r.peek(10).at(-1)!.seq, 7, 'sequence continues')
})

t.test('persister: one write per interval at most, only when changed', async (t) => {
  const clock = new FakeClock()
  const q = new OutboundQueue({ maxMessages: 100, maxBytes: 100_000 })
  let writes = 0
  const doc = { data: q.snapshot(), write: async () => void writes++ } as never
  const ps = new QueuePersister(q, doc, { clock, log: silentLogger, intervalMs: 1000 })
  for (let i = 0; i < 50; i++) {
    q.push('t', p(String(i)))
    ps.touch()
    clock.advance(10)
  }
  await new Promise((r) => setImmediate(r))
  t.equal(writes, 0, 'nothing written before the interval')
  clock.advance(600)
  await new Promise((r) => setImmediate(r))
  t.equal(writes, 1, '50 messages, one write')
  ps.touch()
  clock.advance(5000)
  await new Promise((r) => setImmediate(r))
  t.equal(writes, 1, 'no write without a change')
})

t.test('allow-list: only state/availability filters; covered filters merged; commands mapped strictly', async (t) => {
  t.same(parseUplinkTopics('hearth/+/state'), { ok: true, filters: ['hearth/+/state'] })
  t.same(parseUplinkTopics('hearth/d-a/state, hearth/+/state'), { ok: true, filters: ['hearth/+/state'] })
  for (const bad of ['#', 'hearth/#', 'hearth/+/set', 'homeassistant/#', '$SYS/#', '', 'hearth/+/state/#', 'hearth/a+/state'])
    t.equal(parseUplinkTopics(bad).ok, false, `${JSON.stringify(bad)} refused`)
  t.same(localCommandOf('x/y', 'x/y/hearth/d-a1/set'), { topic: 'hearth/d-a1/set', deviceId: 'd-a1' })
  for (const bad of ['x/y/hearth/d-a1/state', 'x/yy/hearth/d-a1/set', 'x/y/hearth/+/set', 'x/y/hearth/d-a1/set/more', 'x/y/$SYS/set'])
    t.equal(localCommandOf('x/y', bad), undefined, `${bad} is not a command`)
})
