import t from 'tap'
import { BoundedMemo } from '../../src/core/memo.js'

t.test('remembers up to max keys, then forgets everything at once', async (t) => {
  const memo = new BoundedMemo<string, number>(3)
  t.equal(memo.set('a', 1), 1, 'set returns the value')
  memo.set('b', 2)
  memo.set('c', 3)
  t.same([memo.get('a'), memo.get('b'), memo.get('c'), memo.size], [1, 2, 3, 3])
  memo.set('b', 20)
  t.same([memo.get('a'), memo.get('b'), memo.size], [undefined, 20, 1], 'full: cleared before the new key goes in')
  for (let i = 0; i < 1000; i++) memo.set(`k${i}`, i)
  t.ok(memo.size <= 3, `size ${memo.size} never above max`)
  t.equal(memo.get('k999'), 999, 'the newest is always there')
  memo.clear()
  t.equal(memo.size, 0)
  t.equal(memo.get('k999'), undefined)
})

t.test('a remembered null or false is an answer, not a miss', async (t) => {
  const memo = new BoundedMemo<string, null | false>(2)
  memo.set('n', null)
  memo.set('f', false)
  t.equal(memo.get('n'), null)
  t.equal(memo.get('f'), false)
  t.equal(memo.get('x'), undefined)
})

t.test('a string key longer than the limit is answered but not remembered (bounded memory under 64 KiB topics)', async (t) => {
  const memo = new BoundedMemo<string, number>(10, 8)
  t.equal(memo.set('12345678', 1), 1)
  t.equal(memo.set('123456789', 2), 2, 'the value is still returned')
  t.equal(memo.get('12345678'), 1)
  t.equal(memo.get('123456789'), undefined, 'not kept')
  t.equal(memo.size, 1)
  const dflt = new BoundedMemo<string, number>(10)
  dflt.set('x'.repeat(65535), 1)
  t.equal(dflt.size, 0, 'by default, nothing longer than MEMO_MAX_KEY_LENGTH')
})
