// The subset of sodium-native (libsodium bindings) Hearth uses; the package ships no types.
declare module 'sodium-native' {
  export const crypto_secretbox_KEYBYTES: number
  export const crypto_secretbox_NONCEBYTES: number
  export const crypto_secretbox_MACBYTES: number
  export const crypto_generichash_BYTES: number
  export const crypto_auth_BYTES: number
  export const crypto_auth_KEYBYTES: number
  export const crypto_pwhash_STRBYTES: number
  export const crypto_pwhash_OPSLIMIT_INTERACTIVE: number
  export const crypto_pwhash_MEMLIMIT_INTERACTIVE: number
  export const crypto_pwhash_OPSLIMIT_MODERATE: number
  export const crypto_pwhash_MEMLIMIT_MODERATE: number
  export const crypto_sign_PUBLICKEYBYTES: number
  export const crypto_sign_SECRETKEYBYTES: number
  export const crypto_sign_BYTES: number
  export function randombytes_buf(buf: Uint8Array): void
  export function sodium_malloc(size: number): Buffer
  export function sodium_memzero(buf: Uint8Array): void
  export function sodium_memcmp(a: Uint8Array, b: Uint8Array): boolean
  export function crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void
  export function crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean
  export function crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void
  export function crypto_auth(out: Uint8Array, input: Uint8Array, key: Uint8Array): void
  export function crypto_auth_verify(h: Uint8Array, input: Uint8Array, key: Uint8Array): boolean
  export function crypto_pwhash_str(out: Uint8Array, passwd: Uint8Array, opslimit: number, memlimit: number): void
  export function crypto_pwhash_str_async(out: Uint8Array, passwd: Uint8Array, opslimit: number, memlimit: number): Promise<void>
  export function crypto_pwhash_str_verify(str: Uint8Array, passwd: Uint8Array): boolean
  export function crypto_pwhash_str_verify_async(str: Uint8Array, passwd: Uint8Array): Promise<boolean>
  export function crypto_sign_keypair(pk: Uint8Array, sk: Uint8Array): void
  export function crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void
  export function crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean
}
