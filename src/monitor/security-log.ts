import { EventEmitter } from 'node:events'
import type { Clock } from '../core/clock.js'

/**
 * The security page's "recent logins, failures and alerts" (EN 303 645 5.10-1: examine telemetry
 * for security anomalies; 5.5-4 resist brute force — the owner sees the attempts).
 *
 * Kept in memory only, bounded, and coalesced: a thousand wrong logins from one address are one
 * line with a count, not a thousand lines, so a flood can neither grow memory nor push the one
 * alert that matters out of the list. Addresses are personal data: they are not written to disk
 * here and are gone at restart or wipe (docs/privacy.md).
 */
export type SecurityEventKind =
  | 'claim'
  | 'claim-failed'
  | 'login'
  | 'login-failed'
  | 'rate-limited'
  | 'password-changed'
  | 'owner-reset'
  | 'mqtt-login-refused'
  | 'alert'

export type Severity = 'info' | 'warning' | 'alert'

export interface SecurityEvent {
  kind: SecurityEventKind
  severity: Severity
  /** Plain words, no secrets and no payloads. */
  detail: string
  address?: string
  /** How many times this happened in a row (same kind, address and detail, within the window). */
  count: number
  /** Wall-clock time of the first and the latest occurrence (ISO; may be wrong on a board with no RTC until NTP). */
  first: string
  last: string
}

const SEVERITY: Record<SecurityEventKind, Severity> = {
  claim: 'info',
  login: 'info',
  'password-changed': 'info',
  'owner-reset': 'warning',
  'claim-failed': 'warning',
  'login-failed': 'warning',
  'rate-limited': 'warning',
  'mqtt-login-refused': 'warning',
  alert: 'alert',
}

interface Entry extends SecurityEvent {
  lastMono: number
}

export class SecurityLog extends EventEmitter<{ event: [SecurityEvent] }> {
  private readonly entries: Entry[] = []

  constructor(
    private readonly clock: Clock,
    private readonly capacity = 100,
    /** Repeats closer together than this are counted on one line. */
    private readonly coalesceMs = 10 * 60_000,
  ) {
    super()
  }

  record(kind: SecurityEventKind, detail: string, address?: string): void {
    const mono = this.clock.monotonicMs()
    const at = new Date(this.clock.wallMs()).toISOString()
    const same = this.entries.find((e) => e.kind === kind && e.detail === detail && e.address === address && mono - e.lastMono <= this.coalesceMs)
    if (same) {
      same.count++
      same.last = at
      same.lastMono = mono
      // Most recent first: a repeat moves its line to the top.
      this.entries.splice(this.entries.indexOf(same), 1)
      this.entries.unshift(same)
      return
    }
    const entry: Entry = { kind, severity: SEVERITY[kind], detail, ...(address ? { address } : {}), count: 1, first: at, last: at, lastMono: mono }
    this.entries.unshift(entry)
    if (this.entries.length > this.capacity) this.evict()
    this.emit('event', this.public(entry))
  }

  /** Newest first. */
  list(): SecurityEvent[] {
    return this.entries.map((e) => this.public(e))
  }

  /** Forget everything (factory wipe). */
  clear(): void {
    this.entries.length = 0
  }

  /** Over capacity: drop the oldest non-alert line; alerts go only when nothing else is left. */
  private evict(): void {
    let i = this.entries.length - 1
    while (i >= 0 && this.entries[i]!.severity === 'alert') i--
    this.entries.splice(i >= 0 ? i : this.entries.length - 1, 1)
  }

  private public(e: Entry): SecurityEvent {
    const { lastMono: _, ...rest } = e
    return rest
  }
}
