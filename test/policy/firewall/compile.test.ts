import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { compileRuleset } from '../../../src/policy/firewall/compile.js'
import { policyRows, renderBatch } from '../../../src/policy/firewall/render.js'
import type { FirewallState } from '../../../src/policy/firewall/state.js'
import { firewallState } from '../../helpers/firewall-state.js'
import { bootFirewallState } from '../../../src/policy/firewall/boot.js'

/** Golden tests: each hub state's nft text is compared byte for byte with a reviewed file. */
const FIXTURES = path.resolve('test/fixtures/firewall')

const base: FirewallState = firewallState({ dnsServers: ['192.168.1.1'], ntpServers: ['192.168.1.1'] })
const withDevices: FirewallState = {
  ...base,
  listeners: { mqtts: 8883, https: 8443, mqttPlainLoopback: 1883 },
  ipDevices: [
    { id: 'plug-kitchen', address: '192.168.1.40' },
    { id: 'sensor-hall', address: '192.168.1.41' },
    { id: 'sensor-hall', address: 'fd00:1::41' },
  ],
}
const withUplink: FirewallState = {
  ...withDevices,
  lanInterfaces: [
    { name: 'wlan0', subnets: ['192.168.1.0/24'] },
    { name: 'eth0', subnets: ['10.0.0.17/24'] },
  ],
  wanInterfaces: ['wwan0'],
  listeners: { mqtts: 8883, https: 8443, httpRedirect: 8080, mqttPlainLoopback: 1883 },
  uplinkHosts: [{ address: '203.0.113.5', port: 8883, host: 'mqtt.example.net' }],
  updateHosts: [
    { address: '2001:db8::10', port: 443, host: 'updates.example.net' },
    { address: '198.51.100.7', port: 443, host: 'updates.example.net' },
  ],
  dnsServers: ['9.9.9.9', '192.168.1.1'],
  ntpServers: ['192.168.1.1', '162.159.200.1'],
}
const ipv6: FirewallState = {
  ...base,
  lanInterfaces: [{ name: 'eth0', subnets: ['192.168.1.0/24', 'fd00:1::/64', '2001:DB8:AB::17/64', 'fe80::9a1:22ff:fe33:4455/64'] }],
  dnsServers: ['fd00:1::1'],
  ntpServers: ['2001:db8:ab::1'],
}
const STATES: Record<string, FirewallState> = {
  normal: base,
  devices: withDevices,
  uplink: withUplink,
  lockdown: { ...withUplink, lockdown: true },
  ipv6,
  'no-lan': { ...base, lanInterfaces: [], dnsServers: [], ntpServers: [] },
  // The image's first boot, before the hub has run (src/policy/firewall/boot.ts).
  'first-boot': bootFirewallState(['lo', 'eth0', 'wlan0', 'wwan0'], { lanInterfaces: [], wanInterfaces: ['wwan0'] }, { mqtts: 8883, https: 8443 }),
}

for (const [name, state] of Object.entries(STATES)) {
  t.test(`golden: ${name}`, async (t) => {
    const text = renderBatch(compileRuleset(state))
    const file = path.join(FIXTURES, `${name}.nft`)
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text)
    t.ok(existsSync(file), `${file} exists (UPDATE_GOLDEN=1 writes it after review)`)
    t.equal(text, readFileSync(file, 'utf8'), 'byte-identical to the reviewed file')
    t.match(text, /^add table inet hearth\ndelete table inet hearth\ntable inet hearth \{/m, 'replaces only its own table, in one batch')
    t.notMatch(text, /flush|ruleset|table (ip|ip6|inet|arp|bridge|netdev) (?!hearth)/, 'never flushes or names another table')
  })
}

t.test('every set, chain and rule carries its reason as a comment', async (t) => {
  for (const [name, state] of Object.entries(STATES)) {
    const body = renderBatch(compileRuleset(state)).split('\n').filter((l) => /^\t\t\S/.test(l) && !/^\t\t(type|elements|\s)/.test(l))
    for (const line of body) t.match(line, / comment "[^"]{1,128}"$|^\t\tcomment "/, `${name}: ${line.trim()}`)
  }
})

t.test('deterministic: the same state in any order gives byte-identical text', async (t) => {
  const shuffled: FirewallState = {
    ...withUplink,
    lanInterfaces: [...withUplink.lanInterfaces].reverse().map((l) => ({ ...l, subnets: [...l.subnets].reverse() })),
    ipDevices: [...withUplink.ipDevices].reverse(),
    updateHosts: [...withUplink.updateHosts].reverse(),
    dnsServers: [...withUplink.dnsServers].reverse(),
    ntpServers: [...withUplink.ntpServers, ...withUplink.ntpServers].reverse(),
  }
  t.equal(renderBatch(compileRuleset(shuffled)), renderBatch(compileRuleset(withUplink)))
  t.equal(renderBatch(compileRuleset(withUplink)), renderBatch(compileRuleset(structuredClone(withUplink))))
})

const input = (name: string) => compileRuleset(STATES[name]).chains.find((c) => c.name === 'input')!
const accepts = (name: string) => input(name).rules.filter((r) => r.verdict === 'accept')
const tcpPorts = (name: string) =>
  accepts(name).flatMap((r) => r.match.flatMap((m) => (m.kind === 'port' && m.proto === 'tcp' && m.dir === 'dport' ? m.ports : [])))

t.test('from the LAN only MQTTS and HTTPS (+ redirect) over TCP; every chain defaults to drop', async (t) => {
  t.same([...new Set(tcpPorts('normal'))].sort(), [8443, 8883])
  t.same([...new Set(tcpPorts('uplink'))].sort(), [8080, 8443, 8883])
  for (const name of Object.keys(STATES)) for (const c of compileRuleset(STATES[name]).chains) t.equal(c.policy, 'drop', `${name} ${c.name}`)
  const udp = accepts('normal').flatMap((r) => r.match.flatMap((m) => (m.kind === 'port' && m.proto === 'udp' && m.dir === 'dport' ? m.ports : [])))
  t.same([...new Set(udp)].sort(), [546, 68, 5353].sort(), 'UDP: DHCP replies and mDNS only')
})

t.test('IP devices: MQTTS only, and their drop comes before the LAN accepts', async (t) => {
  const rules = input('devices').rules
  const devAccept = rules.findIndex((r) => r.verdict === 'accept' && r.match.some((m) => m.kind === 'addr-set'))
  const devDrop = rules.findIndex((r) => r.verdict === 'drop' && r.match.some((m) => m.kind === 'addr-set'))
  const lanAccept = rules.findIndex((r) => r.reason.startsWith('LAN '))
  t.ok(devAccept >= 0 && devAccept < devDrop && devDrop < lanAccept, `${devAccept} < ${devDrop} < ${lanAccept}`)
  t.match(rules[devAccept]!.match, [{}, {}, { kind: 'port', ports: [8883] }])
  const sets = compileRuleset(withDevices).sets
  t.same(sets.map((s) => [s.name, s.elements.map((e) => `${e.value}=${e.label}`)]), [
    ['ip_devices_v4', ['192.168.1.40=plug-kitchen', '192.168.1.41=sensor-hall']],
    ['ip_devices_v6', ['fd00:1::41=sensor-hall']],
  ])
  const fwd = compileRuleset(withDevices).chains.find((c) => c.name === 'forward')!
  t.same(fwd.rules.map((r) => [r.match, r.verdict]), [[[], 'drop']], 'nothing is forwarded between devices')
})

t.test('lockdown: only HTTPS from the LAN; nothing out but the link itself', async (t) => {
  t.same([...new Set(tcpPorts('lockdown'))], [8443])
  t.notOk(accepts('lockdown').some((r) => r.match.some((m) => m.kind === 'addr-set')), 'devices get nothing')
  t.notOk(accepts('lockdown').some((r) => r.match.some((m) => m.kind === 'port' && m.ports.includes(5353))), 'no mDNS')
  const out = compileRuleset(STATES.lockdown).chains.find((c) => c.name === 'output')!
  t.notOk(out.rules.some((r) => r.match.some((m) => m.kind === 'addr')), 'no DNS, NTP, uplink, update or LAN-wide rule')
  t.equal(compileRuleset(STATES.lockdown).mode, 'lockdown')
})

t.test('nothing new from the WAN side; output is limited to what was listed', async (t) => {
  const rules = input('uplink').rules
  const wan = rules.findIndex((r) => r.verdict === 'drop' && r.match.some((m) => m.kind === 'iifname' && m.names.includes('wwan0')))
  t.ok(wan >= 0 && wan < rules.findIndex((r) => r.reason.startsWith('LAN ')), 'the WAN drop comes before any LAN accept')
  const rows = policyRows(compileRuleset(withUplink)).filter((r) => r.chain === 'output').map((r) => r.rule)
  t.ok(rows.includes('ip daddr 203.0.113.5 tcp dport 8883 accept'))
  t.ok(rows.includes('ip6 daddr 2001:db8::10 tcp dport 443 accept'))
  t.ok(rows.includes('ip daddr { 9.9.9.9, 192.168.1.1 } meta l4proto { tcp, udp } th dport 53 accept'))
  t.ok(rows.includes('ip daddr { 162.159.200.1, 192.168.1.1 } udp dport 123 accept'))
  t.equal(rows.at(-1), 'policy drop')
})

t.test('IPv6: subnets canonicalised, host bits cleared, link-local kept to its interface', async (t) => {
  const rows = policyRows(compileRuleset(ipv6)).map((r) => r.rule)
  t.ok(rows.includes('iifname "eth0" ip6 saddr { 2001:db8:ab::/64, fd00:1::/64, fe80::/64 } tcp dport { 8443, 8883 } accept'), rows.join('\n'))
  t.ok(rows.some((r) => r.startsWith('icmpv6 type { nd-neighbor-advert, nd-neighbor-solicit, nd-router-advert } ip6 hoplimit 255 accept')), 'neighbour discovery works')
})

t.test('first boot: the links, no service port, nothing out but DHCP and mDNS', async (t) => {
  const links = ['lo', 'eth0', 'wlan0', 'wwan0', 'bad name!']
  const s = bootFirewallState(links, { lanInterfaces: [], wanInterfaces: ['wwan0'] }, { mqtts: 8883, https: 8443 })
  t.same(s.lanInterfaces, [{ name: 'eth0', subnets: [] }, { name: 'wlan0', subnets: [] }], 'loopback, WAN and unusable names are not LAN links')
  t.same(bootFirewallState(links, { lanInterfaces: ['eth0'], wanInterfaces: [] }, { mqtts: 8883, https: 8443 }).lanInterfaces, [{ name: 'eth0', subnets: [] }], 'named LAN interfaces only, when the config names them')
  const text = renderBatch(compileRuleset(s))
  t.notMatch(text, /dport \{?[^}\n]*\b(8443|8883)\b/, 'no service port is opened')
  t.match(text, /udp sport 67 udp dport 68 accept/, 'DHCP replies in')
  t.match(text, /udp sport 68 udp dport 67 accept/, 'DHCP requests out')
  t.notMatch(text, /dport 53\b|dport 123\b|dport 443\b/, 'no DNS, NTP or update traffic yet')
})
