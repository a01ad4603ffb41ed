import t, { type Test } from 'tap'
import { compileRuleset } from '../../src/policy/firewall/compile.js'
import type { FirewallState } from '../../src/policy/firewall/state.js'
import { bootFirewallState } from '../../src/policy/firewall/boot.js'
import type { Logger } from '../../src/core/log.js'
import { Firewall, nftBackend } from '../../src/net/firewall.js'
import { nftRunner } from '../../src/net/nft.js'
import { LISTENERS, Lab, must, probe, type ProbeResult } from '../helpers/netns.js'

/**
 * Proven from outside (issue 6): four namespaces — hub, a LAN client, a WAN host and an IP device
 * on a second LAN interface — joined by veth pairs. The hub listens on its two service ports, the
 * HTTP redirect port and ports it must NOT expose; the policy is applied with the real applier
 * inside the hub's namespace, then every claim is checked by connecting from the other side.
 */
const HUB_PORTS = [22, 1883, 8080, 8443, 8880, 8883]
const state: FirewallState = {
  lanInterfaces: [
    { name: 'lan0', subnets: ['10.77.1.0/24', 'fd77:1::/64'] },
    { name: 'dev0', subnets: ['10.77.3.0/24', 'fd77:3::/64'] },
  ],
  wanInterfaces: ['wan0'],
  listeners: { mqtts: 8883, https: 8443, httpRedirect: 8880, mqttPlainLoopback: 1883 },
  ipDevices: [
    { id: 'plug-1', address: '10.77.3.2' },
    { id: 'plug-1', address: 'fd77:3::2' },
  ],
  uplinkHosts: [{ address: '10.77.2.2', port: 9443, host: 'uplink.test' }],
  updateHosts: [],
  dnsServers: [],
  ntpServers: [],
  lockdown: false,
}

async function buildLab(lab: Lab): Promise<void> {
  await lab.addNamespaces('hub', 'lan', 'wan', 'dev')
  const nets: Array<[string, string, number]> = [['lan', 'lan0', 1], ['wan', 'wan0', 2], ['dev', 'dev0', 3]]
  for (const [role, hubIf, n] of nets) {
    await lab.link('hub', hubIf, role, 'eth0')
    await lab.addr('hub', hubIf, `10.77.${n}.1/24`, `fd77:${n}::1/64`)
    await lab.addr(role, 'eth0', `10.77.${n}.2/24`, `fd77:${n}::2/64`)
    await lab.route(role, 'default', 'via', `10.77.${n}.1`)
    await lab.route(role, '::/0', 'via', `fd77:${n}::1`)
  }
  // The hub would route if its policy let it: that is what "nothing is forwarded" must stop.
  await must(lab.exec('hub', 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'))
  await Promise.all([
    lab.spawnNode('hub', LISTENERS, HUB_PORTS.map(String)),
    lab.spawnNode('lan', LISTENERS, ['9000']),
    lab.spawnNode('wan', LISTENERS, ['9443', '9444']),
    ...['hub', 'lan', 'wan', 'dev'].map((role) => probe(lab, role, [])), // start each side's prober
  ])
}

const targets = (hosts: string[], ports: number[]) => hosts.flatMap((h) => ports.map((p) => `${h},${p}`))
const expectAll = (t: Test, got: Record<string, ProbeResult>, want: (target: string) => ProbeResult | 'blocked', who: string) => {
  for (const [target, result] of Object.entries(got)) {
    const w = want(target)
    if (w === 'blocked') t.ok(result === 'timeout' || result === 'error:EPERM', `${who} → ${target}: blocked (${result})`)
    else t.equal(result, w, `${who} → ${target}: ${w}`)
  }
}
const port = (target: string) => Number(target.slice(target.lastIndexOf(',') + 1))
const silentLog: Logger = { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {}, child: () => silentLog }

t.test('from outside: LAN, WAN, IP device, forwarding, output, lockdown', async (t) => {
  const lab = new Lab()
  t.teardown(() => lab.cleanup())
  await buildLab(lab)
  const lanHub = ['10.77.1.1', 'fd77:1::1']

  // Control: without the policy everything is reachable, so each "blocked" below is the policy's doing.
  const before = await probe(lab, 'lan', targets(lanHub, [22, 8080]))
  t.same(Object.values(before), ['open', 'open', 'open', 'open'], 'control: the extra ports are really listening')
  t.same(await probe(lab, 'dev', ['10.77.1.2,9000']), { '10.77.1.2,9000': 'open' }, 'control: the hub forwards without its policy')
  t.same(await probe(lab, 'wan', ['10.77.2.1,8443']), { '10.77.2.1,8443': 'open' }, 'control: the WAN reaches HTTPS without the policy')

  const fw = new Firewall({ backend: nftBackend(nftRunner({ command: lab.exec('hub', 'nft') })), log: silentLog, debounceMs: 0 })
  fw.apply(state)
  t.match(await fw.flush(), { applied: true, mode: 'normal' })

  // Every side at once: each probe waits out its timeouts in parallel.
  const [lan, wan, dev, out] = await Promise.all([
    probe(lab, 'lan', targets(lanHub, HUB_PORTS)),
    probe(lab, 'wan', [...targets(['10.77.2.1', 'fd77:2::1'], HUB_PORTS), ...targets(lanHub, [8443, 8883])]),
    probe(lab, 'dev', [...targets(['10.77.3.1', 'fd77:3::1'], HUB_PORTS), '10.77.1.1,8443', '10.77.1.2,9000', 'fd77:1::2,9000']),
    probe(lab, 'hub', ['10.77.2.2,9443', '10.77.2.2,9444', '10.77.1.2,9000', 'fd77:1::2,9000']),
  ])
  expectAll(t, lan, (x) => ([8443, 8880, 8883].includes(port(x)) ? 'open' : 'timeout'), 'LAN')
  expectAll(t, wan, () => 'timeout', 'WAN')
  const devOpen = (x: string) => (x.startsWith('10.77.3.1,') || x.startsWith('fd77:3::1,')) && port(x) === 8883
  expectAll(t, dev, (x) => (devOpen(x) ? 'open' : 'timeout'), 'IP device')
  expectAll(t, out, (x) => (port(x) === 9444 ? 'blocked' : 'open'), 'hub (output)')

  fw.apply({ ...state, lockdown: true })
  t.match(await fw.flush(), { applied: true, mode: 'lockdown' })
  const [lanLocked, devLocked, outLocked] = await Promise.all([
    probe(lab, 'lan', targets(lanHub, HUB_PORTS)),
    probe(lab, 'dev', targets(['10.77.3.1'], [8443, 8883])),
    probe(lab, 'hub', ['10.77.2.2,9443', '10.77.1.2,9000']),
  ])
  expectAll(t, lanLocked, (x) => (port(x) === 8443 ? 'open' : 'timeout'), 'LAN in lockdown')
  expectAll(t, devLocked, () => 'timeout', 'IP device in lockdown')
  expectAll(t, outLocked, () => 'blocked', 'hub (output) in lockdown')
  fw.close()
})

t.test('first boot (the image, before the hub has run): links work, no service port is reachable; the hub\'s state then opens them', async (t) => {
  const lab = new Lab()
  t.teardown(() => lab.cleanup())
  await buildLab(lab)
  const lanHub = ['10.77.1.1', 'fd77:1::1']
  t.same(Object.values(await probe(lab, 'lan', targets(lanHub, [8443]))), ['open', 'open'], 'control: HTTPS is listening')
  const fw = new Firewall({ backend: nftBackend(nftRunner({ command: lab.exec('hub', 'nft') })), log: silentLog, debounceMs: 0 })
  // What `hearth provision` leaves for hearth-firewall.service: every link the hub has, no subnets yet.
  fw.apply(bootFirewallState(['lo', 'lan0', 'dev0', 'wan0'], { lanInterfaces: [], wanInterfaces: ['wan0'] }, state.listeners))
  t.match(await fw.flush(), { applied: true, mode: 'normal' })
  expectAll(t, await probe(lab, 'lan', targets(lanHub, HUB_PORTS)), () => 'timeout', 'LAN at first boot')
  expectAll(t, await probe(lab, 'wan', targets(['10.77.2.1'], HUB_PORTS)), () => 'timeout', 'WAN at first boot')
  expectAll(t, await probe(lab, 'hub', ['10.77.1.2,9000', '10.77.2.2,9443']), () => 'blocked', 'hub (output) at first boot')
  const rules = (await must(lab.exec('hub', 'nft', 'list', 'table', 'inet', 'hearth'))).toString()
  t.match(rules, /udp sport 67 udp dport 68 accept/, 'DHCP replies are let in, so the link can get its address')
  fw.apply(state)
  t.match(await fw.flush(), { applied: true })
  expectAll(t, await probe(lab, 'lan', targets(lanHub, [8443, 8883, 22])), (x) => (port(x) === 22 ? 'timeout' : 'open'), 'LAN once the hub wrote its state')
  fw.close()
})
