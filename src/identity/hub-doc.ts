import type { DocSpec } from '../store/document.js'
import type { Sealed } from '../store/sealer.js'

/** The hub's identity document (`hub.json`): who it is and its sealed secrets. */
export interface HubDoc {
  hubId: string
  /** Wall-clock time of provisioning: informational only (may be 1970 on a Pi with no RTC). */
  createdAt: string
  hostSuffix: string
  claimed: boolean
  setupCode: Sealed
  secrets: {
    /** Keys the HMAC that verifies device and account tokens (a keyed hash, not argon2). */
    tokenKey: Sealed
    /** Keys web session and CSRF tokens. */
    sessionKey: Sealed
  }
  tls: { caCert: string; caKey: Sealed; caNames: string[]; cert: string; key: Sealed; names: string[] }
  zigbee: { panId: number; extendedPanId: string; networkKey: Sealed; channel: number }
}

export const HUB_DOC: DocSpec<HubDoc> = {
  name: 'hub.json',
  schema: 1,
  check: (d): d is HubDoc =>
    typeof d === 'object' && d !== null && typeof (d as HubDoc).hubId === 'string' && typeof (d as HubDoc).tls?.cert === 'string',
}
