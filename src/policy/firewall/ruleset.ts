/**
 * The hub's firewall as data: what `compileRuleset` produces and `renderRuleset` turns into
 * nftables text. Every rule and set carries the reason it exists; `hearth policy show` and the
 * web security page print these reasons, and the nft text carries them as comments.
 */

/** The only table the hub ever creates, changes or deletes. */
export const TABLE = { family: 'inet', name: 'hearth' } as const

export type Verdict = 'accept' | 'drop'
export type Family = 4 | 6
export type CtState = 'established' | 'related' | 'invalid'

/** One condition of a rule; all conditions of a rule must hold. Values are canonical and validated. */
export type Match =
  | { kind: 'iif' | 'oif'; name: 'lo' }
  | { kind: 'iifname' | 'oifname'; names: string[] }
  | { kind: 'ct'; states: CtState[] }
  | { kind: 'addr'; family: Family; dir: 'saddr' | 'daddr'; values: string[] }
  | { kind: 'addr-set'; family: Family; dir: 'saddr' | 'daddr'; set: string }
  | { kind: 'port'; proto: 'tcp' | 'udp' | 'tcp+udp'; dir: 'sport' | 'dport'; ports: number[] }
  | { kind: 'icmp'; family: Family; types: string[] }
  | { kind: 'hoplimit'; value: number }
  | { kind: 'limit'; perSecond: number; burst: number }

/** A rule: conditions, a verdict, and why it is there (becomes the nft comment; ≤ 128 bytes). */
export interface Rule {
  match: Match[]
  verdict: Verdict
  reason: string
}

/** A base chain; every chain of the hub's table defaults to drop. */
export interface Chain {
  name: 'input' | 'output' | 'forward'
  policy: 'drop'
  reason: string
  rules: Rule[]
}

/** A named set of single addresses (the paired IP devices), each element labelled. */
export interface AddrSet {
  name: string
  family: Family
  reason: string
  elements: Array<{ value: string; label: string }>
}

/** The whole `inet hearth` table. */
export interface Ruleset {
  mode: 'normal' | 'lockdown'
  reason: string
  sets: AddrSet[]
  chains: Chain[]
}

/** Counts the rules of each chain, in chain order: what a read-back must find again. */
export function ruleCounts(ruleset: Ruleset): Record<string, number> {
  return Object.fromEntries(ruleset.chains.map((c) => [c.name, c.rules.length]))
}
