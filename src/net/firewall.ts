import { systemClock, type Clock, type TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import { compileRuleset } from '../policy/firewall/compile.js'
import { policyRows, renderBatch, type PolicyRow } from '../policy/firewall/render.js'
import type { Ruleset } from '../policy/firewall/ruleset.js'
import type { FirewallState } from '../policy/firewall/state.js'
import { applyRuleset, rulesetDigest, type ApplyOutcome } from './apply.js'
import type { NftRunner } from './nft.js'

/** Puts a compiled ruleset in force: nft in this process, or the privileged helper unit. */
export type FirewallBackend = (ruleset: Ruleset, state: FirewallState) => Promise<ApplyOutcome>

/** The backend that runs nft itself (root, or CAP_NET_ADMIN, or inside a test's namespace). */
export function nftBackend(run: NftRunner): FirewallBackend {
  return (ruleset) => applyRuleset(run, ruleset)
}

/** What `hearth policy show` and the web security page display. */
export interface FirewallStatus {
  /** True when the kernel holds exactly the intended ruleset (read back and verified). */
  applied: boolean
  /** Why not, when `applied` is false. */
  reason?: string
  mode?: Ruleset['mode']
  /** SHA-256 of the intended nft batch. */
  digest?: string
  /** Wall-clock ms of the last successful apply (display only). */
  appliedAt?: number
  /** A newer state is waiting for the debounce. */
  pending: boolean
  /** The intended policy, one row per rule with its reason. */
  rules: PolicyRow[]
  /** The nft text of the intended table. */
  nft?: string
}

/** Raised when the firewall is required (the image) and could not be put in force. */
export interface FirewallAlert {
  code: 'HUB_ERR_FIREWALL_APPLY'
  reason: string
}

export interface FirewallDeps {
  backend: FirewallBackend
  log: Logger
  clock?: Clock
  /** The image sets this: a failure is an alert, not a note in the log. */
  required?: boolean
  /** Changes closer together than this are applied once (pairing ten devices → one nft run). */
  debounceMs?: number
  onAlert?: (alert: FirewallAlert) => void
}

/**
 * Keeps the kernel's `inet hearth` table in step with the hub's state. `apply(state)` compiles
 * at once (a bad state throws `HUB_ERR_FIREWALL_STATE` to the caller) and schedules the change;
 * an unchanged ruleset is not re-applied. Stopping the hub leaves the table in place: a hub that
 * is down exposes nothing, and the next start replaces it atomically.
 */
export class Firewall {
  private readonly clock: Clock
  private intended?: { ruleset: Ruleset; state: FirewallState; batch: string; digest: string }
  private current: { applied: boolean; digest?: string; reason?: string; appliedAt?: number } = { applied: false, reason: 'not applied yet' }
  private timer?: TimerHandle
  private running?: Promise<void>
  private rerun = false
  private lastNotice?: string
  private closed = false

  constructor(private readonly deps: FirewallDeps) {
    this.clock = deps.clock ?? systemClock
  }

  /** Compiles `state` and schedules it (debounced). Throws only for an invalid state. */
  apply(state: FirewallState): void {
    const ruleset = compileRuleset(state)
    const batch = renderBatch(ruleset)
    const digest = rulesetDigest(batch)
    // Same ruleset: nothing to do if it is in force or on its way; after a failure, try again
    // (a periodic re-gather is how a hub whose helper missed a change catches up).
    if (this.intended?.digest === digest && ((this.current.applied && this.current.digest === digest) || this.timer || this.running)) return
    if (this.intended?.digest !== digest) this.intended = { ruleset, state: structuredClone(state), batch, digest }
    // A change already waiting takes this one along: the newest state is read when the timer
    // fires, and a stream of changes cannot postpone the firewall indefinitely.
    if (this.closed || this.timer) return
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      void this.run()
    }, this.deps.debounceMs ?? 500)
    this.timer.unref?.()
  }

  /** Applies what is pending now (no debounce) and resolves with the status once in force. */
  async flush(): Promise<FirewallStatus> {
    if (this.timer) {
      this.clock.clearTimeout(this.timer)
      this.timer = undefined
      await this.run()
    }
    while (this.running) await this.running
    return this.status()
  }

  /** The intended policy and whether it is in force. */
  status(): FirewallStatus {
    const i = this.intended
    const inForce = this.current.applied && this.current.digest === i?.digest
    return {
      applied: inForce,
      ...(inForce ? {} : { reason: this.current.applied ? 'a newer policy is not applied yet' : this.current.reason }),
      ...(i ? { mode: i.ruleset.mode, digest: i.digest, nft: i.batch } : {}),
      ...(this.current.appliedAt !== undefined ? { appliedAt: this.current.appliedAt } : {}),
      pending: this.timer !== undefined || this.running !== undefined,
      rules: i ? policyRows(i.ruleset) : [],
    }
  }

  /**
   * Records that no state could be built (say, a bad interface name in the config): reported like
   * a failed apply — said once, or an alert when required. The kernel keeps whatever it has.
   */
  reportFailure(reason: string): void {
    this.record(this.intended?.digest ?? '', this.intended?.ruleset.mode ?? 'normal', { applied: false, reason, unavailable: false })
  }

  /** Cancels a pending apply. The table in the kernel stays as it is (see the class comment). */
  close(): void {
    this.closed = true
    if (this.timer) this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  private run(): Promise<void> {
    if (this.running) {
      this.rerun = true
      return this.running
    }
    this.running = (async () => {
      do {
        this.rerun = false
        const target = this.intended
        if (!target || (this.current.applied && this.current.digest === target.digest)) continue
        let outcome: ApplyOutcome
        try {
          outcome = await this.deps.backend(target.ruleset, target.state)
        } catch (err) {
          outcome = { applied: false, reason: `backend failed: ${(err as Error).message}`, unavailable: false }
        }
        this.record(target.digest, target.ruleset.mode, outcome)
      } while (this.rerun)
    })().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private record(digest: string, mode: Ruleset['mode'], o: ApplyOutcome): void {
    const log = this.deps.log
    if (o.applied) {
      this.current = { applied: true, digest, appliedAt: this.clock.wallMs() }
      this.lastNotice = undefined
      log.info({ mode, digest: digest.slice(0, 12), rules: o.rules }, 'firewall applied')
      return
    }
    this.current = { applied: false, reason: o.reason }
    const repeat = this.lastNotice === o.reason
    this.lastNotice = o.reason
    if (this.deps.required) {
      // In the image the firewall is part of the product's promise (EN 303 645 5.6): say it loudly.
      log.error({ reason: o.reason, mode }, 'firewall NOT applied')
      if (!repeat) this.deps.onAlert?.({ code: 'HUB_ERR_FIREWALL_APPLY', reason: o.reason })
    } else if (repeat) log.debug({ reason: o.reason }, 'firewall still not applied')
    else if (o.unavailable) log.warn({ reason: o.reason }, 'firewall not applied here; the hub keeps running without its host firewall')
    else log.error({ reason: o.reason, mode }, 'firewall not applied')
  }
}
