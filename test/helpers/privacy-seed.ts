import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { silentLogger } from '../../src/core/log.js'
import { Sealer } from '../../src/store/sealer.js'
import { Store } from '../../src/store/store.js'

/** Distinctive values a wipe must leave nowhere (plain, or sealed under the old key). */
export const CANARY = {
  owner: 'Zebulon Canaryfield',
  device: 'Canary Nursery Lamp',
  other: 'Canary Attic Sensor',
  uplinkPassword: 'canary-uplink-pw-7Qx93LmZ',
  wifiKey: 'canary-wifi-psk-Hq27Vb81',
  consent: 'canary consent to relay.example.net',
  /** A temperature that appears only in state and history. */
  reading: 37.7391,
}

export const canaryStrings = () => [CANARY.owner, CANARY.device, CANARY.other, CANARY.uplinkPassword, CANARY.wifiKey, CANARY.consent, String(CANARY.reading)]

/**
 * Before the hub starts: what an uplink bridge and a Wi-Fi setup would leave in the data dir — a
 * document with a password sealed under the data key, and a plain file holding a Wi-Fi key.
 */
export async function seedForeignFiles(dataDir: string): Promise<void> {
  const store = await Store.open(dataDir, silentLogger)
  const db = await store.document<{ host: string; password: string }>({ name: 'uplink-seed.json', schema: 1 }, () => ({ host: '', password: '' }))
  db.data = { host: 'relay.example.net', password: store.sealer.seal(CANARY.uplinkPassword) }
  await db.write()
  store.close()
  mkdirSync(path.join(dataDir, 'network'), { recursive: true, mode: 0o700 })
  const { writeFileDurable } = await import('../../src/store/durable-fs.js')
  await writeFileDurable(path.join(dataDir, 'network', 'wifi.conf'), `network={\n ssid="Home"\n psk="${CANARY.wifiKey}"\n}\n`)
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e)
    const st = statSync(p)
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : []
  })
}

/**
 * Scans every byte of every file under `dir`: plain canaries, and canaries inside anything that
 * opens with `oldKey` (sealed blobs, recursively). Returns where each was found, and how many
 * blobs opened with the old key at all.
 */
export function scanForCanaries(dir: string, oldKey: Uint8Array, canaries = canaryStrings()): { found: string[]; opened: number; keyBytes: string[] } {
  const sealer = new Sealer(oldKey)
  const found: string[] = []
  const keyBytes: string[] = []
  let opened = 0
  const keyHex = Buffer.from(oldKey).toString('hex')
  const keyB64 = Buffer.from(oldKey).toString('base64')
  const look = (text: string, where: string, depth: number) => {
    for (const c of canaries) if (text.includes(c)) found.push(`${c} in ${where}`)
    if (depth > 3) return
    for (const m of text.matchAll(/sb1\.[A-Za-z0-9+/=]+/g)) {
      try {
        const plain = sealer.openText(m[0])
        opened++
        look(plain, `${where} (sealed)`, depth + 1)
      } catch {
        // not under the old key
      }
    }
  }
  for (const f of filesUnder(dir)) {
    const bytes = readFileSync(f)
    if (bytes.includes(Buffer.from(oldKey)) || bytes.includes(Buffer.from(keyHex)) || bytes.includes(Buffer.from(keyB64))) keyBytes.push(f)
    look(bytes.toString('latin1'), path.relative(dir, f), 0)
    look(bytes.toString('utf8'), path.relative(dir, f), 0)
  }
  sealer.destroy()
  return { found: [...new Set(found)], opened, keyBytes }
}
