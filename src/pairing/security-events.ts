import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/log.js'

/** A security-relevant event the owner should see (EN 303 645 5.6-? / 5.13: untrusted input refused). */
export interface SecurityEvent {
  /** Wall-clock time, for display only. */
  at: string
  type: 'zigbee-join-refused' | 'zigbee-join-unsupported' | 'zigbee-install-code-refused'
  detail: Record<string, string | number>
}

/**
 * The hub's recent security events, in memory (bounded: the newest `max` are kept), each also
 * logged at error level with an `ALERT:` prefix so the journal carries it.
 */
export class SecurityEvents {
  private readonly events: SecurityEvent[] = []

  constructor(private readonly deps: { clock: Clock; log: Logger; max?: number; /** Also shown on the security page. */ onRaise?: (message: string) => void }) {}

  raise(type: SecurityEvent['type'], detail: SecurityEvent['detail'], message: string): void {
    const e: SecurityEvent = { at: new Date(this.deps.clock.wallMs()).toISOString(), type, detail }
    this.events.push(e)
    const max = this.deps.max ?? 100
    if (this.events.length > max) this.events.splice(0, this.events.length - max)
    this.deps.log.error({ event: type, ...detail }, `ALERT: ${message}`)
    this.deps.onRaise?.(message)
  }

  list(): readonly SecurityEvent[] {
    return [...this.events]
  }
}
