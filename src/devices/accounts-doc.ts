import type { DocSpec } from '../store/document.js'
import type { Grants } from '../policy/acl.js'
import type { DeviceKind } from '../policy/device-kinds.js'

/** One MQTT account: a device (username = device id) or an integration/custom account. */
export interface AccountRecord {
  username: string
  role: 'device' | 'integration' | 'custom'
  /** A person's label for it (a device's name is personal data: the wipe erases it). */
  name: string
  kind?: DeviceKind
  grants?: Grants
  /**
   * A Zigbee device: it has no MQTT credential of its own (the verifier matches no token); the
   * hub's internal client publishes its state. `ieee` is its 64-bit address (16 hex digits).
   */
  zigbee?: { ieee: string }
  /** Keyed hash of the current token; the token itself is never stored. */
  verifier: string
  createdAt: string
  rotatedAt?: string
}

export interface AccountsDoc {
  accounts: AccountRecord[]
}

export const ACCOUNTS_DOC: DocSpec<AccountsDoc> = {
  name: 'accounts.json',
  sealed: true,
  schema: 1,
  check: (d): d is AccountsDoc => typeof d === 'object' && d !== null && Array.isArray((d as AccountsDoc).accounts),
}
