import { HubError } from '../../core/errors.js'
import { formatCidr, parseCidr } from './ip.js'
import { TABLE, type AddrSet, type Chain, type Match, type Rule, type Ruleset } from './ruleset.js'

/**
 * Ruleset (data) → nftables text. The renderer trusts nothing it is given: every interface name,
 * address, port, ICMP type and comment is checked against a strict grammar again here, so a
 * ruleset built by hand (or by a future bug in the compiler) still cannot smuggle nft syntax.
 * Output is deterministic: sets inside a rule are sorted; the order of rules is the data's order.
 */

const IFNAME = /^[a-zA-Z0-9_.-]{1,15}$/
const WORD = /^[a-z0-9-]{1,32}$/
// nft keeps at most 128 bytes of comment (NFTNL_UDATA_COMMENT_MAXLEN); no quotes or backslashes.
const COMMENT = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,128}$/

const unsafe = (what: string, value: unknown): HubError =>
  new HubError('HUB_ERR_INTERNAL', `firewall render: unsafe ${what}`, { value: String(value) })

function check(re: RegExp, what: string, value: string): string {
  if (!re.test(value)) throw unsafe(what, value)
  return value
}

function port(p: number): string {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw unsafe('port', p)
  return String(p)
}

function addr(value: string): string {
  const p = parseCidr(value)
  if (!p || formatCidr(p) !== value) throw unsafe('address', value) // only canonical spellings
  return value
}

const comment = (text: string) => `comment "${check(COMMENT, 'comment', text)}"`

/** `x` for one element, `{ a, b }` for several (sorted: order carries no meaning in a set). */
function set(values: string[], sortNumeric = false): string {
  if (values.length === 0) throw unsafe('empty set', '')
  const sorted = sortNumeric ? [...values] : [...values].sort()
  return sorted.length === 1 ? sorted[0]! : `{ ${sorted.join(', ')} }`
}

function renderMatch(m: Match): string {
  switch (m.kind) {
    case 'iif':
    case 'oif':
      return `${m.kind} "${check(/^lo$/, 'interface', m.name)}"`
    case 'iifname':
    case 'oifname':
      return `${m.kind} ${set(m.names.map((n) => `"${check(IFNAME, 'interface name', n)}"`))}`
    case 'ct':
      return `ct state ${[...m.states].map((s) => check(WORD, 'ct state', s)).join(',')}`
    case 'addr':
      // Addresses stay in the compiler's numeric order: nft prints sets in its own order anyway.
      return `${m.family === 4 ? 'ip' : 'ip6'} ${m.dir} ${set(m.values.map(addr), true)}`
    case 'addr-set':
      return `${m.family === 4 ? 'ip' : 'ip6'} ${m.dir} @${check(/^[a-z0-9_]{1,31}$/, 'set name', m.set)}`
    case 'port': {
      const ports = set([...m.ports].sort((a, b) => a - b).map(port), true)
      return m.proto === 'tcp+udp' ? `meta l4proto { tcp, udp } th ${m.dir} ${ports}` : `${m.proto} ${m.dir} ${ports}`
    }
    case 'icmp':
      return `${m.family === 4 ? 'icmp' : 'icmpv6'} type ${set(m.types.map((t) => check(WORD, 'icmp type', t)))}`
    case 'hoplimit':
      return `ip6 hoplimit ${port(m.value)}`
    case 'limit':
      return `limit rate ${port(m.perSecond)}/second burst ${port(m.burst)} packets`
  }
}

/** One rule's conditions and verdict, without its comment (what `policy show` lists). */
export function renderRuleBody(rule: Rule): string {
  return [...rule.match.map(renderMatch), rule.verdict === 'accept' ? 'accept' : 'drop'].join(' ')
}

function renderSet(s: AddrSet): string[] {
  const type = s.family === 4 ? 'ipv4_addr' : 'ipv6_addr'
  const elems = s.elements.map((e) => `${addr(e.value)} ${comment(e.label)}`)
  return [
    `\tset ${check(/^[a-z0-9_]{1,31}$/, 'set name', s.name)} {`,
    `\t\ttype ${type}`,
    `\t\t${comment(s.reason)}`,
    ...(elems.length > 0 ? [`\t\telements = { ${elems.join(',\n\t\t\t     ')} }`] : []),
    '\t}',
  ]
}

function renderChain(c: Chain): string[] {
  return [
    `\tchain ${c.name} {`,
    `\t\ttype filter hook ${c.name} priority filter; policy ${c.policy};`,
    `\t\t${comment(c.reason)}`,
    ...c.rules.map((r) => `\t\t${renderRuleBody(r)} ${comment(r.reason)}`),
    '\t}',
  ]
}

/** The `table inet hearth { … }` definition, with a comment on every set, chain and rule. */
export function renderRuleset(r: Ruleset): string {
  const lines = [
    `table ${TABLE.family} ${TABLE.name} {`,
    `\t${comment(r.reason)}`,
    ...r.sets.flatMap((s) => [...renderSet(s), '']),
    ...r.chains.flatMap((c, i) => [...renderChain(c), ...(i < r.chains.length - 1 ? [''] : [])]),
    '}',
  ]
  return lines.join('\n') + '\n'
}

/**
 * The file given to `nft -f`: one transaction that replaces only the hub's table. `add table`
 * first makes `delete table` safe when the table is absent (nft has no "delete if exists" in
 * 1.0.6); all three commands commit together or not at all, so the box is never without policy.
 */
export function renderBatch(r: Ruleset): string {
  return [
    '#!/usr/sbin/nft -f',
    "# Hearth firewall: generated from the hub's state; edits are overwritten on the next change.",
    '# Replaces only table inet hearth, atomically; other tables are left alone.',
    `add table ${TABLE.family} ${TABLE.name}`,
    `delete table ${TABLE.family} ${TABLE.name}`,
    renderRuleset(r),
  ].join('\n')
}

/** One row per rule, for `hearth policy show` and the web security page. */
export interface PolicyRow {
  chain: string
  rule: string
  reason: string
}

/** The ruleset as rows: each chain's rules in evaluation order, then its default. */
export function policyRows(r: Ruleset): PolicyRow[] {
  return r.chains.flatMap((c) => [
    ...c.rules.map((rule) => ({ chain: c.name, rule: renderRuleBody(rule), reason: rule.reason })),
    { chain: c.name, rule: `policy ${c.policy}`, reason: `default: ${c.reason}, nothing else` },
  ])
}
