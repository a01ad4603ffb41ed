import sodium from 'sodium-native'

/**
 * Owner password hashing: argon2id via libsodium's `crypto_pwhash_str` (EN 303 645 5.1-3),
 * interactive limits (64 MiB, 2 passes). Hashes run one at a time: a Pi with 512 MB of RAM
 * must not be pushed into swap by a burst of logins.
 */
let queue: Promise<unknown> = Promise.resolve()
const serial = <T>(fn: () => Promise<T>): Promise<T> => {
  const run = queue.then(fn, fn)
  queue = run.catch(() => {})
  return run
}

export function hashPassword(password: string): Promise<string> {
  return serial(async () => {
    const out = Buffer.alloc(sodium.crypto_pwhash_STRBYTES)
    await sodium.crypto_pwhash_str_async(out, Buffer.from(password.normalize('NFKC'), 'utf8'), sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE)
    return out.toString('utf8').replace(/\0+$/, '')
  })
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return serial(async () => {
    const str = Buffer.alloc(sodium.crypto_pwhash_STRBYTES)
    str.write(hash, 'utf8')
    return sodium.crypto_pwhash_str_verify_async(str, Buffer.from(password.normalize('NFKC'), 'utf8'))
  })
}
