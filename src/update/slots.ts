import { promises as fsp, realpathSync } from 'node:fs'
import path from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { compile } from '../core/validate.js'
import { fsyncDir, writeFileDurable } from '../store/durable-fs.js'
import { VERSION_PATTERN } from '../policy/update.js'

/**
 * A/B app slots (docs/updates.md, "Slot layout"):
 *
 *   <slotsDir>/a/           one complete app (package.json, bin/, dist/, web-ui/dist, node_modules)
 *   <slotsDir>/b/             … the other one
 *   <slotsDir>/<x>/manifest.json, manifest.sig   the signed manifest it was installed from;
 *                           manifest.sig is written last: a slot without it is incomplete
 *   <slotsDir>/current      symlink → a or b, replaced atomically (symlink + rename + fsync dir)
 *   <slotsDir>/state.json   the trial of a new version, and the outcome of the last update
 *
 * The data dir is elsewhere and shared by both slots. The launcher (bin/hearth-launch.mjs) reads
 * and writes state.json too, with no dependency on either slot.
 */
export const SLOTS = ['a', 'b'] as const
export type SlotName = (typeof SLOTS)[number]
export const CURRENT = 'current'
export const STATE_FILE = 'state.json'

const Version = Type.String({ pattern: VERSION_PATTERN })
const Slot = Type.Union([Type.Literal('a'), Type.Literal('b')])
export const SlotStateSchema = Type.Object(
  {
    format: Type.Literal(1),
    /** A new version on probation: the launcher rolls back unless the hub confirms it healthy in time. */
    trial: Type.Optional(
      Type.Object(
        {
          slot: Slot,
          previous: Slot,
          version: Version,
          fromVersion: Version,
          startedAt: Type.String(),
          deadlineSeconds: Type.Integer({ minimum: 5, maximum: 3600 }),
          boots: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** The outcome of the last install (shown in the API and UI). */
    last: Type.Optional(
      Type.Object(
        { ok: Type.Boolean(), version: Type.String(), fromVersion: Type.String(), at: Type.String(), reason: Type.Optional(Type.String({ maxLength: 1000 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type SlotState = Static<typeof SlotStateSchema>
const validState = compile<SlotState>('payload', SlotStateSchema)

export const other = (s: SlotName): SlotName => (s === 'a' ? 'b' : 'a')
export const slotDir = (slotsDir: string, s: SlotName): string => path.join(slotsDir, s)

/** The slot `current` points to, or undefined (a fresh slots dir, or a link that is not a or b). */
export async function currentSlot(slotsDir: string): Promise<SlotName | undefined> {
  try {
    const target = await fsp.readlink(path.join(slotsDir, CURRENT))
    return (SLOTS as readonly string[]).includes(target) ? (target as SlotName) : undefined
  } catch {
    return undefined
  }
}

/** The slot this program runs from, if its package root is a slot of `slotsDir`. */
export function runningSlot(slotsDir: string, appRoot: string): SlotName | undefined {
  try {
    const root = realpathSync(appRoot)
    const dir = realpathSync(slotsDir)
    const name = path.basename(root)
    return path.dirname(root) === dir && (SLOTS as readonly string[]).includes(name) ? (name as SlotName) : undefined
  } catch {
    return undefined
  }
}

/** Points `current` at `slot` atomically: a new link under a temp name renamed over the old one. */
export async function switchCurrent(slotsDir: string, slot: SlotName): Promise<void> {
  const tmp = path.join(slotsDir, `${CURRENT}.tmp-${process.pid}`)
  await fsp.rm(tmp, { force: true })
  await fsp.symlink(slot, tmp)
  await fsp.rename(tmp, path.join(slotsDir, CURRENT))
  await fsyncDir(slotsDir)
}

/** Reads state.json; a missing or unreadable file is an empty state (it only holds the trial and a report). */
export async function readSlotState(slotsDir: string): Promise<SlotState> {
  try {
    const data: unknown = JSON.parse(await fsp.readFile(path.join(slotsDir, STATE_FILE), 'utf8'))
    if (validState(data)) return data
  } catch {
    // absent or torn: nothing on trial
  }
  return { format: 1 }
}

export async function writeSlotState(slotsDir: string, state: SlotState): Promise<void> {
  await writeFileDurable(path.join(slotsDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n', { mode: 0o644 })
}
