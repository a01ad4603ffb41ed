import type { Clock } from '../core/clock.js'
import { HubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import {
  destroyDataKey,
  emptyCounts,
  eraseDataDir,
  readMarker,
  readReceipt,
  REGENERATED,
  removeMarker,
  writeMarker,
  writeReceipt,
  type StepHook,
  type WipeCounts,
  type WipeMarker,
  type WipeReceipt,
} from './wipe-files.js'

/**
 * A part that holds personal data or network state outside the data dir's documents (the Zigbee
 * coordinator, an uplink bridge). The composition root registers it with the wipe service.
 * - `wipe()` runs during the start after a wipe was committed: after the data dir was erased and
 *   a fresh identity made, before anything is served. It must be idempotent (a crash may run it
 *   again) and must not need the erased files: e.g. the Zigbee coordinator broadcasts a leave
 *   and resets its network (the next pairing forms a new one with the new key and PAN id).
 * - `forgetDevice(id)` runs when one device is deleted (make it leave, drop its records).
 */
export interface WipeParticipant {
  name: string
  wipe(): Promise<void>
  forgetDevice?(deviceId: string): Promise<void>
}

/** How a wipe is asked for: the web route, the admin socket, the hub button (10-second hold). */
export type WipeTrigger = (source: WipeMarker['source']) => Promise<{ startedAt: string }>

export interface WipeDeps {
  dataDir: string
  clock: Clock
  log: Logger
  /** What is about to be erased, counted from the live services (numbers only). */
  counts: () => WipeCounts
  /** Stops this hub and starts it again on the same data dir (which finishes the wipe). */
  restart: () => void
  /** Test hook: runs between steps so a test can SIGKILL at every one. */
  stepHook?: StepHook
}

/**
 * The factory wipe (EN 303 645 5.11-1; GDPR art. 17). Asking commits it durably (marker) and
 * destroys the data key at once; the rest happens in a clean restart of the hub, through the
 * same code that finishes a wipe a power cut interrupted: erase the data dir → fresh identity →
 * participants → receipt → marker removed → only then serve.
 */
export class WipeService {
  private readonly participants: WipeParticipant[] = []
  private requested = false

  private constructor(
    private readonly deps: WipeDeps,
    /** The marker this start found (a wipe to finish before serving), if any. */
    private pending: WipeMarker | null,
  ) {}

  /**
   * Step one of every start, before the store is opened: if a wipe was committed, erase the
   * data dir now (the key first). Call with the data dir's lock held.
   */
  static async open(deps: WipeDeps): Promise<WipeService> {
    const marker = await readMarker(deps.dataDir)
    if (marker) {
      deps.log.warn({ startedAt: marker.startedAt }, 'factory wipe in progress: finishing it before anything is served')
      const { files, bytes } = await eraseDataDir(deps.dataDir, deps.stepHook)
      marker.files += files
      marker.bytes += bytes
      await writeMarker(deps.dataDir, marker)
      await deps.stepHook?.('erased')
    }
    return new WipeService(deps, marker)
  }

  /** True while this start is finishing a wipe (participants must reset, not resume). */
  get pendingWipe(): boolean {
    return this.pending !== null
  }

  register(p: WipeParticipant): void {
    this.participants.push(p)
  }

  /** Tells every participant one device is gone (after its account and data were removed). */
  async forgetDevice(id: string): Promise<void> {
    for (const p of this.participants) await p.forgetDevice?.(id)
  }

  /** The last wipe's receipt (no personal data, no hub id), if there was one. */
  receipt(): Promise<WipeReceipt | null> {
    return readReceipt(this.deps.dataDir)
  }

  /**
   * Finishes a pending wipe: participants, receipt, marker. The composition root calls it once
   * every part is built and before any listener opens.
   */
  async completePending(): Promise<void> {
    const m = this.pending
    if (!m) return
    const hook = this.deps.stepHook
    for (const p of this.participants) {
      if (m.participantsDone.includes(p.name)) continue
      await p.wipe()
      m.participantsDone.push(p.name)
      await writeMarker(this.deps.dataDir, m)
      await hook?.(`participant ${p.name}`)
    }
    await writeReceipt(this.deps.dataDir, {
      startedAt: m.startedAt,
      finishedAt: new Date(this.deps.clock.wallMs()).toISOString(),
      source: m.source,
      erased: { ...m.counts, dataKey: true, files: m.files, bytes: m.bytes },
      participants: m.participantsDone,
      regenerated: REGENERATED,
    })
    await hook?.('receipt written')
    await removeMarker(this.deps.dataDir)
    this.pending = null
    this.deps.log.warn({ files: m.files }, 'factory wipe complete: the hub is in first-run state')
  }

  /**
   * Commits a wipe: marker (durable), then the data key destroyed, then a clean restart that does
   * the rest. Resolves once the wipe can no longer be undone (by a crash or anything else).
   */
  readonly request: WipeTrigger = async (source) => {
    if (this.requested) throw new HubError('HUB_ERR_CONFLICT', 'a factory wipe is already under way')
    this.requested = true
    const startedAt = new Date(this.deps.clock.wallMs()).toISOString()
    let counts: WipeCounts
    try {
      counts = this.deps.counts()
    } catch {
      counts = emptyCounts()
    }
    await writeMarker(this.deps.dataDir, { format: 'hearth-wipe/1', startedAt, source, counts, files: 0, bytes: 0, participantsDone: [] })
    await this.deps.stepHook?.('marker written')
    // Crypto-erase first: from here every sealed byte on the card is noise.
    await destroyDataKey(this.deps.dataDir)
    await this.deps.stepHook?.('key destroyed (live)')
    this.deps.log.warn({ source }, 'factory wipe committed; restarting to finish it')
    this.deps.restart() // schedules the restart; it begins once this answer has left
    return { startedAt }
  }
}
