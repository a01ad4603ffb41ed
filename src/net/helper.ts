import { constants as FS, promises as fsp } from 'node:fs'
import path from 'node:path'
import { systemClock, type Clock } from '../core/clock.js'
import { compileRuleset } from '../policy/firewall/compile.js'
import { renderBatch } from '../policy/firewall/render.js'
import { ruleCounts } from '../policy/firewall/ruleset.js'
import { writeFileDurable } from '../store/durable-fs.js'
import { applyRuleset, rulesetDigest, type ApplyOutcome } from './apply.js'
import type { FirewallBackend } from './firewall.js'
import type { NftRunner } from './nft.js'

/**
 * The hand-off between the unprivileged hub and the privileged helper unit
 * (image/systemd/hearth-firewall.service, the only part with CAP_NET_ADMIN).
 *
 * The hub writes its firewall STATE (JSON), not nft text: the helper validates and compiles it
 * itself, so a compromised hub can at most choose among rulesets the compiler can produce for
 * `table inet hearth` — it cannot hand root-equivalent nft commands (`flush ruleset`, other
 * tables) to the privileged side. The helper writes the outcome next to it; the hub waits for a
 * status whose digest matches what it asked for.
 */
export const STATE_FILE = 'state.json'
export const STATUS_FILE = 'status.json'
// A state with every list at its schema maximum is ~150 KB; anything far larger is not ours.
const MAX_STATE_BYTES = 1024 * 1024

/** What the helper leaves in `status.json`. */
export interface HelperStatus {
  digest: string
  applied: boolean
  reason?: string
  mode?: 'normal' | 'lockdown'
}

async function readBounded(file: string, max: number): Promise<string> {
  // O_NOFOLLOW: the privileged reader never follows a link planted in the hub's directory.
  const fh = await fsp.open(file, FS.O_RDONLY | FS.O_NOFOLLOW)
  try {
    const st = await fh.stat()
    if (!st.isFile() || st.size > max) throw new Error(`${path.basename(file)} is not a regular file of at most ${max} bytes`)
    return await fh.readFile('utf8')
  } finally {
    await fh.close()
  }
}

/** The hub side: writes the state for the helper and waits for its verified answer. */
export function helperBackend(opts: { dir: string; clock?: Clock; timeoutMs?: number; pollMs?: number }): FirewallBackend {
  const clock = opts.clock ?? systemClock
  // The helper is a fresh `node --jitless` process: seconds on a Pi 3B+, ~16 s on a first boot under
  // emulation (test/image/booted-card.ts), where a 10 s wait raised a false "firewall not in force"
  // alert into the owner's security log although the policy was applied moments later.
  const timeoutMs = opts.timeoutMs ?? 60_000
  const pollMs = opts.pollMs ?? 200
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  return async (ruleset, state) => {
    const digest = rulesetDigest(renderBatch(ruleset))
    await fsp.mkdir(opts.dir, { recursive: true, mode: 0o700 })
    await writeFileDurable(path.join(opts.dir, STATE_FILE), JSON.stringify(state) + '\n', { mode: 0o600 })
    const until = clock.monotonicMs() + timeoutMs
    for (;;) {
      let status: HelperStatus | undefined
      try {
        status = JSON.parse(await readBounded(path.join(opts.dir, STATUS_FILE), 64 * 1024)) as HelperStatus
      } catch {
        status = undefined // not there yet, or being replaced
      }
      if (status?.digest === digest)
        return status.applied
          ? { applied: true, digest, rules: ruleCounts(ruleset) }
          : { applied: false, reason: `helper: ${status.reason ?? 'failed'}`, unavailable: false }
      if (clock.monotonicMs() >= until)
        return { applied: false, reason: `the hearth-firewall helper did not answer within ${timeoutMs} ms (is hearth-firewall.path enabled?)`, unavailable: false }
      await sleep(pollMs)
    }
  }
}

/**
 * The helper side (`hearth firewall-apply`, run by hearth-firewall.service with CAP_NET_ADMIN):
 * reads the state the hub wrote, compiles it with the same pure compiler, applies and verifies
 * it, and records the outcome for the hub. Resolves with the outcome; never throws for bad input.
 */
export async function runFirewallHelper(opts: { dir: string; run: NftRunner }): Promise<ApplyOutcome> {
  // A path unit does not re-trigger a oneshot that is still running: if the hub wrote a newer
  // state meanwhile, apply again (a few rounds at most; the hub retries after that).
  let last: { digest: string; outcome: ApplyOutcome } | undefined
  for (let round = 0; round < 3; round++) {
    let outcome: ApplyOutcome
    let digest = ''
    let mode: HelperStatus['mode']
    try {
      const ruleset = compileRuleset(JSON.parse(await readBounded(path.join(opts.dir, STATE_FILE), MAX_STATE_BYTES)))
      digest = rulesetDigest(renderBatch(ruleset))
      if (last?.digest === digest) return last.outcome
      mode = ruleset.mode
      outcome = await applyRuleset(opts.run, ruleset)
    } catch (err) {
      outcome = { applied: false, reason: `state rejected: ${(err as Error).message}`, unavailable: false }
    }
    const status: HelperStatus = { digest, applied: outcome.applied, ...(outcome.applied ? {} : { reason: outcome.reason }), ...(mode ? { mode } : {}) }
    await writeFileDurable(path.join(opts.dir, STATUS_FILE), JSON.stringify(status) + '\n', { mode: 0o600 })
    if (!digest) return outcome
    last = { digest, outcome }
  }
  return last!.outcome
}
