import { createHash } from 'node:crypto'
import { renderBatch } from '../policy/firewall/render.js'
import { TABLE, ruleCounts, type Ruleset } from '../policy/firewall/ruleset.js'
import type { NftResult, NftRunner } from './nft.js'

/** The outcome of one attempt to apply the hub's table. Never thrown: the caller decides. */
export type ApplyOutcome =
  | { applied: true; digest: string; rules: Record<string, number> }
  | {
      applied: false
      /** One line, for the log and `hearth policy show`. */
      reason: string
      /** True when nft is absent or not permitted here (a development machine), not a broken ruleset. */
      unavailable: boolean
    }

/** What a read-back found: per chain its hook, policy and rule comments in order; per set its size. */
export interface TableSummary {
  chains: Record<string, { hook: string; policy: string; comments: string[] }>
  sets: Record<string, number>
}

/** SHA-256 of the batch text: the identity of a ruleset (same state → same digest). */
export function rulesetDigest(batch: string): string {
  return createHash('sha256').update(batch).digest('hex')
}

const firstLine = (s: string) => s.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? ''

/** Sorts a failed nft run into "not possible here" (say so, keep running) and "a real failure". */
export function classifyFailure(r: NftResult): { reason: string; unavailable: boolean } {
  if (r.spawnError === 'ENOENT') return { reason: 'nft is not installed (package nftables)', unavailable: true }
  if (r.spawnError) return { reason: `nft could not be started (${r.spawnError})`, unavailable: true }
  if (/Operation not permitted|Permission denied|EPERM/i.test(r.stderr))
    return { reason: 'not permitted: applying nftables needs CAP_NET_ADMIN (root, or the hearth-firewall helper)', unavailable: true }
  if (/Protocol not supported|Address family not supported/i.test(r.stderr))
    return { reason: 'this kernel has no nf_tables support', unavailable: true }
  return { reason: `nft failed (exit ${r.code ?? 'killed'}): ${firstLine(r.stderr).slice(0, 200)}`, unavailable: false }
}

/** Parses `nft -j list table inet hearth` into a {@link TableSummary}; `undefined` if it is not that. */
export function summarizeListing(json: string): TableSummary | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch {
    return undefined
  }
  const items = (doc as { nftables?: unknown }).nftables
  if (!Array.isArray(items)) return undefined
  const out: TableSummary = { chains: {}, sets: {} }
  const ours = (o: { family?: string; table?: string }) => o.family === TABLE.family && o.table === TABLE.name
  for (const item of items as Array<Record<string, Record<string, unknown> | undefined>>) {
    const c = item.chain as { family?: string; table?: string; name: string; hook?: string; policy?: string } | undefined
    if (c && ours(c)) out.chains[c.name] = { hook: c.hook ?? '', policy: c.policy ?? '', comments: [] }
    const s = item.set as { family?: string; table?: string; name: string; elem?: unknown[] } | undefined
    if (s && ours(s)) out.sets[s.name] = s.elem?.length ?? 0
  }
  for (const item of items as Array<Record<string, Record<string, unknown> | undefined>>) {
    const r = item.rule as { family?: string; table?: string; chain: string; comment?: string } | undefined
    if (r && ours(r)) out.chains[r.chain]?.comments.push(r.comment ?? '')
  }
  return out
}

/** What the kernel must hold after applying `ruleset`: `undefined` if it does, else the first difference. */
export function verifySummary(ruleset: Ruleset, found: TableSummary): string | undefined {
  const want = ruleset.chains.map((c) => c.name).sort()
  const got = Object.keys(found.chains).sort()
  if (want.join() !== got.join()) return `chains ${got.join(',') || '(none)'} instead of ${want.join(',')}`
  for (const c of ruleset.chains) {
    const f = found.chains[c.name]!
    if (f.hook !== c.name || f.policy !== c.policy) return `chain ${c.name} is hook ${f.hook} policy ${f.policy}`
    if (f.comments.length !== c.rules.length) return `chain ${c.name} has ${f.comments.length} rules instead of ${c.rules.length}`
    const i = c.rules.findIndex((r, k) => r.reason !== f.comments[k])
    if (i >= 0) return `chain ${c.name} rule ${i + 1} is "${f.comments[i]}"`
  }
  for (const s of ruleset.sets)
    if (found.sets[s.name] !== s.elements.length) return `set ${s.name} has ${found.sets[s.name] ?? 'no'} elements instead of ${s.elements.length}`
  return undefined
}

/** Reads the hub's table back; `undefined` when it is absent. */
export async function readTable(run: NftRunner): Promise<{ summary?: TableSummary; failure?: NftResult }> {
  const r = await run(['-j', 'list', 'table', TABLE.family, TABLE.name])
  if (r.code !== 0) return { failure: r }
  const summary = summarizeListing(r.stdout)
  return summary ? { summary } : { failure: { ...r, code: -1, stderr: 'unreadable JSON from nft -j' } }
}

/**
 * Replaces `table inet hearth` in one nft transaction (`nft -f -`), then reads it back and checks
 * that the chains, policies, rule count and each rule's reason are what was sent. Other tables
 * are never named, flushed or listed. Resolves with the outcome; never throws for nft's sake.
 */
export async function applyRuleset(run: NftRunner, ruleset: Ruleset): Promise<ApplyOutcome> {
  const batch = renderBatch(ruleset)
  const r = await run(['-f', '-'], batch)
  if (r.code !== 0) return { applied: false, ...classifyFailure(r) }
  const back = await readTable(run)
  if (!back.summary) return { applied: false, reason: `read-back failed: ${classifyFailure(back.failure!).reason}`, unavailable: false }
  const diff = verifySummary(ruleset, back.summary)
  if (diff) return { applied: false, reason: `read-back differs: ${diff}`, unavailable: false }
  return { applied: true, digest: rulesetDigest(batch), rules: ruleCounts(ruleset) }
}
