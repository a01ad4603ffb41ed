/**
 * A minimal DER writer (ITU-T X.690), enough to build X.509 certificates (RFC 5280) without a
 * third-party ASN.1 stack. Every function returns the encoded bytes of one value.
 */
function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body])
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, ...items)
export const set = (...items: Uint8Array[]) => tlv(0x31, ...items)
export const octetString = (b: Uint8Array) => tlv(0x04, b)
export const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'))
export const boolean = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]))
/** [n] EXPLICIT (constructed, context-specific). */
export const explicit = (n: number, inner: Uint8Array) => tlv(0xa0 | n, inner)
/** [n] IMPLICIT primitive (context-specific), e.g. GeneralName dNSName [2], iPAddress [7]. */
export const implicit = (n: number, raw: Uint8Array) => tlv(0x80 | n, raw)

/** A non-negative INTEGER from big-endian bytes (a leading 0x00 keeps it positive). */
export function integer(value: number | Uint8Array): Buffer {
  let hex = typeof value === 'number' ? value.toString(16) : ''
  if (hex.length % 2) hex = '0' + hex
  let b = typeof value === 'number' ? Buffer.from(hex, 'hex') : Buffer.from(value)
  while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1)
  if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b])
  return tlv(0x02, b)
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out: number[] = [40 * parts[0]! + parts[1]!]
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f]
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

/** BIT STRING with a whole number of bytes (unused bits = 0) or an explicit unused-bit count. */
export const bitString = (b: Uint8Array, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), b)

/** UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5). */
export function time(d: Date): Buffer {
  const iso = d.toISOString()
  const y = d.getUTCFullYear()
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '')
  return y < 2050 ? tlv(0x17, Buffer.from(digits.slice(2) + 'Z')) : tlv(0x18, Buffer.from(digits + 'Z'))
}
