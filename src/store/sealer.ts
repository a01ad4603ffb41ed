import sodium from 'sodium-native'
import { HubError } from '../core/errors.js'

/** A sealed secret as stored in a document: `sb1.<base64 nonce‖mac‖ciphertext>`. */
export type Sealed = `sb1.${string}`

const PREFIX = 'sb1.'

/**
 * Seals secrets at rest with libsodium secretbox (XSalsa20-Poly1305) under the data key
 * (EN 303 645 5.4-1). The key lives in sodium's guarded memory; destroying the key file is the
 * crypto-erase at the heart of the factory wipe.
 */
export class Sealer {
  private readonly key: Buffer

  constructor(key: Uint8Array) {
    if (key.length !== sodium.crypto_secretbox_KEYBYTES) throw new HubError('HUB_ERR_KEY_FILE', 'data key has the wrong length')
    this.key = sodium.sodium_malloc(sodium.crypto_secretbox_KEYBYTES)
    this.key.set(key)
  }

  seal(plain: Uint8Array | string): Sealed {
    const m = typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain
    const out = Buffer.alloc(sodium.crypto_secretbox_NONCEBYTES + sodium.crypto_secretbox_MACBYTES + m.length)
    const nonce = out.subarray(0, sodium.crypto_secretbox_NONCEBYTES)
    sodium.randombytes_buf(nonce)
    sodium.crypto_secretbox_easy(out.subarray(nonce.length), m, nonce, this.key)
    return `${PREFIX}${out.toString('base64')}` as Sealed
  }

  open(sealed: string): Buffer {
    if (!sealed.startsWith(PREFIX)) throw new HubError('HUB_ERR_SEAL', 'not a sealed value')
    const box = Buffer.from(sealed.slice(PREFIX.length), 'base64')
    const n = sodium.crypto_secretbox_NONCEBYTES
    if (box.length < n + sodium.crypto_secretbox_MACBYTES) throw new HubError('HUB_ERR_SEAL', 'sealed value is truncated')
    const m = Buffer.alloc(box.length - n - sodium.crypto_secretbox_MACBYTES)
    if (!sodium.crypto_secretbox_open_easy(m, box.subarray(n), box.subarray(0, n), this.key))
      throw new HubError('HUB_ERR_SEAL', 'sealed value does not open with this data key (wrong key or damaged data)')
    return m
  }

  openText(sealed: string): string {
    return this.open(sealed).toString('utf8')
  }

  /** Zeroes the key in memory (after a wipe, or on stop). */
  destroy(): void {
    sodium.sodium_memzero(this.key)
  }
}

/** Random bytes from libsodium's CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  const b = Buffer.alloc(n)
  sodium.randombytes_buf(b)
  return b
}
