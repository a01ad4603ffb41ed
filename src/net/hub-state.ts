import { promises as dnsp } from 'node:dns'
import type { NetworkInterfaceInfo } from 'node:os'
import { parseCidr, parseIp, formatCidr } from '../policy/firewall/ip.js'
import type { Endpoint, FirewallState } from '../policy/firewall/state.js'

/**
 * Gathers the firewall state from the machine (I/O): interfaces and their subnets, resolvers,
 * and uplink/update hostnames resolved to addresses. The compiler takes addresses only, so names
 * are resolved here, now, and the ruleset lists exactly what it opens; call `gatherFirewallState`
 * again periodically (and on DHCP/address changes) — an unchanged result is not re-applied.
 */

/** Operator settings (from the config): interface names and host lists. */
export interface FirewallSettings {
  /** LAN-side interfaces; empty: every non-loopback interface with an address that is not WAN. */
  lanInterfaces: string[]
  wanInterfaces: string[]
  /** Resolver addresses; empty: the `nameserver` lines of /etc/resolv.conf. */
  dnsServers: string[]
  /** NTP servers, addresses or hostnames. */
  ntpServers: string[]
  /** `host:port` or `[v6]:port`. */
  uplinkHosts: string[]
  updateHosts: string[]
}

export interface GatherDeps {
  /** `os.networkInterfaces()`. */
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>
  /** Text of /etc/resolv.conf ('' if unreadable). */
  resolvConf: string
  /** Resolves a hostname to all its addresses (default: `dns.lookup` with `all: true`). */
  lookup?: (host: string) => Promise<string[]>
}

/** What could not be resolved; the rest is applied and these are retried on the next gather. */
export interface GatherResult {
  state: FirewallState
  unresolved: string[]
}

const defaultLookup = async (host: string) => (await dnsp.lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/** `nameserver` lines of resolv.conf, addresses only (a scope suffix like `%eth0` is dropped). */
export function resolvConfServers(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+([0-9A-Fa-f:.]+)(%\S+)?\s*$/.exec(l)?.[1])
    .filter((a): a is string => a !== undefined && parseIp(a) !== undefined)
}

/** Splits `host:port` / `[v6]:port`; `undefined` if malformed. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([A-Za-z0-9.-]{1,253}):(\d{1,5})$/.exec(text)
  if (!m) return undefined
  const port = Number(m[2])
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined
}

const linkLocal = (a: NetworkInterfaceInfo) => a.family === 'IPv6' && /^fe[89ab]/i.test(a.address)

/**
 * LAN interfaces with the subnets of their addresses (`192.168.1.23/24` → `192.168.1.0/24`).
 * Found automatically (no `lanInterfaces` set): every interface with a routable address that is
 * not WAN-side — link-local-only ones (a Docker host's veths) are not a LAN — capped at the
 * schema's 16 interfaces × 32 subnets, so a busy development machine still starts.
 */
export function lanFromInterfaces(ifs: GatherDeps['interfaces'], settings: Pick<FirewallSettings, 'lanInterfaces' | 'wanInterfaces'>): FirewallState['lanInterfaces'] {
  const auto = settings.lanInterfaces.length === 0
  const wanted = (name: string, addrs: NetworkInterfaceInfo[]) =>
    auto ? !settings.wanInterfaces.includes(name) && addrs.some((a) => !a.internal && !linkLocal(a)) : settings.lanInterfaces.includes(name)
  const found = Object.entries(ifs)
    .filter(([name, addrs]) => addrs && name !== 'lo' && /^[a-zA-Z0-9_.-]{1,15}$/.test(name) && wanted(name, addrs))
    .map(([name, addrs]) => ({
      name,
      subnets: [...new Set((addrs ?? []).filter((a) => !a.internal && a.cidr).map((a) => parseCidr(a.cidr!)).filter((p) => p !== undefined).map(formatCidr))],
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
  return auto ? found.slice(0, 16).map((l) => ({ ...l, subnets: l.subnets.slice(0, 32) })) : found
}

async function resolveAll(hosts: string[], lookup: (h: string) => Promise<string[]>, unresolved: string[]): Promise<Array<{ host: string; address: string }>> {
  const out: Array<{ host: string; address: string }> = []
  for (const host of hosts) {
    if (parseIp(host)) {
      out.push({ host, address: host })
      continue
    }
    try {
      for (const address of await lookup(host)) if (parseIp(address)) out.push({ host, address })
    } catch {
      unresolved.push(host)
    }
  }
  return out
}

async function endpoints(list: string[], lookup: (h: string) => Promise<string[]>, unresolved: string[]): Promise<Endpoint[]> {
  const out: Endpoint[] = []
  for (const item of list) {
    const hp = parseHostPort(item)
    if (!hp) {
      unresolved.push(item)
      continue
    }
    for (const r of await resolveAll([hp.host], lookup, unresolved))
      out.push({ address: r.address, port: hp.port, ...(parseIp(hp.host) ? {} : { host: hp.host }) })
  }
  return out
}

/** Builds the compiler's input from settings, listeners, devices and the machine's view. */
export async function gatherFirewallState(
  settings: FirewallSettings,
  hub: { listeners: FirewallState['listeners']; ipDevices: FirewallState['ipDevices']; lockdown: boolean },
  deps: GatherDeps,
): Promise<GatherResult> {
  const lookup = deps.lookup ?? defaultLookup
  const unresolved: string[] = []
  const state: FirewallState = {
    lanInterfaces: lanFromInterfaces(deps.interfaces, settings),
    wanInterfaces: [...settings.wanInterfaces],
    listeners: hub.listeners,
    ipDevices: hub.ipDevices,
    uplinkHosts: (await endpoints(settings.uplinkHosts, lookup, unresolved)).slice(0, 64),
    updateHosts: (await endpoints(settings.updateHosts, lookup, unresolved)).slice(0, 64),
    // The schema's caps (8 resolvers, 8 time servers, 64 hosts): a pool name can return many.
    dnsServers: (settings.dnsServers.length > 0 ? settings.dnsServers : resolvConfServers(deps.resolvConf)).slice(0, 8),
    ntpServers: [...new Set((await resolveAll(settings.ntpServers, lookup, unresolved)).map((r) => r.address))].slice(0, 8),
    lockdown: hub.lockdown,
  }
  return { state, unresolved }
}
