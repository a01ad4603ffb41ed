import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
// @ts-expect-error plain JavaScript tool without types
import { judge } from '../../tools/audit.mjs'

const report = {
  vulnerabilities: {
    a: { via: [{ source: 1001, name: 'a', title: 'RCE in a', url: 'https://github.com/advisories/GHSA-aaaa', severity: 'critical', range: '<2' }] },
    b: { via: [{ source: 1002, name: 'b', title: 'ReDoS in b', url: 'https://github.com/advisories/GHSA-bbbb', severity: 'high', range: '<3' }] },
    c: { via: [{ source: 1003, name: 'c', title: 'minor', url: 'u', severity: 'moderate', range: '*' }] },
    d: { via: ['c'] },
    e: { via: [{ source: 1005, name: 'e', title: 'old', url: 'https://github.com/advisories/GHSA-eeee', severity: 'high', range: '*' }] },
  },
}
const now = Date.parse('2026-11-25T00:00:00Z')

t.test('policy: high/critical fail unless allow-listed and unexpired; moderate reported only', async (t) => {
  const list = [
    { id: '1002', package: 'b', justification: 'the regex is never fed input', expires: '2027-01-31' },
    { id: 'https://github.com/advisories/GHSA-eeee', package: 'e', justification: 'was fine', expires: '2026-11-01' },
  ]
  const r = judge(report, list, now)
  t.same(r.failing.map((f: { package: string }) => f.package).sort(), ['a', 'e'])
  t.equal(r.failing.find((f: { package: string }) => f.package === 'e').expired, '2026-11-01', 'an expired entry fails again')
  t.same(r.allowed.map((f: { package: string }) => f.package), ['b'])
  t.equal(r.findings.length, 4, 'moderate findings are reported')
})

t.test('npm run sbom writes a CycloneDX SBOM of production dependencies only', async (t) => {
  const code = await new Promise<number | null>((resolve) => execFile('npm', ['run', '--silent', 'sbom'], { timeout: 120_000 }, (err) => resolve(err ? 1 : 0)))
  t.equal(code, 0)
  const bom = JSON.parse(readFileSync('artifacts/sbom.cdx.json', 'utf8')) as { bomFormat: string; components: Array<{ name: string }> }
  t.equal(bom.bomFormat, 'CycloneDX')
  const names = new Set(bom.components.map((c) => c.name))
  for (const prod of ['fastify', 'aedes', 'sodium-native']) t.ok(names.has(prod), `${prod} listed`)
  for (const dev of ['tap', 'typescript', 'playwright-core', 'zigbee-herdsman']) t.notOk(names.has(dev), `${dev} (dev only) not listed`)
})
