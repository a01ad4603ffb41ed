import mqemitterModule from 'mqemitter'

interface MQEmitterLike {
  current: number
  length: number
  closed: boolean
  emit(message: { topic: string; payload: unknown }, cb?: unknown): unknown
  _do(message: unknown, cb: unknown): unknown
}

// An ESM import, not createRequire: the bundle then holds one copy, the one aedes uses too
// (a require() would load a second from node_modules at run time; test/tools/bundle.test.ts).
const mqemitter = mqemitterModule as unknown as (opts: object) => MQEmitterLike

/** Deeper than this, the next queued message is delivered on the next turn of the event loop. */
const MAX_SYNC_DEPTH = 64

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
