import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import { ByteSlot } from '../devices/byte-slot.js'
import { parseDeviceTopic } from '../devices/device-topic.js'
import type { Bus } from '../devices/discovery.js'
import { removeDurable, writeFileDurable } from '../store/durable-fs.js'
import type { Sealer } from '../store/sealer.js'

export const HISTORY_DIR = 'history'
const HOUR = 3_600_000
const SEGMENT = /^h-(\d{1,15})\.seg$/
const MAX_DEVICES = 10_000

export interface HistorySettings {
  /** Points older than this many days are deleted (0: keep no history at all). */
  historyDays: number
  /** At most one point per device per this many seconds (the latest report in it wins). */
  historySampleSeconds: number
  /** Memory is written to disk at most this often (SD-card wear budget). */
  historyFlushSeconds: number
}

export interface HistoryPoint {
  at: number
  state: Record<string, unknown>
}

interface Series {
  t: number[]
  /**
   * The reports, as text. The newest may still be held as bytes in `tail` (its slot can be
   * overwritten many times before it closes): it becomes text when the next point starts, or
   * when it is read or written (`text`).
   */
  v: string[]
  /** The newest point's report as bytes, while `pending`. */
  tail: ByteSlot | undefined
  pending: boolean
  /** Wall time at which the newest point's sample slot or hour ends (0: not computed yet). */
  until: number
}

/**
 * Per-device state history (docs/privacy.md "State history"). Reports arrive on the internal bus;
 * the series live in memory and are written to disk on a budget: one sealed file per wall-clock
 * hour (`history/h-<hourStartMs>.seg`), rewritten only while its hour is still filling, so an SD
 * card sees about one small write per flush interval, never one per report. Retention is
 * enforced in memory and on disk at start and every hour (whole hour files; granularity one hour).
 * Timestamps are wall-clock (the history is a record for people); see docs/privacy.md for a board
 * with no RTC.
 */
export class StateHistory {
  private readonly series = new Map<string, Series>()
  private readonly dirty = new Set<number>()
  private readonly dir: string
  private flushTimer: TimerHandle | undefined
  private pruneTimer: TimerHandle | undefined
  private writing: Promise<void> = Promise.resolve()
  private closed = false
  /** The hour last added to `dirty` since it was last emptied (saves a Set insert per report). */
  private dirtyHour = Number.NaN

  private constructor(
    private readonly deps: { dataDir: string; sealer: Sealer; clock: Clock; log: Logger; settings: HistorySettings },
  ) {
    this.dir = path.join(deps.dataDir, HISTORY_DIR)
  }

  /** Loads what is on disk (dropping what retention no longer allows) and starts recording. */
  static async open(deps: StateHistory['deps'] & { bus: Bus }): Promise<StateHistory> {
    const h = new StateHistory(deps)
    await fsp.mkdir(h.dir, { mode: 0o700, recursive: true })
    await h.load()
    await h.prune()
    deps.bus.subscribe('hearth/+/state', (topic, payload) => h.take(topic, payload))
    h.schedulePrune()
    return h
  }

  get retentionMs(): number {
    return this.deps.settings.historyDays * 86_400_000
  }

  /** A device's points since `sinceMs` (wall clock), oldest first. */
  get(id: string, sinceMs = 0): HistoryPoint[] {
    const s = this.series.get(id)
    if (!s) return []
    const out: HistoryPoint[] = []
    for (let i = lowerBound(s.t, sinceMs); i < s.t.length; i++) out.push({ at: s.t[i]!, state: JSON.parse(text(s, i)) as Record<string, unknown> })
    return out
  }

  /** Numbers for the wipe receipt and the privacy page. */
  stats(): { devices: number; points: number } {
    let points = 0
    for (const s of this.series.values()) points += s.t.length
    return { devices: this.series.size, points }
  }

  /** Every device with history (for the export). */
  devices(): string[] {
    return [...this.series.keys()]
  }

  /** Deletes one device's history, in memory and on disk, before resolving. */
  async forget(id: string): Promise<void> {
    const s = this.series.get(id)
    if (!s) return
    for (const t of s.t) this.dirty.add(hourOf(t))
    this.series.delete(id)
    await this.flush()
  }

  /** Writes every changed hour now (also on stop). */
  flush(): Promise<void> {
    if (this.flushTimer) this.deps.clock.clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.writing = this.writing.then(() => this.writeDirty())
    return this.writing
  }

  /** Drops everything in memory without writing (a factory wipe deletes the files). */
  discard(): void {
    this.closed = true
    this.series.clear()
    this.dirty.clear()
    this.dirtyHour = Number.NaN
    this.stopTimers()
  }

  async close(): Promise<void> {
    this.stopTimers()
    if (!this.closed) await this.flush()
    this.closed = true
  }

  private take(topic: string, payload: Buffer): void {
    if (this.closed || this.deps.settings.historyDays === 0 || payload.length === 0) return
    const d = parseDeviceTopic(topic)
    if (!d || d.leaf !== 'state') return
    let s = this.series.get(d.id)
    if (!s) {
      if (this.series.size >= MAX_DEVICES) return
      this.series.set(d.id, (s = { t: [], v: [], until: 0, tail: undefined, pending: false }))
    }
    // The bus carries only payloads the broker validated; kept as received, parsed when read.
    const last = s.t.length - 1
    // A clock that stepped back must not unsort the series.
    const now = Math.max(this.deps.clock.wallMs(), last >= 0 ? s.t[last]! : 0)
    const slot = this.deps.settings.historySampleSeconds * 1000
    if (last >= 0 && s.until === 0) s.until = slotEnd(s.t[last]!, slot)
    // Fixed slots of historySampleSeconds, never across an hour: the latest report in a slot
    // replaces the earlier one.
    if (last >= 0 && now < s.until) s.t[last] = now
    else {
      if (last >= 0) text(s, last)
      s.t.push(now)
      s.v.push('')
      s.until = slotEnd(now, slot)
      const max = Math.ceil(this.retentionMs / slot) + 2
      if (s.t.length > max) (s.t.splice(0, s.t.length - max), s.v.splice(0, s.v.length - max))
    }
    ;(s.tail ??= new ByteSlot()).set(payload)
    s.pending = true
    const hour = hourOf(now)
    if (hour !== this.dirtyHour) (this.dirty.add(hour), (this.dirtyHour = hour))
    this.flushTimer ??= this.deps.clock.setTimeout(() => void this.flush().catch(() => {}), this.deps.settings.historyFlushSeconds * 1000)
  }

  private async writeDirty(): Promise<void> {
    if (this.closed) return
    const hours = [...this.dirty].sort((a, b) => a - b)
    this.dirty.clear()
    this.dirtyHour = Number.NaN
    for (const hour of hours) {
      const file = path.join(this.dir, `h-${hour}.seg`)
      const devices: Record<string, Array<[number, string]>> = {}
      for (const [id, s] of this.series) {
        const from = lowerBound(s.t, hour)
        const to = lowerBound(s.t, hour + HOUR)
        if (to > from) devices[id] = s.t.slice(from, to).map((t, i) => [t, text(s, from + i)])
      }
      try {
        if (Object.keys(devices).length === 0) await removeDurable(file)
        else await writeFileDurable(file, this.deps.sealer.seal(JSON.stringify({ hour, devices })))
      } catch (err) {
        this.dirty.add(hour)
        this.deps.log.error({ err, hour }, 'could not write state history; will retry')
      }
    }
  }

  private async load(): Promise<void> {
    const cutoff = this.deps.clock.wallMs() - this.retentionMs
    for (const name of (await fsp.readdir(this.dir)).sort()) {
      const m = SEGMENT.exec(name)
      const file = path.join(this.dir, name)
      if (!m) {
        // Leftovers of a crashed write, or anything else: history holds only segments.
        await fsp.rm(file, { force: true, recursive: true })
        continue
      }
      const hour = Number(m[1])
      if (hour + HOUR <= cutoff) {
        await removeDurable(file)
        continue
      }
      try {
        const seg = JSON.parse(this.deps.sealer.openText((await fsp.readFile(file, 'utf8')).trim())) as { devices: Record<string, Array<[number, string]>> }
        for (const [id, pts] of Object.entries(seg.devices)) {
          let s = this.series.get(id)
          if (!s) this.series.set(id, (s = { t: [], v: [], until: 0, tail: undefined, pending: false }))
          for (const [t, v] of pts) (s.t.push(t), s.v.push(v))
        }
      } catch {
        this.deps.log.warn({ file }, 'state history file damaged; dropped')
        await removeDurable(file)
      }
    }
    for (const s of this.series.values()) {
      const order = s.t.map((_, i) => i).sort((a, b) => s.t[a]! - s.t[b]!)
      s.t = order.map((i) => s.t[i]!)
      s.v = order.map((i) => s.v[i]!)
    }
  }

  /** Retention: drops points and hour files older than `historyDays`. */
  async prune(): Promise<void> {
    const cutoff = this.deps.clock.wallMs() - this.retentionMs
    for (const [id, s] of this.series) {
      const n = lowerBound(s.t, cutoff)
      if (n > 0) (s.t.splice(0, n), s.v.splice(0, n))
      if (s.t.length === 0) this.series.delete(id)
    }
    for (const name of await fsp.readdir(this.dir).catch(() => [] as string[])) {
      const m = SEGMENT.exec(name)
      if (m && Number(m[1]) + HOUR <= cutoff) await removeDurable(path.join(this.dir, name))
    }
  }

  private schedulePrune(): void {
    this.pruneTimer = this.deps.clock.setTimeout(() => {
      void this.prune()
        .catch((err: unknown) => this.deps.log.error({ err }, 'history retention failed; will retry'))
        .finally(() => !this.closed && this.schedulePrune())
    }, HOUR)
    this.pruneTimer.unref?.()
  }

  private stopTimers(): void {
    if (this.flushTimer) this.deps.clock.clearTimeout(this.flushTimer)
    if (this.pruneTimer) this.deps.clock.clearTimeout(this.pruneTimer)
    this.flushTimer = this.pruneTimer = undefined
  }
}

const hourOf = (t: number) => t - (((t % HOUR) + HOUR) % HOUR)

/** When the sample slot (of `slotMs`) holding `t` ends, or its hour if that comes first. */
const slotEnd = (t: number, slotMs: number) => Math.min(Math.floor(t / slotMs) * slotMs + slotMs, hourOf(t) + HOUR)

/** Point i's report as text (the newest, while still held as bytes, is decoded once, here). */
function text(s: Series, i: number): string {
  if (s.pending && i === s.t.length - 1) {
    s.v[i] = s.tail!.text()
    s.pending = false
  }
  return s.v[i]!
}

/** First index whose value is ≥ x (the array is sorted). */
function lowerBound(a: number[], x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
