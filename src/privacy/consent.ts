import { EventEmitter } from 'node:events'
import type { Clock } from '../core/clock.js'
import { HubError } from '../core/errors.js'
import type { DocSpec } from '../store/document.js'
import type { Doc, Store } from '../store/store.js'

/**
 * What may leave the home, and on whose word (EN 303 645 6-1 … 6-5, GDPR art. 7). Nothing is
 * granted by default: a purpose nobody granted is off. A purpose is a short name a feature picks
 * (`uplink`, `telemetry`); `detail` says to what (a host, a service) in words the owner saw.
 */
export interface ConsentRecord {
  purpose: string
  granted: boolean
  /** What the owner agreed to, as shown to them ("send device states to mqtt.example:8883"). */
  detail: string
  /** Who decided: `owner` (web UI), `cli` (on the box), `system` (e.g. a factory wipe). */
  by: string
  /** Wall-clock time of the decision (ISO 8601; informational on a board with no RTC). */
  at: string
}

/** The shape other features depend on (the uplink bridge uses the same one). */
export interface ConsentLedgerLike {
  isGranted(purpose: string): boolean
  grant(purpose: string, detail: string, by?: string): Promise<void>
  withdraw(purpose: string, by?: string): Promise<void>
  list(): ConsentRecord[]
  on(event: 'changed', listener: (purpose: string, granted: boolean) => void): unknown
  off(event: 'changed', listener: (purpose: string, granted: boolean) => void): unknown
}

export interface ConsentDoc {
  /** The current decision per purpose. */
  current: ConsentRecord[]
  /** Every decision, oldest first (accountability: when was what agreed or withdrawn), bounded. */
  history: ConsentRecord[]
}

export const CONSENT_DOC: DocSpec<ConsentDoc> = {
  name: 'consent.json',
  sealed: true,
  schema: 1,
  check: (d): d is ConsentDoc => typeof d === 'object' && d !== null && Array.isArray((d as ConsentDoc).current) && Array.isArray((d as ConsentDoc).history),
}

export const PURPOSE = /^[a-z][a-z0-9-]{1,31}$/
const DETAIL = /^[^\p{Cc}\p{Cf}]{1,200}$/u
const BY = /^[a-z][a-z0-9 ()-]{0,31}$/
const MAX_HISTORY = 200

/**
 * The consent ledger: durable, records who and when, emits `changed`. A grant takes effect only
 * once it is on disk; a withdrawal takes effect at once (listeners hear it before the write), so
 * a flow never outlives the owner's "stop" even if the card is slow or failing.
 */
export class ConsentLedger extends EventEmitter<{ changed: [purpose: string, granted: boolean] }> implements ConsentLedgerLike {
  private constructor(
    private readonly doc: Doc<ConsentDoc>,
    private readonly clock: Clock,
  ) {
    super()
  }

  static async open(store: Store, deps: { clock: Clock }): Promise<ConsentLedger> {
    return new ConsentLedger(await store.document(CONSENT_DOC, () => ({ current: [], history: [] })), deps.clock)
  }

  isGranted(purpose: string): boolean {
    return this.doc.data.current.some((r) => r.purpose === purpose && r.granted)
  }

  list(): ConsentRecord[] {
    return this.doc.data.current.map((r) => ({ ...r }))
  }

  /** Every decision (for the export and the privacy page), oldest first. */
  history(): ConsentRecord[] {
    return this.doc.data.history.map((r) => ({ ...r }))
  }

  async grant(purpose: string, detail: string, by = 'owner'): Promise<void> {
    check(purpose, by)
    if (typeof detail !== 'string' || !DETAIL.test(detail)) throw new HubError('HUB_ERR_BAD_REQUEST', 'consent detail must be 1-200 printable characters')
    await this.record({ purpose, granted: true, detail, by, at: this.now() })
    this.emit('changed', purpose, true)
  }

  async withdraw(purpose: string, by = 'owner'): Promise<void> {
    check(purpose, by)
    const was = this.doc.data.current.find((r) => r.purpose === purpose)
    if (!was?.granted) return // nothing was allowed: nothing to record
    const write = this.record({ purpose, granted: false, detail: was.detail, by, at: this.now() })
    // Stop the flow first: a withdrawal is in force at once, before it is on disk.
    this.emit('changed', purpose, false)
    await write
  }

  private record(rec: ConsentRecord): Promise<void> {
    const d = this.doc.data
    const previous = d
    this.doc.data = {
      current: [...d.current.filter((r) => r.purpose !== rec.purpose), rec],
      history: [...d.history, rec].slice(-MAX_HISTORY),
    }
    return this.doc.write().catch((err: unknown) => {
      // A grant that is not on disk does not count; a withdrawal stays in force in memory.
      if (rec.granted) this.doc.data = previous
      throw err
    })
  }

  private now(): string {
    return new Date(this.clock.wallMs()).toISOString()
  }
}

function check(purpose: string, by: string): void {
  if (typeof purpose !== 'string' || !PURPOSE.test(purpose)) throw new HubError('HUB_ERR_BAD_REQUEST', 'consent purpose must be 2-32 characters of a-z, 0-9 and -')
  if (typeof by !== 'string' || !BY.test(by)) throw new HubError('HUB_ERR_BAD_REQUEST', 'consent actor must be a short lowercase word')
}
