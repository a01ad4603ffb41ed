import { constants as FS, promises as fsp } from 'node:fs'
import path from 'node:path'
import { HubError } from '../core/errors.js'
import { fsyncDir, writeFileDurable } from '../store/durable-fs.js'
import { MANIFEST_NAME, SIGNATURE_NAME } from './manifest.js'
import { scanBundle, type VerifiedBundle, type VerifyOptions } from './bundle.js'
import { currentSlot, other, readSlotState, slotDir, switchCurrent, writeSlotState, type SlotName } from './slots.js'

async function fsyncFile(file: string): Promise<void> {
  const fh = await fsp.open(file, FS.O_RDONLY)
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

export interface InstallOptions extends VerifyOptions {
  slotsDir: string
  /** Seconds the new version has to prove itself healthy before the launcher rolls back. */
  healthDeadlineSeconds: number
  wallMs: number
  onPhase?: (phase: 'installing' | 'switching') => void
}

export interface InstallResult {
  slot: SlotName
  previous: SlotName | undefined
  version: string
}

/**
 * Installs a bundle that `verifyBundle` already accepted into the inactive slot and switches
 * `current` to it (docs/updates.md). Crash-safe at every step: the slot `current` points to is
 * never touched; the inactive slot's `manifest.sig` (its completeness mark) goes first and comes
 * back last; the trial is recorded before the switch, and the switch is one rename.
 * The bundle is read again and every hash checked again while writing (the file could have
 * changed since it was verified); its manifest must be byte-identical to the verified one.
 */
export async function installBundle(verified: VerifiedBundle, opts: InstallOptions): Promise<InstallResult> {
  const { slotsDir } = opts
  await fsp.mkdir(slotsDir, { recursive: true, mode: 0o755 })
  const active = await currentSlot(slotsDir)
  const target: SlotName = active ? other(active) : 'a'
  const dir = slotDir(slotsDir, target)
  opts.onPhase?.('installing')
  // Invalidate first, then clear: an interrupted install leaves a slot without its mark.
  await fsp.rm(path.join(dir, SIGNATURE_NAME), { force: true })
  await fsp.rm(dir, { recursive: true, force: true })
  await fsp.mkdir(dir, { mode: 0o755 })
  await fsyncDir(slotsDir)
  const dirs = new Set<string>([dir])
  let open: fsp.FileHandle | undefined
  const written: string[] = []
  const again = await scanBundle(verified.file, opts, async (meta) => {
    const dest = path.join(dir, meta.path)
    // Belt and braces: the path was checked segment by segment; it must still land inside.
    if (!dest.startsWith(dir + path.sep)) throw new HubError('HUB_ERR_UPDATE_REFUSED', `bundle refused: ${meta.path} escapes the slot`)
    const parent = path.dirname(dest)
    if (!dirs.has(parent)) {
      await fsp.mkdir(parent, { recursive: true, mode: 0o755 })
      for (let d = parent; d.startsWith(dir + path.sep) && !dirs.has(d); d = path.dirname(d)) dirs.add(d)
    }
    const fh = await fsp.open(dest, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, meta.mode)
    open = fh
    return {
      write: async (chunk) => void (await fh.write(chunk)),
      end: async () => {
        await fh.close()
        open = undefined
        written.push(dest)
      },
    }
  }).catch(async (err: unknown) => {
    await open?.close()
    throw err
  })
  if (!again.manifestBytes.equals(verified.manifestBytes)) throw new HubError('HUB_ERR_UPDATE_REFUSED', 'bundle refused: it changed between verification and install')
  // Every file's bytes, then every directory entry durable; then the manifest, then the mark.
  // In parallel: concurrent fsyncs share journal commits (one commit per file is what makes a
  // serial loop slow on an SD card).
  await inParallel(written, 16, fsyncFile)
  await inParallel([...dirs], 16, fsyncDir)
  await writeFileDurable(path.join(dir, MANIFEST_NAME), verified.manifestBytes, { mode: 0o644 })
  await writeFileDurable(path.join(dir, SIGNATURE_NAME), verified.signatureBytes, { mode: 0o644 })
  opts.onPhase?.('switching')
  const state = await readSlotState(slotsDir)
  const at = new Date(opts.wallMs).toISOString()
  const version = verified.manifest.version
  if (active) {
    await writeSlotState(slotsDir, {
      ...state,
      trial: { slot: target, previous: active, version, fromVersion: opts.installed ?? version, startedAt: at, deadlineSeconds: opts.healthDeadlineSeconds, boots: 0 },
    })
  } else {
    // Seeding an empty slots dir (the image build): nothing to fall back to, nothing on trial.
    await writeSlotState(slotsDir, { format: 1, last: { ok: true, version, fromVersion: version, at, reason: 'first install' } })
  }
  await switchCurrent(slotsDir, target)
  return { slot: target, previous: active, version }
}
