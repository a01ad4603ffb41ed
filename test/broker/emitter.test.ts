import t from 'tap'
import { Qlobber } from 'qlobber'
import { createEmitter } from '../../src/broker/emitter.js'

type Emitter = ReturnType<typeof createEmitter> & {
  on(topic: string, fn: (msg: unknown, done: () => void) => void, done?: () => void): unknown
  removeListener(topic: string, fn: (msg: unknown, done: () => void) => void, done?: () => void): unknown
  removeAllListeners(topic: string, done?: () => void): unknown
}

/** An emitter whose listeners record which of them got each message; `emit` resolves when every listener is done. */
function rig() {
  const mq = createEmitter(100) as Emitter
  const got: string[] = []
  const listener = (name: string) => (msg: unknown, done: () => void) => {
    got.push(`${name} ${(msg as { topic: string }).topic}`)
    done()
  }
  const emit = (topic: string) => new Promise<void>((resolve) => mq.emit({ topic, payload: Buffer.from('x') }, resolve))
  const take = () => got.splice(0).sort()
  return { mq, listener, emit, take }
}

t.test('remembered matches follow every subscription change (on, removeListener, removeAllListeners)', async (t) => {
  const { mq, listener, emit, take } = rig()
  const plus = listener('plus')
  const exact = listener('exact')
  mq.on('hearth/+/state', plus)
  await emit('hearth/a/state')
  await emit('hearth/a/state')
  t.same(take(), ['plus hearth/a/state', 'plus hearth/a/state'])
  mq.on('hearth/a/state', exact)
  await emit('hearth/a/state')
  t.same(take(), ['exact hearth/a/state', 'plus hearth/a/state'], 'a new subscriber gets the next message')
  await new Promise<void>((resolve) => mq.removeListener('hearth/+/state', plus, resolve))
  await emit('hearth/a/state')
  t.same(take(), ['exact hearth/a/state'], 'a removed subscriber gets nothing more')
  await new Promise<void>((resolve) => mq.removeAllListeners('hearth/a/state', resolve))
  await emit('hearth/a/state')
  t.same(take(), [], 'nor do any removed all at once')
  mq.on('hearth/#', listener('all'))
  await emit('hearth/a/state')
  t.same(take(), ['all hearth/a/state'], 'and a subscriber added after a removal gets it')
})

/** Counts the emitter's trips to Qlobber (the lookups the memo saves) while the test runs. */
function countLookups(t: Tap.Test): { readonly n: number } {
  const counter = { n: 0 }
  const match = Qlobber.prototype.match
  Qlobber.prototype.match = function (this: Qlobber, ...args: Parameters<typeof match>) {
    counter.n++
    return match.apply(this, args)
  }
  t.teardown(() => void (Qlobber.prototype.match = match))
  return counter
}

t.test("a topic's subscribers are looked up once, not once per message", async (t) => {
  const counter = countLookups(t)
  const { mq, listener, emit, take } = rig()
  mq.on('hearth/+/state', listener('plus'))
  for (let i = 0; i < 100; i++) await emit('hearth/a/state')
  await emit('hearth/b/state')
  t.equal(take().length, 101)
  t.equal(counter.n, 2, 'one lookup per topic')
  mq.on('hearth/b/state', listener('b'))
  await emit('hearth/b/state')
  t.equal(counter.n, 3, 'looked up again after a change')
})

t.test('what is remembered stays bounded: 4,096 topics at most, none longer than 256 characters', async (t) => {
  const counter = countLookups(t)
  const { mq, listener, emit, take } = rig()
  mq.on('spray/#', listener('all'))
  for (let i = 0; i < 4097; i++) await emit(`spray/${i}`)
  t.equal(take().length, 4097)
  const before = counter.n
  await emit('spray/0')
  t.equal(counter.n, before + 1, 'the first topic was forgotten when the memo filled')
  const long = `spray/${'x'.repeat(300)}`
  await emit(long)
  await emit(long)
  t.equal(counter.n, before + 3, 'a long topic is looked up every time, never kept')
  t.equal(take().length, 3, 'and still delivered')
})
