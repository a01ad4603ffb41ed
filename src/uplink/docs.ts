import type { DocSpec } from '../store/document.js'
import type { Sealed } from '../store/sealer.js'
import type { QueueSnapshot } from './queue.js'

/** The uplink's credential (sealed) and the CA the owner supplied; absent until enabled. */
export interface UplinkDoc {
  credential: { username: string; password: Sealed } | null
  /** PEM; null: verify the remote against the system's CAs. */
  ca: string | null
}

export const UPLINK_DOC: DocSpec<UplinkDoc> = {
  name: 'uplink.json',
  schema: 1,
  check: (d): d is UplinkDoc => typeof d === 'object' && d !== null && 'credential' in d && 'ca' in d,
}

/** The store-and-forward queue, saved on a write budget (`uplink.persistIntervalMs`). */
export const UPLINK_QUEUE_DOC: DocSpec<QueueSnapshot> = {
  name: 'uplink-queue.json',
  schema: 1,
  check: (d): d is QueueSnapshot =>
    typeof d === 'object' && d !== null && Array.isArray((d as QueueSnapshot).messages) && typeof (d as QueueSnapshot).nextSeq === 'number',
}
