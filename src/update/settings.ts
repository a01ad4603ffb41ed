import type { DocSpec } from '../store/document.js'

/** The owner's update choices and what the checker remembers (`update.json` in the data dir). */
export interface UpdateDoc {
  /** The owner's switch for automatic checks; absent: `update.autoCheck` from the config. */
  autoCheck?: boolean
  /** No automatic check before this time (ISO). */
  postponedUntil?: string
  /** The HTTPS source's ETag at the last download (avoids downloading the same bundle daily). */
  etag?: string
  /** The fingerprint of an integrity failure the owner acknowledged (its lockdown lifted). */
  acknowledgedIntegrity?: string
}

export const UPDATE_DOC: DocSpec<UpdateDoc> = {
  name: 'update.json',
  schema: 1,
  check: (d): d is UpdateDoc => typeof d === 'object' && d !== null && !Array.isArray(d),
}
