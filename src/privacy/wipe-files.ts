import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { SOCKET_NAME } from '../admin/protocol.js'
import { DATA_KEY_FILE } from '../store/data-dir.js'
import { fsyncDir, removeDurable, shredFile, writeFileDurable } from '../store/durable-fs.js'

/**
 * The factory wipe's steps on disk (I/O only; the order is the security property).
 * 1. `wipe.marker` is written durably: from here on the wipe WILL complete, even across a crash.
 * 2. The data key is overwritten, fsynced and unlinked: every sealed byte (secrets, owner,
 *    devices, state, history, consents) is now unreadable, wherever the flash kept a copy.
 * 3. Everything else under the data dir is deleted (documents, their `.prev` generations,
 *    damaged copies, history, firewall state, logs, temp files).
 * 4. The hub starts afresh (new identity), participants (Zigbee) wipe, a receipt is written,
 *    and the marker goes last.
 */
export const MARKER_FILE = 'wipe.marker'
export const RECEIPT_FILE = 'wipe-receipt.json'
/** Kept across a wipe: the marker itself, the live admin socket (the data dir's lock), and the
 * installer's configuration (settings, not personal data). */
const KEEP = new Set([MARKER_FILE, SOCKET_NAME, 'config.json'])

/** Counts of what a wipe erases: numbers only, never names or addresses. */
export interface WipeCounts {
  owner: boolean
  devices: number
  accounts: number
  historyPoints: number
  retainedMessages: number
  consents: number
  sessions: number
}

export interface WipeMarker {
  format: 'hearth-wipe/1'
  startedAt: string
  source: 'web' | 'cli' | 'button' | 'api'
  counts: WipeCounts
  /** Files deleted so far (each pass after a crash adds what it found). */
  files: number
  bytes: number
  participantsDone: string[]
}

export interface WipeReceipt {
  startedAt: string
  finishedAt: string
  source: WipeMarker['source']
  erased: WipeCounts & { dataKey: true; files: number; bytes: number }
  participants: string[]
  regenerated: string[]
}

export const REGENERATED = ['data key', 'setup code', 'TLS certificate authority and server key', 'device token key', 'web session key', 'Zigbee network key, PAN id and channel']

export type StepHook = (step: string) => Promise<void>
const noHook: StepHook = async () => {}

export async function readMarker(dir: string): Promise<WipeMarker | null> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(dir, MARKER_FILE), 'utf8')) as WipeMarker
    return m?.format === 'hearth-wipe/1' ? m : null
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    // A marker that exists but cannot be read still means "a wipe was asked for": finish it.
    return { format: 'hearth-wipe/1', startedAt: new Date(0).toISOString(), source: 'api', counts: emptyCounts(), files: 0, bytes: 0, participantsDone: [] }
  }
}

export const writeMarker = (dir: string, m: WipeMarker) => writeFileDurable(path.join(dir, MARKER_FILE), JSON.stringify(m))

export function emptyCounts(): WipeCounts {
  return { owner: false, devices: 0, accounts: 0, historyPoints: 0, retainedMessages: 0, consents: 0, sessions: 0 }
}

/** Step 2: the data key, overwritten and fsynced before it is unlinked. */
export const destroyDataKey = (dir: string) => shredFile(path.join(dir, DATA_KEY_FILE))

/**
 * Steps 2 and 3 (idempotent: a crash anywhere leaves a state this finishes). Returns what it
 * deleted. `hook` runs between steps (tests use it to make the wipe killable at every step).
 */
export async function eraseDataDir(dir: string, hook: StepHook = noHook): Promise<{ files: number; bytes: number }> {
  await destroyDataKey(dir)
  await hook('key destroyed')
  let files = 0
  let bytes = 0
  const remove = async (p: string): Promise<void> => {
    const st = await fsp.lstat(p).catch(() => null)
    if (!st) return
    if (st.isDirectory()) {
      for (const e of await fsp.readdir(p)) await remove(path.join(p, e))
      await fsp.rmdir(p).catch(() => {})
      return
    }
    await fsp.rm(p, { force: true })
    files++
    bytes += st.size
    await hook(`deleted ${path.basename(p)}`)
  }
  for (const e of await fsp.readdir(dir)) if (!KEEP.has(e) || /\.tmp-\d+$/.test(e)) await remove(path.join(dir, e))
  await fsyncDir(dir)
  return { files, bytes }
}

export async function writeReceipt(dir: string, r: WipeReceipt): Promise<void> {
  await writeFileDurable(path.join(dir, RECEIPT_FILE), JSON.stringify(r))
}

export async function readReceipt(dir: string): Promise<WipeReceipt | null> {
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, RECEIPT_FILE), 'utf8')) as WipeReceipt
  } catch {
    return null
  }
}

export const removeMarker = (dir: string) => removeDurable(path.join(dir, MARKER_FILE))
