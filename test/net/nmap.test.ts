import t, { type Test } from 'tap'
import { applyRuleset } from '../../src/net/apply.js'
import { nftRunner } from '../../src/net/nft.js'
import { compileRuleset } from '../../src/policy/firewall/compile.js'
import type { FirewallState } from '../../src/policy/firewall/state.js'
import { firewallState } from '../helpers/firewall-state.js'
import { LISTENERS, Lab, must } from '../helpers/netns.js'

/**
 * The scan a suspicious owner would run: nmap from a LAN client against the hub, every TCP port.
 * The hub listens on its documented ports (MQTTS 8883, HTTPS 8443, HTTP redirect 8880) and on
 * several it must not expose; the scan must list exactly the documented ones as open
 * (docs/network-policy.md). Timing flags only speed nmap up on a veth link; they do not change
 * what it reports (`--max-retries 1` still retries a lost probe once).
 */
const LISTENING = [22, 80, 443, 1883, 5000, 8080, 8443, 8880, 8883, 9999, 40000]
const DOCUMENTED = [8443, 8880, 8883]
const state: FirewallState = firewallState({
  lanInterfaces: [{ name: 'lan0', subnets: ['10.77.1.0/24', 'fd77:1::/64'] }],
  listeners: { mqtts: 8883, https: 8443, httpRedirect: 8880, mqttPlainLoopback: 1883 },
})

interface Scan {
  open: number[]
  other: Record<string, number>
}

/** `nmap -oX -` → open ports and the count of each other state (filtered, closed…). */
function parseXml(xml: string): Scan {
  const open = [...xml.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="open"/g)].map((m) => Number(m[1]))
  const other: Record<string, number> = {}
  for (const m of xml.matchAll(/<extraports state="([a-z|]+)" count="(\d+)"/g)) other[m[1]!] = (other[m[1]!] ?? 0) + Number(m[2])
  for (const m of xml.matchAll(/<port protocol="tcp" portid="\d+"><state state="(?!open)([a-z|]+)"/g)) other[m[1]!] = (other[m[1]!] ?? 0) + 1
  return { open: open.sort((a, b) => a - b), other }
}

/** Every TCP port by default; the control scan names its ports (thousands of RSTs at full rate
 * would only test how fast nmap can capture, not the hub). */
async function scan(t: Test, lab: Lab, target: string, ports = '-'): Promise<Scan> {
  const v6 = target.includes(':') ? ['-6'] : []
  const fast = ports === '-' ? ['--min-rate', '20000', '--max-rtt-timeout', '100ms', '--initial-rtt-timeout', '50ms'] : []
  const xml = await must(lab.exec('lan', 'nmap', ...v6, '-Pn', '-n', '-sS', `-p${ports}`, '-T4', '--max-retries', '1', ...fast, '-oX', '-', target))
  t.match(xml, /<runstats><finished /, `nmap finished against ${target}`)
  return parseXml(xml)
}

t.test('nmap -p- from the LAN lists exactly the documented ports', async (t) => {
  const lab = new Lab()
  t.teardown(() => lab.cleanup())
  await lab.addNamespaces('hub', 'lan')
  await lab.link('hub', 'lan0', 'lan', 'eth0')
  await lab.addr('hub', 'lan0', '10.77.1.1/24', 'fd77:1::1/64')
  await lab.addr('lan', 'eth0', '10.77.1.2/24', 'fd77:1::2/64')
  await lab.spawnNode('hub', LISTENERS, LISTENING.map(String))

  const control = await scan(t, lab, '10.77.1.1', [...LISTENING, 21, 23, 8000, 8444].join(','))
  t.same(control.open, LISTENING, 'control: without the policy nmap sees every listener (the scan can fail)')
  t.same(control.other, { closed: 4 }, 'control: and a port nobody listens on as closed')

  const applied = await applyRuleset(nftRunner({ command: lab.exec('hub', 'nft') }), compileRuleset(state))
  t.equal(applied.applied, true, JSON.stringify(applied))
  const [v4, v6] = await Promise.all([scan(t, lab, '10.77.1.1'), scan(t, lab, 'fd77:1::1')])
  for (const [name, s] of [['IPv4', v4], ['IPv6', v6]] as const) {
    t.same(s.open, DOCUMENTED, `${name}: open ports are exactly ${DOCUMENTED.join(', ')}`)
    t.same(s.other, { filtered: 65535 - DOCUMENTED.length }, `${name}: every other port is filtered (no answer), none closed`)
    t.comment(`${name} scan: open ${s.open.join(', ')}; ${JSON.stringify(s.other)}`)
  }

  await applyRuleset(nftRunner({ command: lab.exec('hub', 'nft') }), compileRuleset({ ...state, lockdown: true }))
  const locked = await scan(t, lab, '10.77.1.1')
  t.same(locked.open, [8443], 'lockdown: only the web UI')
  t.same(locked.other, { filtered: 65534 })
})
