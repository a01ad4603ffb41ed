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
