import t from 'tap'
import type { NetworkInterfaceInfo } from 'node:os'
import type { Logger } from '../../src/core/log.js'
import type { FirewallAlert } from '../../src/net/firewall.js'
import { startHubFirewall, parseList, type HubFirewallConfig } from '../../src/net/hub-firewall.js'
import { nftRunner } from '../../src/net/nft.js'
import { Lab, must } from '../helpers/netns.js'

/** The composition root's view: config → backend, gather from the machine, apply, change. */
const config: HubFirewallConfig = {
  mode: 'off',
  required: false,
  lanInterfaces: '',
  wanInterfaces: 'wan0',
  dnsServers: '10.77.1.53',
  ntpServers: '',
  uplinkHosts: '',
  updateHosts: '[2001:db8::10]:443',
  refreshSeconds: 300,
}
const ifaces = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' }],
  lan0: [{ address: '10.77.1.1', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '10.77.1.1/24' }],
  wan0: [{ address: '10.77.2.1', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '10.77.2.1/24' }],
})
function recorder() {
  const warns: unknown[] = []
  const noop = () => {}
  const log: Logger = { fatal: noop, error: noop, warn: (o: unknown) => void warns.push(o), info: noop, debug: noop, trace: noop, child: () => log }
  return { log, warns }
}
const base = { dataDir: '/nonexistent', listeners: () => ({ mqtts: 8883, https: 8443 }), interfaces: ifaces, resolvConf: async () => '' }

t.test('lists', async (t) => {
  t.same(parseList(' a, b,,c '), ['a', 'b', 'c'])
  t.same(parseList(''), [])
})

t.test('mode off (the default): computed and shown, not applied, said once', async (t) => {
  const rec = recorder()
  const fw = await startHubFirewall({ ...base, config, log: rec.log })
  t.teardown(() => fw.close())
  const s = await fw.refresh()
  t.match(s, { applied: false, reason: /mode is off/, mode: 'normal' })
  t.equal(fw.status().backend, 'off')
  t.ok(s.rules.some((r) => r.rule === 'iifname "wan0" drop'), 'the WAN interface from the config')
  t.ok(s.rules.some((r) => r.rule.startsWith('iifname "lan0" ip saddr 10.77.1.0/24 tcp dport { 8443, 8883 } accept')), 'the LAN from the interfaces')
  t.ok(s.rules.some((r) => r.rule === 'ip6 daddr 2001:db8::10 tcp dport 443 accept'))
  t.match(s.nft, /^add table inet hearth$/m)
  await fw.refresh()
  t.equal(rec.warns.length, 1, 'one warning, however often it refreshes')
})

t.test('a bad interface name in the config: the hub keeps running; required → an alert naming the field', async (t) => {
  const alerts: FirewallAlert[] = []
  const fw = await startHubFirewall({ ...base, config: { ...config, mode: 'helper', required: true, wanInterfaces: 'wan0;flush' }, log: recorder().log, onAlert: (a) => alerts.push(a) })
  t.teardown(() => fw.close())
  t.match(fw.status(), { applied: false, reason: /state rejected: firewall state: wanInterfaces\.0/ })
  t.match(alerts, [{ code: 'HUB_ERR_FIREWALL_APPLY', reason: /wanInterfaces\.0/ }])
})

t.test('found automatically: link-local-only interfaces (a Docker host\'s veths) are no LAN', async (t) => {
  const many = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
    ...ifaces(),
    ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`veth${i}`, [{ address: `fe80::${i + 1}`, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '', internal: false, cidr: `fe80::${i + 1}/64`, scopeid: i }]])),
  })
  const fw = await startHubFirewall({ ...base, interfaces: many, config, log: recorder().log })
  t.teardown(() => fw.close())
  const s = await fw.refresh()
  t.match(s.reason, /mode is off/, 'starts and computes, no state error')
  t.notOk(s.rules.some((r) => r.rule.includes('veth')))
})

t.test('mode nft in a namespace: applied, lockdown at once, devices debounced', async (t) => {
  const lab = new Lab()
  t.teardown(() => lab.cleanup())
  await lab.addNamespaces('hub')
  const fw = await startHubFirewall({ ...base, config: { ...config, mode: 'nft' }, log: recorder().log, runner: nftRunner({ command: lab.exec('hub', 'nft') }) })
  t.teardown(() => fw.close())
  t.match(await fw.refresh(), { applied: true, mode: 'normal' })
  t.match(await fw.setLockdown(true), { applied: true, mode: 'lockdown' })
  t.match(await must(lab.exec('hub', 'nft', 'list', 'table', 'inet', 'hearth')), /LOCKDOWN/)
  await fw.setLockdown(false)
  const pending = await fw.setIpDevices([{ id: 'plug-1', address: '10.77.1.40' }])
  t.equal(pending.pending, true, 'a device change waits for the debounce')
  t.match(await fw.refresh(), { applied: true, pending: false })
  t.match(await must(lab.exec('hub', 'nft', 'list', 'set', 'inet', 'hearth', 'ip_devices_v4')), /10\.77\.1\.40 comment "plug-1"/)
})
