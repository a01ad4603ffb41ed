import type { Clock } from '../core/clock.js'
import type { DocSpec } from '../store/document.js'
import { commitDoc, type Doc, type Store } from '../store/store.js'

/**
 * The owner's consent, as the uplink needs it. Kept this small on purpose: the privacy
 * service's ledger (src/privacy/consent.ts, another branch) can stand in for `UplinkConsentStore`
 * at merge without the bridge changing (EN 303 645 6.3 / 6.5: data leaves the home only with the
 * user's consent, and the user can withdraw it).
 */
export interface ConsentPort {
  isGranted(purpose: string): boolean
  grant(purpose: string, detail: ConsentDetail): Promise<void>
  withdraw(purpose: string): Promise<void>
  /** Who granted it and when, if the ledger can say (for the status). */
  record?(purpose: string): { by: string; atWall: string; wallClock: string } | undefined
}

export interface ConsentDetail {
  /** Who gave it: `owner (web)` or `admin socket (local CLI)`. */
  by: string
  /** What was consented to, in words a person can check later (remote URL, topics). */
  what: string
}

export interface ConsentRecord extends ConsentDetail {
  purpose: string
  action: 'grant' | 'withdraw'
  /** Wall-clock time of the decision: informational only. */
  atWall: string
  /**
   * The hub cannot know whether its wall clock was right (no RTC; NTP may not have synced):
   * always recorded as possibly wrong, and `implausible` when it is before this build existed.
   */
  wallClock: 'unverified' | 'implausible'
}

export interface ConsentDoc {
  granted: Record<string, ConsentRecord>
  /** Every grant and withdrawal, newest last, capped. */
  history: ConsentRecord[]
}

export const UPLINK_CONSENT_DOC: DocSpec<ConsentDoc> = {
  name: 'uplink-consent.json',
  schema: 1,
  check: (d): d is ConsentDoc => typeof d === 'object' && d !== null && typeof (d as ConsentDoc).granted === 'object' && Array.isArray((d as ConsentDoc).history),
}

const HISTORY_MAX = 200
/** 2026-01-01: a wall clock before this is certainly wrong (this code did not exist). */
const PLAUSIBLE_AFTER_MS = Date.UTC(2026, 0, 1)

/** The uplink's own durable consent record (until the privacy ledger takes over). */
export class UplinkConsentStore implements ConsentPort {
  private constructor(
    private readonly doc: Doc<ConsentDoc>,
    private readonly clock: Clock,
  ) {}

  static async open(store: Store, clock: Clock): Promise<UplinkConsentStore> {
    return new UplinkConsentStore(await store.document(UPLINK_CONSENT_DOC, () => ({ granted: {}, history: [] })), clock)
  }

  isGranted(purpose: string): boolean {
    return Object.hasOwn(this.doc.data.granted, purpose)
  }

  record(purpose: string): ConsentRecord | undefined {
    return this.doc.data.granted[purpose]
  }

  async grant(purpose: string, detail: ConsentDetail): Promise<void> {
    const rec = this.entry(purpose, 'grant', detail)
    const d = this.doc.data
    await this.commit({ granted: { ...d.granted, [purpose]: rec }, history: [...d.history, rec].slice(-HISTORY_MAX) })
  }

  async withdraw(purpose: string, by = 'owner'): Promise<void> {
    if (!this.isGranted(purpose)) return
    const rec = this.entry(purpose, 'withdraw', { by, what: this.doc.data.granted[purpose]!.what })
    const d = this.doc.data
    const granted = { ...d.granted }
    delete granted[purpose]
    await this.commit({ granted, history: [...d.history, rec].slice(-HISTORY_MAX) })
  }

  /** Durable first, live after: a failed write changes nothing (the old record stays in force). */
  private async commit(next: ConsentDoc): Promise<void> {
    await commitDoc(this.doc, next)
  }

  private entry(purpose: string, action: ConsentRecord['action'], detail: ConsentDetail): ConsentRecord {
    const wall = this.clock.wallMs()
    return { purpose, action, by: detail.by, what: detail.what, atWall: new Date(wall).toISOString(), wallClock: wall < PLAUSIBLE_AFTER_MS ? 'implausible' : 'unverified' }
  }
}
