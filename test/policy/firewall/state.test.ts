import t from 'tap'
import { HubError } from '../../../src/core/errors.js'
import { compileRuleset } from '../../../src/policy/firewall/compile.js'
import { formatCidr, formatIp, parseCidr, parseIp } from '../../../src/policy/firewall/ip.js'
import { renderRuleset } from '../../../src/policy/firewall/render.js'
import type { Ruleset } from '../../../src/policy/firewall/ruleset.js'
import type { FirewallState } from '../../../src/policy/firewall/state.js'

const ok: FirewallState = {
  lanInterfaces: [{ name: 'eth0', subnets: ['192.168.1.0/24'] }],
  wanInterfaces: ['wwan0'],
  listeners: { mqtts: 8883, https: 8443 },
  ipDevices: [{ id: 'plug-1', address: '192.168.1.40' }],
  uplinkHosts: [{ address: '203.0.113.5', port: 8883, host: 'mqtt.example.net' }],
  updateHosts: [],
  dnsServers: ['192.168.1.1'],
  ntpServers: [],
  lockdown: false,
}

t.test('addresses: strict parsing, one canonical spelling', async (t) => {
  const rows: Array<[string, string | undefined]> = [
    ['192.168.1.23/24', '192.168.1.0/24'],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.1/32', '10.0.0.1'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8::1/48', '2001:db8::/48'],
    ['fe80::9a1:22ff:fe33:4455/64', 'fe80::/64'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // RFC 5952 4.2.2: one zero group stays
    ['256.1.1.1', undefined],
    ['01.2.3.4', undefined], // leading zeros are octal to some parsers: refused
    ['1.2.3.4/33', undefined],
    ['1.2.3.4/08', undefined],
    ['fe80::1%eth0', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1::2::3', undefined],
    ['10.0.0.0/8 } ; flush ruleset', undefined],
    ['', undefined],
  ]
  for (const [input, want] of rows) {
    const p = parseCidr(input)
    t.equal(p ? formatCidr(p) : undefined, want, input)
  }
  t.equal(formatIp(parseIp('0:0:0:0:0:0:0:0')!), '::')
  t.equal(formatIp(parseIp('1:0:0:2:0:0:0:3')!), '1:0:0:2::3', 'the longest zero run is shortened')
})

type Mutation = [string, (s: FirewallState) => void, string]
const rows: Mutation[] = [
  ['interface name with nft syntax', (s) => (s.lanInterfaces[0]!.name = 'eth0" accept'), 'lanInterfaces.0.name'],
  ['interface name too long (IFNAMSIZ)', (s) => (s.lanInterfaces[0]!.name = 'a234567890123456'), 'lanInterfaces.0.name'],
  ['loopback as LAN', (s) => (s.lanInterfaces[0]!.name = 'lo'), 'lanInterfaces.0.name'],
  ['same LAN interface twice', (s) => s.lanInterfaces.push({ name: 'eth0', subnets: [] }), 'lanInterfaces.1.name'],
  ['subnet that is no CIDR', (s) => (s.lanInterfaces[0]!.subnets = ['192.168.1.0/24', '192.168.1.0/24 } ; flush ruleset ; {']), 'lanInterfaces.0.subnets.1'],
  ['WAN interface that is also LAN', (s) => (s.wanInterfaces = ['eth0']), 'wanInterfaces.0'],
  ['WAN name with a wildcard', (s) => (s.wanInterfaces = ['ppp*']), 'wanInterfaces.0'],
  ['port 0', (s) => (s.listeners.mqtts = 0), 'listeners.mqtts'],
  ['port above 65535', (s) => (s.listeners.https = 70000), 'listeners.https'],
  ['port as a string', (s) => ((s.listeners as Record<string, unknown>).https = '8443'), 'listeners.https'],
  ['two listeners on one port', (s) => (s.listeners.httpRedirect = 8443), 'listeners.httpRedirect'],
  ['unknown listener', (s) => ((s.listeners as Record<string, unknown>).ssh = 22), 'listeners.ssh'],
  ['device address that is a name', (s) => (s.ipDevices[0]!.address = 'plug.local'), 'ipDevices.0.address'],
  ['device address that is a prefix', (s) => (s.ipDevices[0]!.address = '192.168.1.0/24'), 'ipDevices.0.address'],
  ['device id with a quote', (s) => (s.ipDevices[0]!.id = 'plug"1'), 'ipDevices.0.id'],
  ['two devices on one address', (s) => s.ipDevices.push({ id: 'plug-2', address: '192.168.1.40' }), 'ipDevices.1.address'],
  ['uplink given as a hostname', (s) => (s.uplinkHosts[0]!.address = 'mqtt.example.net'), 'uplinkHosts.0.address'],
  ['uplink label with a quote', (s) => (s.uplinkHosts[0]!.host = 'x"; flush ruleset'), 'uplinkHosts.0.host'],
  ['update port 0', (s) => s.updateHosts.push({ address: '198.51.100.7', port: 0 }), 'updateHosts.0.port'],
  ['DNS server that is a name', (s) => (s.dnsServers = ['dns.example']), 'dnsServers.0'],
  ['NTP server with a prefix', (s) => (s.ntpServers = ['192.0.2.0/24']), 'ntpServers.0'],
  ['lockdown as a string', (s) => ((s as Record<string, unknown>).lockdown = 'yes'), 'lockdown'],
  ['a field that does not exist', (s) => ((s as Record<string, unknown>).extra = []), 'extra'],
  ['too many DNS servers', (s) => (s.dnsServers = Array.from({ length: 9 }, (_, i) => `192.0.2.${i}`)), 'dnsServers'],
]

t.test('bad state → HUB_ERR_FIREWALL_STATE naming the field', async (t) => {
  t.doesNotThrow(() => compileRuleset(ok), 'the base state is valid')
  for (const [what, mutate, field] of rows) {
    const s = structuredClone(ok)
    mutate(s)
    try {
      compileRuleset(s)
      t.fail(`${what}: accepted`)
    } catch (err) {
      t.ok(err instanceof HubError && err.code === 'HUB_ERR_FIREWALL_STATE', `${what}: coded`)
      t.equal((err as HubError).details?.field, field, `${what}: names ${field}`)
      t.match((err as HubError).message, field)
    }
  }
  t.throws(() => compileRuleset(null), { code: 'HUB_ERR_FIREWALL_STATE' })
})

t.test('overlapping subnets are reduced (nft refuses overlapping intervals in one set)', async (t) => {
  const s = structuredClone(ok)
  s.lanInterfaces[0]!.subnets = ['10.1.2.0/24', '10.0.0.0/8', '10.0.0.0/8', '192.168.1.0/24']
  const input = compileRuleset(s).chains[0]!.rules.find((r) => r.reason.startsWith('LAN eth0 (IPv4)'))!
  t.match(input.match, [{}, { kind: 'addr', values: ['10.0.0.0/8', '192.168.1.0/24'] }])
})

t.test('the renderer re-checks what it is given: hand-built data cannot inject nft', async (t) => {
  const good = compileRuleset(ok)
  const tamper = (f: (r: Ruleset) => void) => {
    const r = structuredClone(good)
    f(r)
    return () => renderRuleset(r)
  }
  t.doesNotThrow(tamper(() => {}))
  t.throws(tamper((r) => (r.chains[0]!.rules[0]!.reason = 'x" ; flush ruleset ; #')), { code: 'HUB_ERR_INTERNAL' }, 'quote in a comment')
  t.throws(tamper((r) => (r.chains[0]!.rules[0]!.reason = 'x'.repeat(129))), { code: 'HUB_ERR_INTERNAL' }, 'comment over 128 bytes')
  t.throws(tamper((r) => r.chains[0]!.rules.push({ match: [{ kind: 'iifname', names: ['eth0" '] }], verdict: 'accept', reason: 'x' })), { code: 'HUB_ERR_INTERNAL' })
  t.throws(tamper((r) => r.chains[0]!.rules.push({ match: [{ kind: 'addr', family: 4, dir: 'saddr', values: ['10.0.0.1/8'] }], verdict: 'accept', reason: 'x' })), { code: 'HUB_ERR_INTERNAL' }, 'non-canonical prefix')
  t.throws(tamper((r) => r.chains[0]!.rules.push({ match: [{ kind: 'port', proto: 'tcp', dir: 'dport', ports: [0] }], verdict: 'accept', reason: 'x' })), { code: 'HUB_ERR_INTERNAL' })
  t.throws(tamper((r) => r.chains[0]!.rules.push({ match: [{ kind: 'icmp', family: 4, types: ['echo-request }'] }], verdict: 'accept', reason: 'x' })), { code: 'HUB_ERR_INTERNAL' })
})
