import { createHash } from 'node:crypto'
import type { Logger } from '../core/log.js'
import type { Doc } from '../store/store.js'
import { checkIntegrity, type Integrity } from './integrity.js'
import type { TrustedKey } from './manifest.js'
import type { UpdateDoc } from './settings.js'

/**
 * The retained topic on which the hub announces alerts. Only the hub can publish it: `$hub` is no
 * device id (ids are `[a-z0-9-]`), and the ACL grants `hearth/$hub/#` to no account; integration
 * accounts may subscribe to it (src/policy/acl.ts).
 */
export const ALERT_TOPIC = 'hearth/$hub/alert'

export interface IntegrityDeps {
  appRoot: string
  trusted: readonly TrustedKey[]
  doc: Doc<UpdateDoc>
  log: Logger
  lockdown: (on: boolean) => Promise<unknown>
  publish: (topic: string, payload: string, retain: boolean) => Promise<void>
  wallMs: () => number
}

export type IntegrityStatus = Integrity & { checkedAt?: string; acknowledged?: boolean; lockdown: boolean }

const fingerprint = (i: Integrity) => createHash('sha256').update(JSON.stringify(i)).digest('hex').slice(0, 32)

/**
 * Runs the integrity check at start and acts on a failure (EN 303 645 5.7-1, 5.7-2): an alert in
 * the log, on the bus (retained) and in the API (the UI's banner), and network lockdown until the
 * owner acknowledges it (or installs a good release, which replaces the app and its manifest).
 * An acknowledged failure stays visible but no longer locks the network; a different failure
 * alerts again.
 */
export class IntegrityGuard {
  private current: IntegrityStatus = { status: 'unverified', reason: 'not checked yet', lockdown: false }

  constructor(private readonly deps: IntegrityDeps) {}

  status(): IntegrityStatus {
    return this.current
  }

  async run(): Promise<IntegrityStatus> {
    const d = this.deps
    const result = await checkIntegrity(d.appRoot, d.trusted)
    const checkedAt = new Date(d.wallMs()).toISOString()
    if (result.status !== 'failed') {
      this.current = { ...result, checkedAt, lockdown: false }
      if (result.status === 'verified') d.log.info({ version: result.version, files: result.files, signer: result.signer }, 'software integrity verified')
      else d.log.warn({ reason: result.reason }, 'software integrity unverified (development build)')
      await d.publish(ALERT_TOPIC, '', true) // no stale alert from an earlier failure
      return this.current
    }
    const acknowledged = d.doc.data.acknowledgedIntegrity === fingerprint(result)
    this.current = { ...result, checkedAt, acknowledged, lockdown: !acknowledged }
    d.log.error({ code: 'HUB_ALERT_INTEGRITY', reason: result.reason, problems: result.problems, acknowledged }, 'ALERT: installed software does not match its signed manifest')
    if (!acknowledged) {
      await d.publish(ALERT_TOPIC, JSON.stringify({ code: 'integrity', message: result.reason, problems: result.problems, at: checkedAt }), true)
      await d.lockdown(true)
    }
    return this.current
  }

  /** The owner has seen the alert: lift the lockdown for this failure. */
  async acknowledge(): Promise<IntegrityStatus> {
    const c = this.current
    if (c.status !== 'failed') return c
    const { checkedAt: _c, acknowledged: _a, lockdown: _l, ...result } = c
    this.deps.doc.data.acknowledgedIntegrity = fingerprint(result)
    await this.deps.doc.write()
    this.current = { ...c, acknowledged: true, lockdown: false }
    await this.deps.lockdown(false)
    await this.deps.publish(ALERT_TOPIC, '', true)
    this.deps.log.warn({ reason: c.reason }, 'integrity alert acknowledged by the owner; network lockdown lifted')
    return this.current
  }
}
