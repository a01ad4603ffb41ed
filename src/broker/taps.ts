import { BoundedMemo } from '../core/memo.js'
import { topicMatches } from '../policy/topics.js'

export type TapListener = (topic: string, payload: Buffer) => void

/** Topics whose listener list is remembered; forgotten all at once when full, so memory is bounded. */
const MAX_TOPICS = 4096

/**
 * The hub's in-process listeners (state cache, history, uplink, commands, discovery), by topic
 * filter. The broker hands every message it accepts to `deliver` as it enters the emitter: before
 * any network subscriber gets it and before it waits in the emitter's queue, so a slow subscriber
 * delays the hub's own services only as far as it delays the publisher's next message (aedes
 * handles one client's packets in order). Devices publish to the same few topics all day: which
 * listeners a topic has is worked out once and remembered.
 */
export class Taps {
  private readonly byFilter = new Map<string, TapListener[]>()
  private readonly byTopic = new BoundedMemo<string, readonly TapListener[]>(MAX_TOPICS)

  constructor(private readonly onError: (err: unknown, topic: string) => void) {}

  add(filter: string, listener: TapListener): void {
    const group = this.byFilter.get(filter)
    if (group) group.push(listener)
    else this.byFilter.set(filter, [listener])
    this.byTopic.clear()
  }

  /**
   * Calls each listener whose filter matches `topic`: by filter, in the order filters were first
   * added, then each filter's listeners in the order they were added. One that throws is reported, not fatal.
   */
  deliver(topic: string, payload: Buffer): void {
    const fns = this.byTopic.get(topic) ?? this.byTopic.set(topic, this.listenersOf(topic))
    for (let i = 0; i < fns.length; i++) {
      try {
        fns[i]!(topic, payload)
      } catch (err) {
        this.onError(err, topic)
      }
    }
  }

  private listenersOf(topic: string): readonly TapListener[] {
    const out: TapListener[] = []
    for (const [filter, group] of this.byFilter) if (topicMatches(filter, topic)) out.push(...group)
    return out
  }
}
