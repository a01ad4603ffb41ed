'use strict'
// What the bundle gets for `require('debug')` (tools/bundle.mjs): with DEBUG unset when the hub
// starts, each logger is an empty function. The real `debug` costs mqtt-packet's parser and
// writer about 0.4 µs per MQTT message even when every namespace is off: its logger takes rest
// arguments (an array allocated per call) and reads a getter, on each of about 30 calls per
// delivered message (23 to parse a QoS 0 PUBLISH, 7 to write it). Only mqtt-packet uses it in
// the bundle, and only as a logger; a package that needs debug's `enable()` or `formatters`
// would need them added here.
// With DEBUG set, the real package, with its namespaces, colours and output, as before.

/** Loaded only when DEBUG is set; a subpath, so the bundler's `debug` redirect does not catch it. */
let real
const realDebug = () => (real ??= require('debug/src/node.js'))

const noop = () => {}

function createDebug(namespace) {
  if (process.env.DEBUG) return realDebug()(namespace)
  // No parameters: a call allocates nothing, and an optimised caller can drop it.
  const debug = function debugOff() {}
  debug.namespace = namespace
  debug.enabled = false
  debug.extend = (sub, delimiter = ':') => createDebug(namespace + delimiter + sub)
  debug.log = noop
  debug.destroy = noop
  return debug
}

module.exports = createDebug
