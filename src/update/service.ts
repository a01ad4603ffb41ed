import path from 'node:path'
import type { Clock, TimerHandle } from '../core/clock.js'
import { HubError, toHubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import { Backoff } from '../policy/backoff.js'
import { compareVersions, nextCheckDelayMs } from '../policy/update.js'
import type { Doc } from '../store/store.js'
import { DEFAULT_LIMITS, verifyBundle, type VerifiedBundle } from './bundle.js'
import { checkHealth, type HealthTargets } from './health.js'
import { installBundle } from './install.js'
import type { TrustedKey } from './manifest.js'
import type { UpdateDoc } from './settings.js'
import { readSlotState, runningSlot, switchCurrent, writeSlotState, type SlotState } from './slots.js'
import { fetchFromSource, peekManifest } from './source.js'

export interface UpdateConfig {
  source: string
  autoCheck: boolean
  slotsDir: string
  intervalHours: number
  healthDeadlineSeconds: number
  maxBundleMegabytes: number
}

export interface UpdateDeps {
  config: UpdateConfig
  dataDir: string
  appRoot: string
  installed: string
  trusted: readonly TrustedKey[]
  doc: Doc<UpdateDoc>
  clock: Clock
  random: () => number
  log: Logger
  /** Stop and start again from `current` (the launcher restarts on exit 99). */
  restart: (reason: string) => void
  /** Test-only: CAs for an HTTPS source. */
  sourceCa?: string
}

type Phase = 'idle' | 'checking' | 'downloading' | 'verifying' | 'installing' | 'switching' | 'restarting'
export interface Available {
  version: string
  notes: string
  created: string
  supportEnd: string
  signer: string
}

/**
 * Checks for, verifies and installs updates (EN 303 645 5.3), and confirms or rolls back a new
 * version at start. One operation at a time; everything long streams (see bundle.ts) so the
 * broker and the web keep serving. docs/updates.md has the whole story.
 */
export class UpdateService {
  private phase: Phase = 'idle'
  private progress = { done: 0, total: 0 }
  private available: (Available & { file: string }) | undefined
  private lastCheck: { at: string; ok: boolean; message: string } | undefined
  private lastError: { at: string; message: string } | undefined
  private nextCheckAt: number | undefined
  private timer: TimerHandle | undefined
  private readonly backoff: Backoff
  private slotState: SlotState = { format: 1 }
  private closed = false

  constructor(private readonly deps: UpdateDeps) {
    this.backoff = new Backoff({ baseMs: 60_000, capMs: 6 * 3600_000, mode: 'decorrelated', resetAfterMs: 0 }, deps.random)
  }

  private get slotsDir(): string | undefined {
    return this.deps.config.slotsDir || undefined
  }

  private get autoCheck(): boolean {
    return this.deps.doc.data.autoCheck ?? this.deps.config.autoCheck
  }

  status() {
    const slot = this.slotsDir ? runningSlot(this.slotsDir, this.deps.appRoot) : undefined
    return {
      installed: { version: this.deps.installed, ...(slot ? { slot } : {}) },
      phase: this.phase,
      progress: { ...this.progress },
      ...(this.available ? { available: { version: this.available.version, notes: this.available.notes, created: this.available.created, supportEnd: this.available.supportEnd, signer: this.available.signer } } : {}),
      check: {
        autoCheck: this.autoCheck,
        source: this.deps.config.source,
        ...(this.deps.doc.data.postponedUntil ? { postponedUntil: this.deps.doc.data.postponedUntil } : {}),
        ...(this.lastCheck ? { last: this.lastCheck } : {}),
        ...(this.nextCheckAt !== undefined ? { nextAt: new Date(this.nextCheckAt).toISOString() } : {}),
      },
      ...(this.slotState.last ? { lastInstall: this.slotState.last } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      canInstall: this.slotsDir !== undefined,
    }
  }

  /** At start: settle a trial of this version (health check → keep, or roll back), then schedule checks. */
  async start(health: HealthTargets): Promise<void> {
    if (this.slotsDir) {
      this.slotState = await readSlotState(this.slotsDir)
      const trial = this.slotState.trial
      const mine = runningSlot(this.slotsDir, this.deps.appRoot)
      if (trial && mine && trial.slot === mine) await this.settleTrial(health, trial)
    }
    this.schedule(10_000 + Math.round(this.deps.random() * 20_000))
  }

  private async settleTrial(health: HealthTargets, trial: NonNullable<SlotState['trial']>): Promise<void> {
    const r = await checkHealth(health, trial.deadlineSeconds * 1000)
    const at = new Date(this.deps.clock.wallMs()).toISOString()
    const base = { version: trial.version, fromVersion: trial.fromVersion, at }
    if (r.ok) {
      this.slotState = { format: 1, last: { ok: true, ...base } }
      await writeSlotState(this.slotsDir!, this.slotState)
      this.deps.log.info({ version: trial.version, checks: r.checks }, 'update confirmed: the new version passed its health check')
      return
    }
    this.slotState = { format: 1, last: { ok: false, ...base, reason: `health check failed: ${r.reason}` } }
    await switchCurrent(this.slotsDir!, trial.previous)
    await writeSlotState(this.slotsDir!, this.slotState)
    this.deps.log.error({ version: trial.version, reason: r.reason }, 'update rolled back: the new version failed its health check')
    this.deps.restart('rolled back after a failed health check')
  }

  private schedule(delayMs: number): void {
    if (this.closed) return
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
    this.nextCheckAt = this.deps.clock.wallMs() + delayMs
    this.timer = this.deps.clock.setTimeout(() => void this.scheduled(), delayMs)
    this.timer.unref?.()
  }

  private async scheduled(): Promise<void> {
    const postponed = this.deps.doc.data.postponedUntil
    const now = this.deps.clock.wallMs()
    if (!this.autoCheck || (postponed && Date.parse(postponed) > now) || this.phase !== 'idle')
      return this.schedule(nextCheckDelayMs(this.deps.config.intervalHours * 3600_000, this.deps.random()))
    try {
      await this.check()
      this.schedule(nextCheckDelayMs(this.deps.config.intervalHours * 3600_000, this.deps.random()))
    } catch {
      this.schedule(this.backoff.nextDelayMs(this.deps.clock.monotonicMs()))
    }
  }

  private busy(): void {
    if (this.phase !== 'idle') throw new HubError('HUB_ERR_CONFLICT', `an update operation is already running (${this.phase})`)
  }

  private verifyOpts(allowDowngrade: boolean) {
    return {
      trusted: this.deps.trusted,
      installed: this.deps.installed,
      allowDowngrade,
      limits: { ...DEFAULT_LIMITS, maxBundleBytes: this.deps.config.maxBundleMegabytes * 1024 * 1024 },
      onProgress: (done: number, total: number) => (this.progress = { done, total }),
    }
  }

  /** Looks at the source; a newer, validly signed bundle becomes `available` (nothing is installed). */
  async check(): Promise<ReturnType<UpdateService['status']>> {
    this.busy()
    this.phase = 'checking'
    const at = () => new Date(this.deps.clock.wallMs()).toISOString()
    try {
      this.phase = 'downloading'
      const got = await fetchFromSource(
        this.deps.config.source,
        {
          downloadDir: path.join(this.deps.dataDir, 'update'),
          trusted: this.deps.trusted,
          maxBytes: this.deps.config.maxBundleMegabytes * 1024 * 1024,
          ...(this.deps.sourceCa ? { ca: this.deps.sourceCa } : {}),
          onProgress: (done, total) => (this.progress = { done, total }),
        },
        this.deps.doc.data.etag,
      )
      const offered = got.kind === 'bundle' ? await peekManifest(got.file, this.deps.trusted) : undefined
      if (got.kind === 'bundle' && got.etag) {
        this.deps.doc.data.etag = got.etag
        await this.deps.doc.write()
      }
      if (got.kind === 'none') {
        this.lastCheck = { at: at(), ok: true, message: got.reason }
      } else if (offered && compareVersions(offered.version, this.deps.installed) <= 0) {
        // The source still offers what is installed (or older): up to date, not a failure.
        this.lastCheck = { at: at(), ok: true, message: `up to date (the source offers ${offered.version})` }
      } else {
        this.phase = 'verifying'
        const v = await verifyBundle(got.file, this.verifyOpts(false))
        this.offer(v)
        this.lastCheck = { at: at(), ok: true, message: `version ${v.manifest.version} is available` }
      }
      this.backoff.connected(this.deps.clock.monotonicMs()) // success: the next failure starts the backoff afresh
    } catch (err) {
      const e = toHubError(err)
      const message = e.code === 'HUB_ERR_INTERNAL' ? (err as Error).message : e.message
      this.lastCheck = { at: at(), ok: false, message }
      this.deps.log.warn({ code: e.code, reason: message }, 'update check failed')
      throw e
    } finally {
      this.phase = 'idle'
    }
    return this.status()
  }

  private offer(v: VerifiedBundle): void {
    const m = v.manifest
    if (this.available && compareVersions(this.available.version, m.version) >= 0) return
    this.available = { version: m.version, notes: m.notes, created: m.created, supportEnd: m.supportEnd, signer: v.signer, file: v.file }
    this.deps.log.info({ version: m.version }, 'update available')
  }

  /**
   * Verifies `file` (or the available bundle) again, installs it into the inactive slot, switches
   * and restarts. A downgrade needs `allowDowngrade` (an owner action) and still a valid signature.
   */
  async apply(opts: { file?: string; allowDowngrade?: boolean } = {}): Promise<{ version: string; slot: string; restarting: boolean }> {
    if (!this.slotsDir) throw new HubError('HUB_ERR_UPDATE_UNAVAILABLE', 'this hub does not run from update slots (update.slotsDir is empty): install the release another way')
    const file = opts.file ?? this.available?.file
    if (!file) throw new HubError('HUB_ERR_NOT_FOUND', 'no update is available: check first, or name a bundle')
    this.busy()
    try {
      this.phase = 'verifying'
      const vopts = this.verifyOpts(opts.allowDowngrade ?? false)
      const verified = await verifyBundle(file, vopts)
      const r = await installBundle(verified, {
        ...vopts,
        slotsDir: this.slotsDir,
        healthDeadlineSeconds: this.deps.config.healthDeadlineSeconds,
        wallMs: this.deps.clock.wallMs(),
        onPhase: (p) => (this.phase = p),
      })
      this.slotState = await readSlotState(this.slotsDir)
      const restarting = runningSlot(this.slotsDir, this.deps.appRoot) !== undefined
      this.deps.log.warn({ version: r.version, slot: r.slot, downgrade: verified.downgrade, restarting }, 'update installed; switching to it')
      this.phase = restarting ? 'restarting' : 'idle'
      if (restarting) this.deps.restart(`update to ${r.version} installed`)
      return { version: r.version, slot: r.slot, restarting }
    } catch (err) {
      this.phase = 'idle'
      throw err
    }
  }

  /**
   * For the web: starts a check or an install and returns at once (a download or an install can
   * outlast an HTTP request); the page follows `phase` and `progress`, and a failure lands in
   * `lastError`. Refusals known up front (busy, no slots, nothing available) still throw here.
   */
  begin(op: 'check' | 'apply', opts: { allowDowngrade?: boolean } = {}): void {
    this.busy()
    if (op === 'apply') {
      if (!this.slotsDir) throw new HubError('HUB_ERR_UPDATE_UNAVAILABLE', 'this hub does not run from update slots (update.slotsDir is empty): install the release another way')
      if (!this.available) throw new HubError('HUB_ERR_NOT_FOUND', 'no update is available: check first')
    }
    this.lastError = undefined
    const run = op === 'check' ? this.check() : this.apply(opts)
    run.catch((err: unknown) => {
      this.lastError = { at: new Date(this.deps.clock.wallMs()).toISOString(), message: toHubError(err).code === 'HUB_ERR_INTERNAL' ? 'internal error' : (err as Error).message }
    })
  }

  /** The owner's choices: automatic checks on or off; no automatic check for `days`. */
  async settings(p: { autoCheck?: boolean; postponeDays?: number }): Promise<ReturnType<UpdateService['status']>> {
    const doc = this.deps.doc.data
    if (p.autoCheck !== undefined) doc.autoCheck = p.autoCheck
    if (p.postponeDays !== undefined) {
      if (p.postponeDays === 0) delete doc.postponedUntil
      else doc.postponedUntil = new Date(this.deps.clock.wallMs() + p.postponeDays * 86400_000).toISOString()
    }
    await this.deps.doc.write()
    return this.status()
  }

  close(): void {
    this.closed = true
    if (this.timer) this.deps.clock.clearTimeout(this.timer)
  }
}
