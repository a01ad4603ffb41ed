import type { FirewallState } from './state.js'

/**
 * The policy a hub applies on its very first boot, before the network is up (issue 10 item 3:
 * "the nftables policy active from first boot"). The hub writes its real state only once it
 * runs — after DHCP gave the LAN an address — so without this, the first boot would bring the
 * network up with no policy at all for the seconds until then.
 *
 * What it allows: each link the machine has (but loopback and WAN-side links) is a LAN link with
 * no subnets yet, so the compiler opens only what keeps the link working — DHCP, IPv6 neighbour
 * discovery, mDNS, rate-limited ICMP — and no service port (those rules need the LAN's subnets).
 * No resolvers, no time or update servers: nothing goes out but DHCP and mDNS until the hub
 * writes the state it gathered, moments after it starts. Pure: the caller lists the links.
 */
export function bootFirewallState(links: string[], settings: { lanInterfaces: string[]; wanInterfaces: string[] }, listeners: FirewallState['listeners']): FirewallState {
  const named = settings.lanInterfaces.length > 0
  const lan = [...new Set(links)]
    .filter((l) => l !== 'lo' && /^[a-zA-Z0-9_.-]{1,15}$/.test(l) && !settings.wanInterfaces.includes(l) && (!named || settings.lanInterfaces.includes(l)))
    .sort()
    .slice(0, 16)
  return {
    lanInterfaces: lan.map((name) => ({ name, subnets: [] })),
    wanInterfaces: [...settings.wanInterfaces],
    listeners,
    ipDevices: [],
    uplinkHosts: [],
    updateHosts: [],
    dnsServers: [],
    ntpServers: [],
    lockdown: false,
  }
}
