import { checkState, type CheckedState } from './state.js'
import { formatCidr, formatIp, type IpPrefix } from './ip.js'
import type { AddrSet, Chain, Family, Match, Rule, Ruleset } from './ruleset.js'

/**
 * The pure firewall compiler: hub state → the `inet hearth` table as data. Least privilege
 * (EN 303 645 5.6-1: unused network ports closed; OWASP IoT I2, I9): input, output and forward
 * default to drop, and each accept names the listener or service that needs it.
 *
 * Normal mode, input: replies; loopback; IPv6 neighbour discovery; from the LAN only MQTTS,
 * HTTPS (+ the HTTP redirect port), mDNS and DHCP replies; paired IP devices MQTTS only;
 * nothing new from WAN-side interfaces. Output: replies, loopback, DNS, NTP, uplink and update
 * hosts, the LAN. Lockdown (software integrity failed): only HTTPS from the LAN, plus what keeps
 * the link itself alive (neighbour discovery, DHCP), because the web UI is how the owner recovers.
 */
export function compileRuleset(input: unknown): Ruleset {
  const s = checkState(input)
  const sets = deviceSets(s)
  return {
    mode: s.lockdown ? 'lockdown' : 'normal',
    reason: s.lockdown
      ? 'Hearth firewall, LOCKDOWN: software integrity failed; only the web UI is reachable from the LAN'
      : 'Hearth firewall: the hub exposes only what it uses (EN 303 645 5.6)',
    sets,
    chains: [inputChain(s, sets), outputChain(s), forwardChain()],
  }
}

const ESTABLISHED: Rule = { match: [{ kind: 'ct', states: ['established', 'related'] }], verdict: 'accept', reason: 'replies to connections already allowed' }
const INVALID: Rule = { match: [{ kind: 'ct', states: ['invalid'] }], verdict: 'drop', reason: 'packets that belong to no valid connection' }
const ICMP_LIMIT: Match = { kind: 'limit', perSecond: 10, burst: 20 }
const byFamily = (list: IpPrefix[], f: Family) => list.filter((p) => p.family === f).map(formatCidr)

function deviceSets(s: CheckedState): AddrSet[] {
  return ([4, 6] as const)
    .map((f) => ({
      name: `ip_devices_v${f}`,
      family: f,
      reason: `paired IP devices (IPv${f}): MQTTS only`,
      elements: s.devices.filter((d) => d.address.family === f).map((d) => ({ value: formatIp(d.address), label: d.id })),
    }))
    .filter((set) => set.elements.length > 0)
}

function inputChain(s: CheckedState, sets: AddrSet[]): Chain {
  const lanNames = s.lan.map((l) => l.name)
  const fromLan: Match = { kind: 'iifname', names: lanNames }
  const rules: Rule[] = [
    ESTABLISHED,
    INVALID,
    { match: [{ kind: 'iif', name: 'lo' }], verdict: 'accept', reason: "loopback: the hub's own processes talk to each other" },
    {
      // RFC 4861 7.1: ND messages must arrive with hop limit 255, which proves they are on-link.
      match: [{ kind: 'icmp', family: 6, types: ['nd-neighbor-solicit', 'nd-neighbor-advert', 'nd-router-advert'] }, { kind: 'hoplimit', value: 255 }],
      verdict: 'accept',
      reason: 'IPv6 neighbour discovery keeps the link working (RFC 4861, hop limit 255 = on-link)',
    },
  ]
  if (s.wan.length > 0) rules.push({ match: [{ kind: 'iifname', names: s.wan }], verdict: 'drop', reason: 'nothing new from WAN-side interfaces' })
  for (const set of sets) {
    // Devices first: their addresses are inside the LAN subnets, so the LAN rules below would
    // otherwise let them reach the web admin (issue 6, item 3).
    if (!s.lockdown && lanNames.length > 0)
      rules.push({
        match: [fromLan, { kind: 'addr-set', family: set.family, dir: 'saddr', set: set.name }, { kind: 'port', proto: 'tcp', dir: 'dport', ports: [s.listeners.mqtts] }],
        verdict: 'accept',
        reason: `paired IP devices (IPv${set.family}) may reach MQTTS`,
      })
    rules.push({
      match: [{ kind: 'addr-set', family: set.family, dir: 'saddr', set: set.name }],
      verdict: 'drop',
      reason: `paired IP devices (IPv${set.family}) reach nothing else on the hub: not the web admin`,
    })
  }
  if (s.listeners.mqttPlainLoopback !== undefined)
    rules.push({
      match: [{ kind: 'port', proto: 'tcp', dir: 'dport', ports: [s.listeners.mqttPlainLoopback] }],
      verdict: 'drop',
      reason: 'plain MQTT is for loopback only, never from the network',
    })
  const { mqtts, https, httpRedirect } = s.listeners
  const ports = s.lockdown ? [https] : [https, mqtts, ...(httpRedirect !== undefined ? [httpRedirect] : [])]
  const what = s.lockdown ? 'only the web UI (HTTPS): lockdown' : `MQTTS and HTTPS${httpRedirect !== undefined ? ' (+ HTTP redirect)' : ''}`
  for (const l of s.lan)
    for (const f of [4, 6] as const) {
      const subnets = byFamily(l.subnets, f)
      if (subnets.length === 0) continue
      rules.push({
        match: [{ kind: 'iifname', names: [l.name] }, { kind: 'addr', family: f, dir: 'saddr', values: subnets }, { kind: 'port', proto: 'tcp', dir: 'dport', ports: [...ports].sort((a, b) => a - b) }],
        verdict: 'accept',
        reason: `LAN ${l.name} (IPv${f}) may reach ${what}`,
      })
    }
  if (lanNames.length > 0) {
    // A DHCP reply is not a service of the hub; it keeps the hub's own address (RFC 2131, RFC 8415).
    rules.push(
      { match: [fromLan, { kind: 'port', proto: 'udp', dir: 'sport', ports: [67] }, { kind: 'port', proto: 'udp', dir: 'dport', ports: [68] }], verdict: 'accept', reason: "DHCP replies: the hub's own IPv4 address" },
      { match: [fromLan, { kind: 'port', proto: 'udp', dir: 'sport', ports: [547] }, { kind: 'port', proto: 'udp', dir: 'dport', ports: [546] }], verdict: 'accept', reason: "DHCPv6 replies: the hub's own IPv6 address" },
    )
    if (!s.lockdown) rules.push(...lanExtras(fromLan))
  }
  return { name: 'input', policy: 'drop', reason: 'what may reach the hub', rules }
}

function lanExtras(fromLan: Match): Rule[] {
  return [
    { match: [fromLan, { kind: 'port', proto: 'udp', dir: 'dport', ports: [5353] }], verdict: 'accept', reason: 'mDNS from the LAN: clients find the hub as <name>.local (RFC 6762)' },
    {
      // RFC 3810 5.1.14 / 5.2.13: MLD queries come from link-local sources with hop limit 1.
      match: [fromLan, { kind: 'addr', family: 6, dir: 'saddr', values: ['fe80::/10'] }, { kind: 'icmp', family: 6, types: ['mld-listener-query'] }, { kind: 'hoplimit', value: 1 }],
      verdict: 'accept',
      reason: 'MLD queries keep IPv6 multicast (mDNS) flowing through snooping switches (RFC 3810)',
    },
    {
      match: [fromLan, { kind: 'icmp', family: 4, types: ['destination-unreachable', 'echo-request', 'parameter-problem', 'time-exceeded'] }, ICMP_LIMIT],
      verdict: 'accept',
      reason: 'ICMP from the LAN (ping, errors), rate-limited to 10/s',
    },
    {
      match: [fromLan, { kind: 'icmp', family: 6, types: ['destination-unreachable', 'echo-request', 'packet-too-big', 'parameter-problem', 'time-exceeded'] }, ICMP_LIMIT],
      verdict: 'accept',
      reason: 'ICMPv6 from the LAN (ping, errors, PMTU), rate-limited to 10/s (RFC 4890)',
    },
  ]
}

function outputChain(s: CheckedState): Chain {
  const toLan: Match = { kind: 'oifname', names: s.lan.map((l) => l.name) }
  const rules: Rule[] = [
    ESTABLISHED,
    INVALID,
    { match: [{ kind: 'oif', name: 'lo' }], verdict: 'accept', reason: "loopback: the hub's own processes talk to each other" },
    {
      match: [{ kind: 'icmp', family: 6, types: ['mld-listener-report', 'mld2-listener-report', 'nd-neighbor-advert', 'nd-neighbor-solicit', 'nd-router-solicit'] }],
      verdict: 'accept',
      reason: 'IPv6 neighbour discovery and multicast listener reports (RFC 4861, RFC 3810)',
    },
  ]
  if (s.lan.length > 0)
    rules.push(
      { match: [toLan, { kind: 'port', proto: 'udp', dir: 'sport', ports: [68] }, { kind: 'port', proto: 'udp', dir: 'dport', ports: [67] }], verdict: 'accept', reason: "DHCP requests: the hub's own IPv4 address" },
      { match: [toLan, { kind: 'port', proto: 'udp', dir: 'sport', ports: [546] }, { kind: 'port', proto: 'udp', dir: 'dport', ports: [547] }], verdict: 'accept', reason: "DHCPv6 requests: the hub's own IPv6 address" },
    )
  // Lockdown: software integrity failed, so the hub may be running someone else's code; it
  // opens nothing to the outside world (no uplink, no DNS to tunnel through) until restored.
  if (!s.lockdown) rules.push(...outsideWorld(s, toLan))
  return { name: 'output', policy: 'drop', reason: 'what the hub may reach', rules }
}

function outsideWorld(s: CheckedState, toLan: Match): Rule[] {
  const rules: Rule[] = []
  for (const f of [4, 6] as const) {
    const dns = s.dns.filter((a) => a.family === f).map(formatIp)
    if (dns.length > 0)
      rules.push({ match: [{ kind: 'addr', family: f, dir: 'daddr', values: dns }, { kind: 'port', proto: 'tcp+udp', dir: 'dport', ports: [53] }], verdict: 'accept', reason: `DNS to the configured resolvers (IPv${f})` })
  }
  for (const f of [4, 6] as const) {
    const ntp = s.ntp.filter((a) => a.family === f).map(formatIp)
    if (ntp.length > 0)
      rules.push({ match: [{ kind: 'addr', family: f, dir: 'daddr', values: ntp }, { kind: 'port', proto: 'udp', dir: 'dport', ports: [123] }], verdict: 'accept', reason: `NTP to the configured time servers (IPv${f})` })
  }
  const hostRules = (list: CheckedState['uplink'], what: string) =>
    list.map<Rule>((e) => ({
      match: [{ kind: 'addr', family: e.address.family, dir: 'daddr', values: [formatIp(e.address)] }, { kind: 'port', proto: 'tcp', dir: 'dport', ports: [e.port] }],
      verdict: 'accept',
      reason: `${what} ${e.host ?? formatIp(e.address)} port ${e.port}`,
    }))
  rules.push(...hostRules(s.uplink, 'uplink'), ...hostRules(s.update, 'update host'))
  if (s.lan.length > 0)
    rules.push({ match: [toLan, { kind: 'port', proto: 'udp', dir: 'dport', ports: [5353] }], verdict: 'accept', reason: 'mDNS answers and announcements to the LAN (RFC 6762)' })
  for (const l of s.lan)
    for (const f of [4, 6] as const) {
      const subnets = byFamily(l.subnets, f)
      if (subnets.length > 0)
        rules.push({ match: [{ kind: 'oifname', names: [l.name] }, { kind: 'addr', family: f, dir: 'daddr', values: subnets }], verdict: 'accept', reason: `the LAN on ${l.name} (IPv${f}): devices and integrations` })
    }
  return rules
}

function forwardChain(): Chain {
  return {
    name: 'forward',
    policy: 'drop',
    reason: 'the hub routes nothing',
    rules: [{ match: [], verdict: 'drop', reason: 'nothing is forwarded through the hub: not between devices, not between networks' }],
  }
}
