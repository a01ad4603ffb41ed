import t from 'tap'
import { encodeFrame, FrameType, MAX_PAYLOAD, type ZnpFrame } from '../../../src/drivers/znp/frame.js'
import { ZnpParser } from '../../../src/drivers/znp/parser.js'

const frame = (cmd: number, payload: number[]) => encodeFrame({ type: FrameType.AREQ, subsystem: 4, cmd, payload: Buffer.from(payload) })
const collect = () => {
  const got: ZnpFrame[] = []
  return { got, p: new ZnpParser((f) => got.push(f)) }
}

t.test('a frame, byte by byte and in one chunk', async (t) => {
  const bytes = frame(0x81, [1, 2, 3])
  t.same([...bytes], [0xfe, 3, 0x44, 0x81, 1, 2, 3, 3 ^ 0x44 ^ 0x81 ^ 1 ^ 2 ^ 3])
  const a = collect()
  for (const b of bytes) a.p.push(Buffer.from([b]))
  const b = collect()
  b.p.push(Buffer.concat([bytes, bytes]))
  t.equal(a.got.length, 1)
  t.equal(b.got.length, 2)
  t.same(a.got[0], { type: FrameType.AREQ, subsystem: 4, cmd: 0x81, payload: Buffer.from([1, 2, 3]) })
})

t.test('garbage before SOF is skipped and counted once per run', async (t) => {
  const { got, p } = collect()
  p.push(Buffer.concat([Buffer.from([0xef, 1, 2, 3]), frame(1, []), Buffer.from([9, 9]), frame(2, [])]))
  t.equal(got.length, 2)
  t.equal(p.stats.dropped.garbage, 2)
  t.equal(p.stats.skippedBytes, 6)
})

t.test('a bad FCS drops the frame; a frame hidden inside it is still found', async (t) => {
  const { got, p } = collect()
  const bad = frame(1, [0xfe, 0, 0x44, 0x80, 0x44 ^ 0x80])
  bad[bad.length - 1] ^= 0xff
  p.push(bad)
  t.equal(p.stats.dropped['bad-fcs'], 1)
  t.equal(got.length, 1, 'the inner frame (FE 00 44 80 C4) survives the resync')
  t.equal(got[0]!.cmd, 0x80)
})

t.test('a LEN above 250 is refused at once', async (t) => {
  const { got, p } = collect()
  p.push(Buffer.from([0xfe, 251]))
  p.push(frame(3, [7]))
  t.equal(p.stats.dropped['bad-length'], 1)
  t.equal(got.length, 1)
  t.ok(p.buffered === 0)
})

t.test('a truncated frame followed by a good one: the good one survives', async (t) => {
  const { got, p } = collect()
  const cut = frame(1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).subarray(0, 6)
  p.push(Buffer.concat([cut, frame(2, [1]), frame(3, [2])]))
  t.ok(got.some((f) => f.cmd === 3), 'the last frame is found')
  t.ok(p.stats.dropped['bad-fcs'] + p.stats.dropped['bad-length'] >= 1, 'the damaged one counted')
})

t.test('a stalled partial frame is dropped as truncated', async (t) => {
  const { p } = collect()
  p.push(frame(1, [1, 2, 3]).subarray(0, 4))
  t.equal(p.buffered, 4)
  p.dropPartial()
  t.equal(p.buffered, 0)
  t.equal(p.stats.dropped.truncated, 1)
})

t.test('buffered bytes never exceed one maximum frame', async (t) => {
  const { got, p } = collect()
  const big = encodeFrame({ type: FrameType.AREQ, subsystem: 4, cmd: 0x81, payload: Buffer.alloc(MAX_PAYLOAD, 0x11) })
  for (let i = 0; i < big.length - 1; i++) {
    p.push(big.subarray(i, i + 1))
    t.ok(p.buffered <= MAX_PAYLOAD + 5)
  }
  p.push(big.subarray(big.length - 1))
  t.equal(got.length, 1)
  t.throws(() => encodeFrame({ type: 1, subsystem: 1, cmd: 1, payload: Buffer.alloc(251) }), RangeError, 'the writer refuses oversize payloads')
})
