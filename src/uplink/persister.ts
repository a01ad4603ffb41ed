import type { Clock, TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import type { Doc } from '../store/store.js'
import type { OutboundQueue, QueueSnapshot } from './queue.js'

/**
 * Saves the queue at most once per `intervalMs`, and only when it changed: an SD card sees one
 * coalesced write per interval under any message rate, never one per message. A power cut loses
 * at most one interval of queued messages; the flow itself never waits for a write.
 */
export class QueuePersister {
  private timer: TimerHandle | undefined
  private written: number
  private lastWriteAt: number | undefined
  private writing: Promise<void> | undefined
  writes = 0

  constructor(
    private readonly queue: OutboundQueue,
    private readonly doc: Doc<QueueSnapshot>,
    private readonly deps: { clock: Clock; log: Logger; intervalMs: number },
  ) {
    this.written = queue.changeCount
  }

  /** Something changed: make sure a write is scheduled within the budget. */
  touch(): void {
    if (this.timer || this.queue.changeCount === this.written) return
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, this.deps.intervalMs)
    this.timer.unref?.()
  }

  /** Writes now if anything changed (on stop, on disable). */
  async flush(): Promise<void> {
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
    await this.writing
    if (this.queue.changeCount === this.written) return
    const version = this.queue.changeCount
    this.doc.data = this.queue.snapshot()
    this.writing = this.doc.write().then(
      () => {
        this.written = version
        this.writes++
        this.lastWriteAt = this.deps.clock.monotonicMs()
      },
      (err: unknown) => this.deps.log.warn({ err }, 'uplink queue not saved; will retry next interval'),
    )
    await this.writing
    this.writing = undefined
    if (this.queue.changeCount !== this.written) this.touch()
  }

  persistedAgoMs(): number | null {
    return this.lastWriteAt === undefined ? null : Math.round(this.deps.clock.monotonicMs() - this.lastWriteAt)
  }

  close(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
  }
}
