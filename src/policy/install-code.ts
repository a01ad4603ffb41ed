import { createCipheriv } from 'node:crypto'

/**
 * Zigbee install codes (Zigbee 3.0 / BDB 10.1; Zigbee spec r22 annex B.6 for the hash): a
 * 6, 8, 12 or 16-byte code printed on the device, followed by its CRC-16/X-25 (2 bytes,
 * little-endian). The trust center turns code+CRC into the device's own link key with the
 * AES-MMO hash, so a join with that device never uses the public "ZigBeeAlliance09" key
 * (EN 303 645 5.1-1: no universal default credential). Pure: computation only, no I/O.
 */

export const INSTALL_CODE_LENGTHS = [6, 8, 12, 16] as const

export type InstallCode = {
  ok: true
  /** The code and its CRC, as printed: the input of the hash and of ZNP ADD_INSTALLCODE format 1. */
  codeWithCrc: Uint8Array
  /** The CRC carried by the code (and checked). */
  crc: number
  /** The AES-MMO hash of code+CRC: the device's link key (ZNP format 2). */
  linkKey: Uint8Array
}

export type InstallCodeResult = InstallCode | { ok: false; reason: 'not-hex' | 'bad-length' | 'bad-crc' }

/** At most this many characters are looked at: 18 bytes with a separator between every byte fit. */
const MAX_TEXT = 64

/**
 * Parses an install code as the owner types it: hex digits, optionally grouped with spaces,
 * colons or dashes. Checks the length and the CRC; never throws.
 */
export function parseInstallCode(text: string): InstallCodeResult {
  if (typeof text !== 'string' || text.length > MAX_TEXT) return { ok: false, reason: 'bad-length' }
  const hex = text.replace(/[\s:-]/g, '')
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) return { ok: false, reason: 'not-hex' }
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'))
  const codeLength = bytes.length - 2
  if (!(INSTALL_CODE_LENGTHS as readonly number[]).includes(codeLength)) return { ok: false, reason: 'bad-length' }
  const crc = bytes[codeLength]! | (bytes[codeLength + 1]! << 8)
  if (crc16x25(bytes.subarray(0, codeLength)) !== crc) return { ok: false, reason: 'bad-crc' }
  return { ok: true, codeWithCrc: bytes, crc, linkKey: aesMmoHash(bytes) }
}

/**
 * CRC-16/X-25 (a.k.a. CRC-16/IBM-SDLC): polynomial 0x1021 reflected (0x8408), initial 0xFFFF,
 * input and output reflected, final XOR 0xFFFF. Check value for "123456789" is 0x906E.
 */
export function crc16x25(data: Uint8Array): number {
  let crc = 0xffff
  for (const b of data) {
    crc ^= b
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1
  }
  return (crc ^ 0xffff) & 0xffff
}

/**
 * The Matyas–Meyer–Oseas hash over AES-128 (Zigbee spec annex B.6): H0 = 0¹²⁸,
 * Hj = E(Hj−1, Mj) ⊕ Mj. Padding: a 1 bit, zeros up to 14 mod 16 bytes, then the message
 * length in bits as 16 bits big-endian (messages shorter than 2¹³ bytes, which install codes are).
 */
export function aesMmoHash(message: Uint8Array): Uint8Array {
  const bits = message.length * 8
  if (bits >= 0x10000) throw new RangeError('AES-MMO: message too long for the 16-bit length form')
  let padded = message.length + 1
  while (padded % 16 !== 14) padded++
  const m = new Uint8Array(padded + 2)
  m.set(message)
  m[message.length] = 0x80
  m[padded] = bits >>> 8
  m[padded + 1] = bits & 0xff
  let h: Uint8Array = new Uint8Array(16)
  for (let off = 0; off < m.length; off += 16) {
    const block = m.subarray(off, off + 16)
    const c = createCipheriv('aes-128-ecb', h, null).setAutoPadding(false)
    const e = Buffer.concat([c.update(block), c.final()])
    h = Uint8Array.from(e, (x, i) => x ^ block[i]!)
  }
  return h
}
