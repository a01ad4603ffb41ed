import { BoundedMemo } from '../core/memo.js'

/**
 * `hearth/<id>/state` and `hearth/<id>/availability`, taken apart once per topic. The services
 * that listen on the internal bus (state cache, history) are each handed every device report;
 * they share this memo, so a topic is matched once, not once per listener and message, and each
 * gets the same id string (its hash already computed for their maps).
 */
export interface DeviceTopic {
  readonly id: string
  readonly leaf: 'state' | 'availability'
}

const PATTERN = /^hearth\/([a-z0-9-]{1,64})\/(state|availability)$/
/** Topics remembered (a device has two); forgotten all at once when full, so memory is bounded. */
const MAX_TOPICS = 8192
const memo = new BoundedMemo<string, DeviceTopic | null>(MAX_TOPICS)

/** The device id and leaf of a device topic, or null for any other topic. */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const d = memo.get(topic)
  if (d !== undefined) return d
  const m = PATTERN.exec(topic)
  return memo.set(topic, m ? Object.freeze({ id: m[1]!, leaf: m[2] as DeviceTopic['leaf'] }) : null)
}
