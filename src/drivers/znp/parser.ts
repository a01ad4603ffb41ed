import { FRAME_OVERHEAD, MAX_PAYLOAD, SOF, fcs, type FrameType, type ZnpFrame } from './frame.js'

/** Why bytes were dropped: each reason has its own counter. */
export type DropReason = 'garbage' | 'bad-length' | 'bad-fcs' | 'truncated'

export interface ParserStats {
  frames: number
  /** Bad frames (or runs of non-frame bytes) dropped, by reason. */
  dropped: Record<DropReason, number>
  /** Bytes skipped in total (garbage and resync). */
  skippedBytes: number
}

/**
 * Incremental MT frame parser. The serial line is a trust boundary: bytes before a SOF are
 * skipped; a LEN above 250 or a wrong FCS drops that SOF and resyncs at the next one (so a frame
 * hidden inside a damaged one is still found); a partial frame is capped at one maximum frame
 * (255 bytes), so buffered bytes never grow however the peer misbehaves. Every drop is counted
 * by reason; nothing is thrown. A partial frame that never completes is dropped with
 * {@link dropPartial} (the driver calls it after an inter-byte timeout) and counted `truncated`.
 */
export class ZnpParser {
  /** Fixed buffer: one maximum frame. Nothing beyond it is ever held. */
  private readonly buf = Buffer.alloc(MAX_PAYLOAD + FRAME_OVERHEAD)
  private len = 0
  private inGarbage = false
  readonly stats: ParserStats = { frames: 0, dropped: { garbage: 0, 'bad-length': 0, 'bad-fcs': 0, truncated: 0 }, skippedBytes: 0 }

  constructor(private readonly onFrame: (f: ZnpFrame) => void) {}

  /** Bytes currently held (a partial frame); at most 255. */
  get buffered(): number {
    return this.len
  }

  push(chunk: Uint8Array): void {
    let i = 0
    while (i < chunk.length) {
      if (this.len === 0) {
        // Hunting for SOF: skip garbage in one step.
        const at = chunk.indexOf(SOF, i)
        const end = at < 0 ? chunk.length : at
        if (end > i) this.skip(end - i)
        if (at < 0) return
        this.inGarbage = false
        this.buf[0] = SOF
        this.len = 1
        i = at + 1
        continue
      }
      const need = this.len < 2 ? 2 : this.buf[1]! + FRAME_OVERHEAD
      const take = Math.min(need - this.len, chunk.length - i)
      this.buf.set(chunk.subarray(i, i + take), this.len)
      this.len += take
      i += take
      if (this.len === 2 && this.buf[1]! > MAX_PAYLOAD) {
        this.resync('bad-length')
        continue
      }
      if (this.len >= 2 && this.len === this.buf[1]! + FRAME_OVERHEAD) this.complete()
    }
  }

  /**
   * The line went quiet with a partial frame held: it will never complete, so it is dropped
   * (counted once, `truncated`); the bytes after its SOF are re-parsed for frames, and whatever
   * partial frame they leave is just as stale and goes too.
   */
  dropPartial(): void {
    if (this.len > 0) this.stats.dropped.truncated++
    while (this.len > 0) this.resync(undefined)
    // What arrives after the quiet spell is a new run of bytes.
    this.inGarbage = false
  }

  private complete(): void {
    const n = this.buf[1]!
    const end = n + 4
    if (fcs(this.buf, 1, end) !== this.buf[end]) {
      this.resync('bad-fcs')
      return
    }
    const cmd0 = this.buf[2]!
    const frame: ZnpFrame = {
      type: (cmd0 >> 5) as FrameType,
      subsystem: cmd0 & 0x1f,
      cmd: this.buf[3]!,
      payload: Buffer.from(this.buf.subarray(4, end)),
    }
    this.len = 0
    this.stats.frames++
    this.onFrame(frame)
  }

  /**
   * Drops the leading SOF of a bad or stalled frame and re-parses the bytes after it, so a real
   * frame that started inside the bad one is not lost. Re-entry is bounded: each call shrinks
   * the held bytes by at least one.
   */
  private resync(reason: DropReason | undefined): void {
    if (reason) this.stats.dropped[reason]++
    const rest = Buffer.from(this.buf.subarray(1, this.len))
    this.len = 0
    this.stats.skippedBytes++
    this.inGarbage = true
    this.push(rest)
  }

  private skip(n: number): void {
    this.stats.skippedBytes += n
    // A run of non-frame bytes counts once as garbage (a resync's leftovers are not new garbage).
    if (!this.inGarbage) this.stats.dropped.garbage++
    this.inGarbage = true
  }
}
