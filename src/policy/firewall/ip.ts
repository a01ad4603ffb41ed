/**
 * Strict IP address and CIDR parsing for the firewall compiler. Every address that reaches the
 * nftables text passes through here and comes out in one canonical spelling (IPv4 dotted quad,
 * IPv6 per RFC 5952), so the rendered ruleset is deterministic and no input can carry nft syntax:
 * the output is rebuilt from numbers, never copied from the input.
 */

/** An address as its family and bytes (4 or 16). */
export interface IpAddress {
  family: 4 | 6
  bytes: number[]
}

/** A network prefix: an address with its host bits cleared, and the prefix length. */
export interface IpPrefix extends IpAddress {
  prefix: number
}

const V4_PART = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/

function parseV4(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return undefined
  return parts.map(Number)
}

function parseV6(text: string): number[] | undefined {
  // No zone ids (fe80::1%eth0): a zone is not an address and nft has no syntax for it.
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string): number[] | undefined => {
    if (s === '') return []
    const out: number[] = []
    const parts = s.split(':')
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p) // an embedded IPv4 tail (::ffff:192.0.2.1)
        if (!v4) return undefined
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else if (HEX_GROUP.test(p)) out.push(parseInt(p, 16))
      else return undefined
    }
    return out
  }
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  if (!head || !tail) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail]
  return words.flatMap((w) => [w >> 8, w & 0xff])
}

/** Parses one address (no prefix); `undefined` if it is not a plain IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseV4(text)
  if (v4) return { family: 4, bytes: v4 }
  const v6 = parseV6(text)
  return v6 ? { family: 6, bytes: v6 } : undefined
}

/**
 * Parses `addr/len` (or a bare address, taken as a host prefix). Host bits are cleared, so
 * `192.168.1.23/24` (what an interface reports) becomes `192.168.1.0/24`.
 */
export function parseCidr(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/')
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash))
  if (!addr) return undefined
  const max = addr.family === 4 ? 32 : 128
  let prefix = max
  if (slash >= 0) {
    const len = text.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(len) || Number(len) > max) return undefined
    prefix = Number(len)
  }
  const bytes = addr.bytes.map((b, i) => {
    const keep = Math.min(8, Math.max(0, prefix - i * 8))
    return b & ((0xff << (8 - keep)) & 0xff)
  })
  return { family: addr.family, bytes, prefix }
}

/** The canonical text of an address: dotted quad, or RFC 5952 (lower case, longest zero run as ::). */
export function formatIp(a: IpAddress): string {
  if (a.family === 4) return a.bytes.join('.')
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((a.bytes[i]! << 8) | a.bytes[i + 1]!)
  let bestStart = -1
  let bestLen = 1 // RFC 5952 4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i]
    i = j
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':')
  if (bestStart < 0) return hex(words)
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`
}

/** The canonical text of a prefix; a host prefix (/32, /128) is written as a bare address. */
export function formatCidr(p: IpPrefix): string {
  return p.prefix === (p.family === 4 ? 32 : 128) ? formatIp(p) : `${formatIp(p)}/${p.prefix}`
}

/** Orders addresses numerically (IPv4 before IPv6), then shorter prefixes first. */
export function compareIp(a: IpAddress | IpPrefix, b: IpAddress | IpPrefix): number {
  if (a.family !== b.family) return a.family - b.family
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return a.bytes[i]! - b.bytes[i]!
  return ('prefix' in a ? a.prefix : 0) - ('prefix' in b ? b.prefix : 0)
}

/** True iff prefix `outer` contains all of `inner` (same family, shorter or equal prefix). */
export function prefixContains(outer: IpPrefix, inner: IpPrefix): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false
  const masked = parseCidr(`${formatIp(inner)}/${outer.prefix}`)!
  return compareIp({ family: masked.family, bytes: masked.bytes }, { family: outer.family, bytes: outer.bytes }) === 0
}

/**
 * Sorts, de-duplicates and drops prefixes contained in another: nft rejects overlapping
 * intervals in one anonymous set ("conflicting intervals"), and the set means the same without them.
 */
export function minimalPrefixes(list: IpPrefix[]): IpPrefix[] {
  const sorted = [...list].sort(compareIp)
  const out: IpPrefix[] = []
  for (const p of sorted) if (!out.some((o) => prefixContains(o, p))) out.push(p)
  return out
}
