import t from 'tap'
import { ByteSlot } from '../../src/devices/byte-slot.js'
import { parseDeviceTopic } from '../../src/devices/device-topic.js'

t.test('a byte slot keeps a copy of the latest payload, not the payload', async (t) => {
  const s = new ByteSlot()
  const p = Buffer.from('{"temperature":21.5}')
  s.set(p)
  p.fill(0x20) // the sender's buffer is reused: the slot must not change
  t.equal(s.text(), '{"temperature":21.5}')
  s.set(Buffer.from('{"a":1}'))
  t.equal(s.text(), '{"a":1}', 'shorter content: no leftovers of the longer one')
  s.set(Buffer.from('x'.repeat(5000)))
  t.equal(s.text().length, 5000, 'grows to fit')
  s.set(Buffer.from('é'))
  t.equal(s.text(), 'é', 'UTF-8; shrinks after a large payload')
  s.set(Buffer.alloc(0))
  t.equal(s.text(), '')
})

t.test('device topics', async (t) => {
  const rows: Array<[string, object | null]> = [
    ['hearth/d-1/state', { id: 'd-1', leaf: 'state' }],
    ['hearth/d-1/availability', { id: 'd-1', leaf: 'availability' }],
    ['hearth/d-1/set', null],
    ['hearth/D-1/state', null],
    [`hearth/${'a'.repeat(65)}/state`, null],
    [`hearth/${'a'.repeat(64)}/state`, { id: 'a'.repeat(64), leaf: 'state' }],
    ['hearth//state', null],
    ['hearth/d-1/state/', null],
  ]
  for (const [topic, want] of rows) {
    t.same(parseDeviceTopic(topic), want, topic)
    t.same(parseDeviceTopic(topic), want, `${topic} (memoised)`)
  }
  t.equal(parseDeviceTopic('hearth/d-2/state'), parseDeviceTopic(Buffer.from('hearth/d-2/state').toString()), 'one object per topic text')
})
