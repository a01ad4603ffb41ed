import sodium from 'sodium-native'
import type { RandomBytes } from '../core/ids.js'

/**
 * Machine credentials (EN 303 645 5.1-2A): 256-bit random tokens, shown once, stored only as a
 * keyed hash (HMAC-SHA-512/256 under the hub's sealed token key). Checking one costs
 * microseconds — argon2 is for human passwords, not for every MQTT CONNECT.
 * The `hth_` prefix lets secret scanners recognise a leaked token.
 */
export const TOKEN_PREFIX = 'hth_'
const TOKEN_BYTES = 32

export function newToken(random: RandomBytes): string {
  return TOKEN_PREFIX + Buffer.from(random(TOKEN_BYTES)).toString('base64url')
}

export function tokenVerifier(tokenKey: Uint8Array, token: string): string {
  const out = Buffer.alloc(sodium.crypto_auth_BYTES)
  sodium.crypto_auth(out, Buffer.from(token, 'utf8'), tokenKey)
  return out.toString('hex')
}

/** Constant-time comparison of a presented token against a stored verifier. */
export function tokenMatches(tokenKey: Uint8Array, token: string, verifier: string): boolean {
  const expected = Buffer.from(verifier, 'hex')
  if (expected.length !== sodium.crypto_auth_BYTES) return false
  return sodium.crypto_auth_verify(expected, Buffer.from(token, 'utf8'), tokenKey)
}
