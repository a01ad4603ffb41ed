import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Lab, must, run } from '../../helpers/netns.js'

/**
 * nft itself accepts every golden ruleset (`nft -c`: parse and check against the kernel, commit
 * nothing), inside a namespace of this test's own so the machine's ruleset is never involved.
 * nft missing is a failure: CI installs nftables.
 */
const FIXTURES = path.resolve('test/fixtures/firewall')
const goldens = readdirSync(FIXTURES).filter((f) => f.endsWith('.nft')).sort()

t.test('every golden file passes nft -c -f in a fresh namespace', async (t) => {
  t.ok(goldens.length >= 6, `${goldens.length} golden files`)
  const lab = new Lab()
  t.teardown(() => lab.cleanup())
  await lab.addNamespaces('check')
  t.match(await must(['nft', '--version']), /nftables v/, 'nft is installed')
  for (const f of goldens) {
    const r = await run(lab.exec('check', 'nft', '-c', '-f', path.join(FIXTURES, f)))
    t.equal(r.code, 0, `${f}: ${r.stderr.trim()}`)
  }
})

t.test('the check can fail: nft -c rejects a broken file', async (t) => {
  const lab = new Lab()
  t.teardown(() => lab.cleanup())
  await lab.addNamespaces('check')
  const good = readFileSync(path.join(FIXTURES, 'normal.nft'), 'utf8')
  const broken = good.replace('tcp dport { 8443, 8883 }', 'tcp dport { 8443, 88830 }')
  t.not(broken, good)
  const r = await run(lab.exec('check', 'nft', '-c', '-f', '-'), broken)
  t.not(r.code, 0, 'an out-of-range port is refused')
  t.match(r.stderr, /Error/)
})
