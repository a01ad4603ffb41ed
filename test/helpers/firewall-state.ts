import type { FirewallState } from '../../src/policy/firewall/state.js'

/** A minimal valid hub state for firewall tests; each test overrides what it is about. */
export function firewallState(over: Partial<FirewallState> = {}): FirewallState {
  return {
    lanInterfaces: [{ name: 'eth0', subnets: ['192.168.1.0/24'] }],
    wanInterfaces: [],
    listeners: { mqtts: 8883, https: 8443 },
    ipDevices: [],
    uplinkHosts: [],
    updateHosts: [],
    dnsServers: [],
    ntpServers: [],
    lockdown: false,
    ...over,
  }
}
