import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'

/**
 * What must never be in an unpersonalised SD image, as byte patterns searched over the whole raw
 * image (every partition, free space included). grep -z: NUL-separated records, so a PEM block's
 * header and the base64 line after it are matched together, and the sparse holes cost nothing.
 */
/** PEM header words, joined here so this file is not itself mistaken for key material by secret scanners. */
const PEM_KEY = ['PRIVATE', 'KEY'].join(' ')

export const SECRET_PATTERNS: Record<string, string> = {
  // A real PEM private key: the header followed by its base64 body (not libcrypto's format strings).
  pemPrivateKey: `-----BEGIN [A-Z ]*${PEM_KEY}-----\\r?\\n[A-Za-z0-9+/=]{40,}`,
  // An OpenSSH private key the same way.
  opensshKey: `-----BEGIN OPENSSH ${PEM_KEY}-----\\r?\\n[A-Za-z0-9+/=]{40,}`,
  // A crypt(3) hash as it appears in /etc/shadow (md5, sha256, sha512, yescrypt, bcrypt).
  passwordHash: String.raw`(^|\n)[a-z_][a-z0-9_-]*:\$(1|5|6|y|2[aby])\$[./A-Za-z0-9$]{8,}:`,
  // Hearth device and account tokens (src/devices/tokens.ts).
  hearthToken: String.raw`hth_[A-Za-z0-9_-]{20,}`,
  // A setup code (src/core/ids.ts: 3 groups of 4 from 23456789ABCDEFGHJKMNPQRSTVWXYZ).
  setupCode: String.raw`(?<![A-Za-z0-9-])[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}(?![A-Za-z0-9-])`,
}

export interface Finding {
  kind: string
  offset: number
  /** The first characters only: a finding must not print the secret it found. */
  excerpt: string
  /** SHA-256 of the whole match, to compare findings without showing them. */
  digest: string
}

/** Every match of every pattern in `file` (grep -a -z -P -o -b), at most `limit`. */
export function scanForSecrets(file: string, limit = 50): Finding[] {
  const findings: Finding[] = []
  for (const [kind, re] of Object.entries(SECRET_PATTERNS)) {
    const r = spawnSync('grep', ['-a', '-z', '-P', '-o', '-b', '-m', String(limit), '-e', re, file], { encoding: 'latin1', maxBuffer: 1 << 26 })
    if (r.status !== 0 && r.status !== 1) throw new Error(`grep failed (exit ${r.status}): ${r.stderr}`)
    for (const rec of r.stdout.split('\0').filter(Boolean)) {
      const i = rec.indexOf(':')
      const match = rec.slice(i + 1)
      findings.push({ kind, offset: Number(rec.slice(0, i)), excerpt: match.slice(0, 12).replace(/\s/g, ' ') + '…', digest: createHash('sha256').update(match, 'latin1').digest('hex') })
    }
  }
  return findings
}
