import t from 'tap'
import { FakeClock } from '../../src/core/clock.js'
import type { Logger } from '../../src/core/log.js'
import type { ApplyOutcome } from '../../src/net/apply.js'
import { classifyFailure } from '../../src/net/apply.js'
import { Firewall, nftBackend, type FirewallAlert, type FirewallBackend } from '../../src/net/firewall.js'
import { gatherFirewallState, parseHostPort, resolvConfServers } from '../../src/net/hub-state.js'
import type { FirewallState } from '../../src/policy/firewall/state.js'
import { firewallState } from '../helpers/firewall-state.js'

/** The service around the applier: debounce, "say so once", alerts. Fakes only at our interfaces. */
const state: FirewallState = firewallState()

function recorder() {
  const lines: Array<[string, unknown, string | undefined]> = []
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push([level, obj, msg])
  const log: Logger = { fatal: at('fatal'), error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace'), child: () => log }
  return { log, lines, at: (level: string) => lines.filter((l) => l[0] === level) }
}

function countingBackend(outcome: (n: number) => ApplyOutcome) {
  const calls: FirewallState[] = []
  const backend: FirewallBackend = async (ruleset, s) => (calls.push(s), outcome(calls.length))
  return { calls, backend }
}

const applied: ApplyOutcome = { applied: true, digest: 'x', rules: {} }
const tick = () => new Promise((r) => setImmediate(r))

t.test('debounced: a burst of changes is one apply of the newest state; an unchanged state none', async (t) => {
  const clock = new FakeClock()
  const { calls, backend } = countingBackend(() => applied)
  const rec = recorder()
  const fw = new Firewall({ backend, log: rec.log, clock, debounceMs: 500 })
  fw.apply(state)
  fw.apply({ ...state, ipDevices: [{ id: 'plug-1', address: '192.168.1.40' }] })
  fw.apply({ ...state, ipDevices: [{ id: 'plug-1', address: '192.168.1.41' }] })
  t.equal(fw.status().pending, true)
  clock.advance(499)
  await tick()
  t.equal(calls.length, 0, 'nothing before the debounce')
  clock.advance(1)
  await fw.flush()
  t.equal(calls.length, 1, 'one apply for three changes')
  t.equal(calls[0]!.ipDevices[0]!.address, '192.168.1.41', 'the newest state')
  t.match(fw.status(), { applied: true, mode: 'normal', pending: false })
  t.ok(fw.status().rules.some((r) => r.reason.includes('MQTTS')), 'status lists the rules with reasons')
  fw.apply({ ...state, ipDevices: [{ id: 'plug-1', address: '192.168.1.41' }] })
  clock.advance(1000)
  await fw.flush()
  t.equal(calls.length, 1, 'unchanged ruleset: not re-applied')
  fw.apply({ ...state, lockdown: true })
  t.match(fw.status(), { applied: false, mode: 'lockdown', reason: /newer policy/ })
  await fw.flush()
  t.equal(calls.length, 2)
  t.throws(() => fw.apply({ ...state, wanInterfaces: ['eth0'] }), { code: 'HUB_ERR_FIREWALL_STATE' }, 'a bad state throws at once')
  fw.close()
})

t.test('nft unavailable (development machine): says so once, keeps running, status says why', async (t) => {
  const rec = recorder()
  const eperm: FirewallBackend = nftBackend(async () => ({ code: 1, stdout: '', stderr: 'Error: Operation not permitted' }))
  const fw = new Firewall({ backend: eperm, log: rec.log, clock: new FakeClock() })
  fw.apply(state)
  t.match(await fw.flush(), { applied: false, reason: /not permitted/ })
  fw.apply({ ...state, lockdown: true })
  await fw.flush()
  fw.apply(state)
  await fw.flush()
  t.equal(rec.at('warn').length, 1, 'one warning')
  t.match(rec.at('warn')[0]![2], /keeps running/)
  t.equal(rec.at('error').length, 0, 'not an error where nft is optional')
  t.equal(rec.at('debug').length, 2, 'repeats go to debug')
})

t.test('required (the image): a failure is an alert, once per distinct reason; a success re-arms it', async (t) => {
  const rec = recorder()
  const alerts: FirewallAlert[] = []
  let fail = true
  const backend: FirewallBackend = async () => (fail ? { applied: false, reason: 'nft failed (exit 1): boom', unavailable: false } : applied)
  const fw = new Firewall({ backend, log: rec.log, clock: new FakeClock(), required: true, onAlert: (a) => alerts.push(a) })
  fw.apply(state)
  await fw.flush()
  fw.apply({ ...state, lockdown: true })
  await fw.flush()
  t.same(alerts, [{ code: 'HUB_ERR_FIREWALL_APPLY', reason: 'nft failed (exit 1): boom' }])
  t.equal(rec.at('error').length, 2, 'every failure is logged as an error')
  fail = false
  fw.apply(state)
  t.match(await fw.flush(), { applied: true })
  fail = true
  fw.apply({ ...state, lockdown: true, dnsServers: ['192.168.1.1'] })
  await fw.flush()
  t.equal(alerts.length, 2, 'alerted again after a success')
})

t.test('after a failure the same state is tried again (the periodic re-gather catches up)', async (t) => {
  let n = 0
  const backend: FirewallBackend = async () => (++n === 1 ? { applied: false, reason: 'helper did not answer', unavailable: false } : applied)
  const fw = new Firewall({ backend, log: recorder().log, clock: new FakeClock() })
  fw.apply(state)
  t.match(await fw.flush(), { applied: false })
  fw.apply(state)
  t.match(await fw.flush(), { applied: true }, 'retried')
  fw.apply(state)
  await fw.flush()
  t.equal(n, 2, 'and not again once in force')
})

t.test('a throwing backend is a failure, not a crash', async (t) => {
  const fw = new Firewall({ backend: async () => Promise.reject(new Error('disk full')), log: recorder().log, clock: new FakeClock() })
  fw.apply(state)
  t.match(await fw.flush(), { applied: false, reason: /disk full/ })
})

t.test('failure classes', async (t) => {
  t.match(classifyFailure({ code: null, stdout: '', stderr: '', spawnError: 'ENOENT' }), { unavailable: true, reason: /not installed/ })
  t.match(classifyFailure({ code: 1, stdout: '', stderr: 'Error: Could not process rule: Operation not permitted' }), { unavailable: true })
  t.match(classifyFailure({ code: 1, stdout: '', stderr: '/dev/stdin:3:1-2: Error: syntax error\n' }), { unavailable: false, reason: /syntax error/ })
})

t.test('gathering the state: interfaces, resolv.conf, names resolved outside the compiler', async (t) => {
  t.same(resolvConfServers('# x\nnameserver 192.168.1.1\nnameserver fe80::1%eth0\nnameserver bogus\nsearch lan\n'), ['192.168.1.1', 'fe80::1'])
  t.same(parseHostPort('mqtt.example.net:8883'), { host: 'mqtt.example.net', port: 8883 })
  t.same(parseHostPort('[2001:db8::1]:443'), { host: '2001:db8::1', port: 443 })
  t.equal(parseHostPort('host:0'), undefined)
  t.equal(parseHostPort('a b:1'), undefined)
  const ifaces = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [
      { address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '192.168.1.23/24' },
      { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
    ],
    wwan0: [{ address: '100.64.1.2', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '100.64.1.2/24' }],
  } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>
  const lookup = async (h: string) => {
    if (h === 'mqtt.example.net') return ['203.0.113.5', '2001:db8::5']
    throw new Error('ENOTFOUND')
  }
  const r = await gatherFirewallState(
    { lanInterfaces: [], wanInterfaces: ['wwan0'], dnsServers: [], ntpServers: ['192.0.2.123', 'ntp.invalid'], uplinkHosts: ['mqtt.example.net:8883'], updateHosts: ['[2001:db8::10]:443'] },
    { listeners: { mqtts: 8883, https: 8443 }, ipDevices: [], lockdown: false },
    { interfaces: ifaces, resolvConf: 'nameserver 192.168.1.1\n', lookup },
  )
  t.same(r.state.lanInterfaces, [{ name: 'eth0', subnets: ['192.168.1.0/24', 'fe80::/64'] }], 'WAN and loopback are not LAN')
  t.same(r.state.uplinkHosts, [
    { address: '203.0.113.5', port: 8883, host: 'mqtt.example.net' },
    { address: '2001:db8::5', port: 8883, host: 'mqtt.example.net' },
  ])
  t.same(r.state.updateHosts, [{ address: '2001:db8::10', port: 443 }])
  t.same(r.state.dnsServers, ['192.168.1.1'])
  t.same(r.state.ntpServers, ['192.0.2.123'])
  t.same(r.unresolved, ['ntp.invalid'], 'an unresolvable name is reported, the rest applies')
})
