import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { compileRuleset } from '../../src/policy/firewall/compile.js'
import type { FirewallState } from '../../src/policy/firewall/state.js'
import { applyRuleset } from '../../src/net/apply.js'
import { helperBackend, runFirewallHelper, STATUS_FILE } from '../../src/net/helper.js'
import { nftRunner } from '../../src/net/nft.js'
import { Lab, must } from '../helpers/netns.js'

/** The applier against the real kernel, inside a namespace of this test's own. */
const state: FirewallState = {
  lanInterfaces: [{ name: 'eth0', subnets: ['10.77.1.0/24', 'fd77:1::/64'] }],
  wanInterfaces: ['wan0'],
  listeners: { mqtts: 8883, https: 8443 },
  ipDevices: [{ id: 'plug-1', address: '10.77.1.40' }],
  uplinkHosts: [],
  updateHosts: [],
  dnsServers: ['10.77.1.1'],
  ntpServers: [],
  lockdown: false,
}

// Someone else's table (Docker, the distribution's own firewall…): the hub must never touch it.
const OTHER = `table inet other {
	chain c {
		type filter hook input priority 10; policy accept;
		tcp dport 9999 counter accept comment "theirs"
	}
}
table ip legacy {
	chain c {
		type filter hook output priority 0; policy accept;
	}
}
`

async function labWithNs(t: Test): Promise<Lab> {
  const lab = new Lab()
  t.teardown(() => lab.cleanup())
  await lab.addNamespaces('hub')
  return lab
}

t.test('applies atomically, verifies the read-back, is idempotent, and leaves other tables alone', async (t) => {
  const lab = await labWithNs(t)
  const nft = (...args: string[]) => must(lab.exec('hub', 'nft', ...args))
  await must(lab.exec('hub', 'nft', '-f', '-'), OTHER)
  const othersBefore = [await nft('list', 'table', 'inet', 'other'), await nft('list', 'table', 'ip', 'legacy')]
  const run = nftRunner({ command: lab.exec('hub', 'nft') })

  const first = await applyRuleset(run, compileRuleset(state))
  t.match(first, { applied: true, rules: { input: Number, output: Number, forward: 1 } }, JSON.stringify(first))
  const afterFirst = await nft('list', 'ruleset')
  t.match(afterFirst, /table inet hearth/)

  const second = await applyRuleset(run, compileRuleset(state))
  t.same(second, first, 'same outcome and digest')
  t.equal(await nft('list', 'ruleset'), afterFirst, 'applying twice changes nothing')
  t.same([await nft('list', 'table', 'inet', 'other'), await nft('list', 'table', 'ip', 'legacy')], othersBefore, 'other tables unchanged, counters included')

  const locked = await applyRuleset(run, compileRuleset({ ...state, lockdown: true }))
  t.equal(locked.applied, true)
  const tables = (await nft('list', 'tables')).trim().split('\n').sort()
  t.same(tables, ['table inet hearth', 'table inet other', 'table ip legacy'], 'one hearth table, replaced not duplicated')
  t.match(await nft('list', 'table', 'inet', 'hearth'), /LOCKDOWN/)
  t.same([await nft('list', 'table', 'inet', 'other'), await nft('list', 'table', 'ip', 'legacy')], othersBefore)
})

t.test('not permitted (a real unprivileged nft) and not installed: {applied:false}, no throw', async (t) => {
  const lab = await labWithNs(t)
  // A real EPERM: nft run as nobody with no capabilities, as on a developer's machine.
  const unprivileged = nftRunner({ command: lab.exec('hub', 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', 'nft') })
  const eperm = await applyRuleset(unprivileged, compileRuleset(state))
  t.match(eperm, { applied: false, unavailable: true, reason: /not permitted.*CAP_NET_ADMIN/ }, JSON.stringify(eperm))
  t.equal((await must(lab.exec('hub', 'nft', 'list', 'tables'))).trim(), '', 'nothing was applied')

  const absent = await applyRuleset(nftRunner({ command: ['/nonexistent/nft'] }), compileRuleset(state))
  t.match(absent, { applied: false, unavailable: true, reason: /not installed/ })

  const fake = await applyRuleset(async () => ({ code: 1, stdout: '', stderr: 'netlink: Error: Could not process rule: Operation not permitted\n' }), compileRuleset(state))
  t.match(fake, { applied: false, unavailable: true })
})

t.test('a read-back that differs is a failure, not a success', async (t) => {
  const lab = await labWithNs(t)
  const real = nftRunner({ command: lab.exec('hub', 'nft') })
  // Applies for real, then something (another tool) deletes a rule before the read-back.
  const racing: typeof real = async (args, stdin) => {
    const r = await real(args, stdin)
    if (args[0] === '-f') await must(lab.exec('hub', 'nft', 'delete', 'chain', 'inet', 'hearth', 'forward'))
    return r
  }
  const out = await applyRuleset(racing, compileRuleset(state))
  t.match(out, { applied: false, unavailable: false, reason: /read-back differs: chains input,output instead of forward,input,output/ })
})

t.test('the privileged helper: the hub hands over state, the helper compiles, applies and answers', async (t) => {
  const lab = await labWithNs(t)
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'hearth-fw-')), 'firewall')
  const backend = helperBackend({ dir, timeoutMs: 10_000, pollMs: 50 })
  const ruleset = compileRuleset(state)
  const waiting = backend(ruleset, state)
  // What hearth-firewall.path would do: start the helper when state.json appears.
  await new Promise((r) => setTimeout(r, 200))
  const helper = await runFirewallHelper({ dir, run: nftRunner({ command: lab.exec('hub', 'nft') }) })
  t.equal(helper.applied, true)
  t.match(await waiting, { applied: true }, 'the hub sees the verified answer')
  t.match(JSON.parse(readFileSync(path.join(dir, STATUS_FILE), 'utf8')), { applied: true, mode: 'normal' })
  t.match(await must(lab.exec('hub', 'nft', 'list', 'table', 'inet', 'hearth')), /paired IP devices/)

  const silent = await helperBackend({ dir: dir + '-none', timeoutMs: 300, pollMs: 50 })(ruleset, state)
  t.match(silent, { applied: false, reason: /did not answer/ }, 'no helper: a clear failure, not a hang')
})
