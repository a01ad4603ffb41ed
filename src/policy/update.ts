/**
 * Pure decisions about update bundles (EN 303 645 5.3): version order, anti-rollback, and when to
 * check next. No I/O; time and randomness come in from the caller.
 */

/** `MAJOR.MINOR.PATCH`, each 0–99999, no pre-release or build suffix (a release is a release). */
export const VERSION_PATTERN = '^(0|[1-9][0-9]{0,4})\\.(0|[1-9][0-9]{0,4})\\.(0|[1-9][0-9]{0,4})$'
const VERSION = new RegExp(VERSION_PATTERN)

export function parseVersion(v: string): [number, number, number] | undefined {
  const m = VERSION.exec(v)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. Throws on a malformed version. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a)
  const pb = parseVersion(b)
  if (!pa || !pb) throw new RangeError(`not a release version: ${pa ? b : a}`)
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2]
}

export type InstallDecision =
  | { allow: true; downgrade: boolean }
  | { allow: false; code: 'older' | 'same' | 'too-old-to-upgrade' | 'support-ended' | 'bad-version'; reason: string }

/**
 * May a bundle whose signature and hashes are already verified replace `installed`?
 * - newer than installed: yes, if installed ≥ the bundle's `minVersion` (it knows how to migrate
 *   from there);
 * - the same or older: no (anti-rollback, 5.3-… "an attacker replays an old, vulnerable but
 *   validly signed release"), unless the owner asked for a downgrade explicitly — and even then
 *   the bundle was signed by a trusted key.
 */
export function decideInstall(
  bundle: { version: string; minVersion: string },
  installed: string,
  opts: { allowDowngrade?: boolean } = {},
): InstallDecision {
  if (!parseVersion(bundle.version) || !parseVersion(bundle.minVersion) || !parseVersion(installed))
    return { allow: false, code: 'bad-version', reason: 'a version is not MAJOR.MINOR.PATCH' }
  const order = compareVersions(bundle.version, installed)
  if (order <= 0 && !opts.allowDowngrade)
    return order === 0
      ? { allow: false, code: 'same', reason: `version ${bundle.version} is already installed` }
      : { allow: false, code: 'older', reason: `version ${bundle.version} is older than the installed ${installed} (a downgrade needs --allow-downgrade)` }
  if (order > 0 && compareVersions(installed, bundle.minVersion) < 0)
    return { allow: false, code: 'too-old-to-upgrade', reason: `version ${bundle.version} upgrades from ${bundle.minVersion} or later; ${installed} is installed` }
  return { allow: true, downgrade: order <= 0 }
}

/** At most one day between checks (the "every ≤ 24 h"). */
export const MAX_CHECK_INTERVAL_MS = 24 * 3600_000

/**
 * The delay to the next scheduled check: the interval less up to 10 % jitter, so a fleet that
 * started together (a power cut) spreads out and no hub waits longer than the interval.
 * `random` is uniform in [0, 1).
 */
export function nextCheckDelayMs(intervalMs: number, random: number): number {
  const interval = Math.min(MAX_CHECK_INTERVAL_MS, Math.max(60_000, intervalMs))
  return Math.round(interval * (1 - 0.1 * random))
}

/**
 * The `Expires` of security.txt (RFC 9116 2.5.5: "less than a year into the future" is
 * recommended): now + 180 days, but never past the end of the support period, when no reports
 * for this release are handled any more. Returns undefined when support has ended.
 */
export function securityTxtExpires(nowMs: number, supportEnd: string): string | undefined {
  const end = Date.parse(`${supportEnd}T23:59:59Z`)
  if (!Number.isFinite(end) || end <= nowMs) return undefined
  return new Date(Math.min(end, nowMs + 180 * 86400_000)).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
