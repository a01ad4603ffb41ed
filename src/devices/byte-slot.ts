/**
 * A device's latest payload, copied into a buffer the slot owns and reuses. Services that keep
 * "the last report of each device" (state cache, history) are handed every report; keeping the
 * received Buffer itself would hold a fresh object (and the socket chunk it is a view of) per
 * report until the next one, long enough for the garbage collector to copy and promote it.
 * A copy into a long-lived buffer allocates nothing per report.
 */
export class ByteSlot {
  private buf: Buffer = Buffer.alloc(0)
  length = 0

  /** Replaces the content with a copy of `p`. The buffer grows to fit and shrinks after a large one. */
  set(p: Buffer): void {
    const n = p.length
    if (n > this.buf.length || (this.buf.length > 256 && n * 4 < this.buf.length)) this.buf = Buffer.alloc(Math.max(64, n))
    // TypedArray#set: a plain memory copy (Buffer#copy validates its arguments in JS first, twice the cost for 64 bytes).
    this.buf.set(p, 0)
    this.length = n
  }

  /** The content as UTF-8 text (the bus only carries payloads the broker validated). */
  text(): string {
    return this.buf.toString('utf8', 0, this.length)
  }
}
