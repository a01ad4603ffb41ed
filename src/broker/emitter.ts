import mqemitterModule from 'mqemitter'
import { BoundedMemo } from '../core/memo.js'

interface MQEmitterLike {
  current: number
  length: number
  closed: boolean
  emit(message: { topic: string; payload: unknown }, cb?: unknown): unknown
  _do(message: unknown, cb: unknown): unknown
  _matcher: Matcher
}

/** The part of mqemitter's Qlobber the emitter uses: every change to the subscriptions goes through add, remove or clear. */
interface Matcher {
  match(topic: string): unknown[]
  add(...args: unknown[]): unknown
  remove(...args: unknown[]): unknown
  clear(): unknown
}

// An ESM import, not createRequire: the bundle then holds one copy, the one aedes uses too
// (a require() would load a second from node_modules at run time; test/tools/bundle.test.ts).
const mqemitter = mqemitterModule as unknown as (opts: object) => MQEmitterLike

/** Deeper than this, the next queued message is delivered on the next turn of the event loop. */
const MAX_SYNC_DEPTH = 64
/** Topics whose matching subscribers are remembered (see `memoizeMatches`). */
const MATCH_MEMO_TOPICS = 4096

/**
 * mqemitter asks Qlobber for a topic's subscribers on every message: it splits the topic and
 * walks the trie each time (about 0.6 µs of a fan-in message, V8 CPU profile). Devices publish
 * to the same few topics all day, so the answer is remembered per topic until the subscriptions
 * change: any add, remove or clear forgets every answer. mqemitter only iterates the array it
 * gets, so one array can serve every message of a topic.
 */
function memoizeMatches(matcher: Matcher): void {
  const memo = new BoundedMemo<string, unknown[]>(MATCH_MEMO_TOPICS)
  const match = matcher.match.bind(matcher)
  matcher.match = (topic) => memo.get(topic) ?? memo.set(topic, match(topic))
  for (const change of ['add', 'remove', 'clear'] as const) {
    const original = matcher[change].bind(matcher) as (...args: unknown[]) => unknown
    matcher[change] = (...args: unknown[]) => {
      memo.clear()
      return original(...args)
    }
  }
}

/**
 * aedes' message emitter with its recursion cut. mqemitter drains its queue recursively
 * (`released` → `_do` → listeners → `released` …); when every subscriber has gone, listeners
 * complete synchronously and a queue of a few thousand messages overflows the stack
 * (`RangeError: Maximum call stack size exceeded`) — how bare aedes dies after a publish flood.
 * Past a small depth the next delivery is deferred with setImmediate. The deferred message
 * keeps its slot (`current`), so newer messages still queue behind it: order is preserved.
 *
 * `tap` sees every message as it enters the emitter (before any subscriber, queued or not):
 * the hub's in-process listeners (broker/taps.ts).
 */
export function createEmitter(concurrency: number, tap?: (topic: string, payload: Buffer) => void): MQEmitterLike {
  const mq = mqemitter({ concurrency, matchEmptyLevels: true }) // [MQTT-4.7.1-3]
  memoizeMatches(mq._matcher)
  if (tap) {
    const emit = mq.emit.bind(mq)
    mq.emit = (message, cb) => {
      if (!mq.closed) tap(message.topic, Buffer.isBuffer(message.payload) ? message.payload : Buffer.from(String(message.payload ?? '')))
      return emit(message, cb)
    }
  }
  const original = mq._do.bind(mq)
  let depth = 0
  mq._do = (message, cb) => {
    if (depth >= MAX_SYNC_DEPTH) {
      mq.current++
      setImmediate(() => {
        mq.current--
        mq._do(message, cb)
      })
      return mq
    }
    depth++
    try {
      return original(message, cb)
    } finally {
      depth--
    }
  }
  return mq
}
