/**
 * Identifiers and human codes, made from random bytes the caller supplies (core does no I/O;
 * the caller passes a CSPRNG). EN 303 645 5.1-2: nothing here is derived from a MAC, serial
 * number or time.
 */

/** Crockford base32 without 0, 1 (and without I, L, O, U): no two symbols look alike. */
export const SETUP_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ'
export const SETUP_CODE_SYMBOLS = 12
export const SETUP_CODE_GROUP = 4

/** Entropy of a setup code in bits (≈ 58.9, well over the 40 EN 303 645 5.1-2 asks). */
export const SETUP_CODE_BITS = SETUP_CODE_SYMBOLS * Math.log2(SETUP_CODE_ALPHABET.length)

export type RandomBytes = (n: number) => Uint8Array

/** Picks `count` symbols uniformly by rejection sampling (no modulo bias). */
export function randomSymbols(random: RandomBytes, alphabet: string, count: number): string {
  const limit = 256 - (256 % alphabet.length)
  let out = ''
  while (out.length < count) {
    for (const b of random(count * 2)) {
      if (b < limit && out.length < count) out += alphabet[b % alphabet.length]
    }
  }
  return out
}

/** A setup code such as `7K3M-QX9P-4HTR`: grouped for reading aloud and printing on a label. */
export function newSetupCode(random: RandomBytes): string {
  const raw = randomSymbols(random, SETUP_CODE_ALPHABET, SETUP_CODE_SYMBOLS)
  return raw.match(new RegExp(`.{1,${SETUP_CODE_GROUP}}`, 'g'))!.join('-')
}

/** Normalises what a person typed: case, spaces and dashes do not matter. */
export function normaliseSetupCode(input: string): string {
  const cleaned = input.toUpperCase().replace(/[\s-]/g, '')
  const groups = cleaned.match(new RegExp(`.{1,${SETUP_CODE_GROUP}}`, 'g')) ?? []
  return groups.join('-')
}

export function isSetupCodeShape(code: string): boolean {
  return new RegExp(`^[${SETUP_CODE_ALPHABET}]{4}(-[${SETUP_CODE_ALPHABET}]{4}){2}$`).test(code)
}

/** A 128-bit hub id in hex. */
export function newHubId(random: RandomBytes): string {
  return Buffer.from(random(16)).toString('hex')
}

/** The hostname suffix for an image (`hearth-XXXX`), four symbols from the setup-code alphabet. */
export function newHostSuffix(random: RandomBytes): string {
  return randomSymbols(random, SETUP_CODE_ALPHABET, 4).toLowerCase()
}

/** A Zigbee PAN id: random, never 0x0000 or the reserved 0xFFF8–0xFFFF. */
export function newPanId(random: RandomBytes): number {
  for (;;) {
    const b = random(2)
    const id = (b[0]! | (b[1]! << 8)) >>> 0
    if (id !== 0 && id < 0xfff8) return id
  }
}

/** A Zigbee extended PAN id: 8 random bytes, never all zero or all 0xFF (both reserved). */
export function newExtendedPanId(random: RandomBytes): string {
  for (;;) {
    const b = Buffer.from(random(8))
    if (!b.every((x) => x === 0) && !b.every((x) => x === 0xff)) return b.toString('hex')
  }
}
