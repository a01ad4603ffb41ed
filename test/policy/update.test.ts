import t from 'tap'
import { compareVersions, decideInstall, MAX_CHECK_INTERVAL_MS, nextCheckDelayMs, parseVersion, securityTxtExpires } from '../../src/policy/update.js'

t.test('versions', async (t) => {
  t.same(parseVersion('1.20.3'), [1, 20, 3])
  for (const bad of ['1.2', '1.2.3-rc1', '01.2.3', 'v1.2.3', '1.2.3.4', '', '1.2.999999']) t.equal(parseVersion(bad), undefined, bad)
  t.ok(compareVersions('1.10.0', '1.9.9') > 0, 'numeric, not lexical')
  t.equal(compareVersions('2.0.0', '2.0.0'), 0)
  t.throws(() => compareVersions('x', '1.0.0'))
})

t.test('install decisions (anti-rollback)', async (t) => {
  const cases: Array<[string, string, string, boolean, string | true]> = [
    // bundle, minVersion, installed, allowDowngrade, expected
    ['1.1.0', '1.0.0', '1.0.0', false, true],
    ['2.0.0', '1.5.0', '1.4.9', false, 'too-old-to-upgrade'],
    ['2.0.0', '1.5.0', '1.5.0', false, true],
    ['1.0.0', '0.0.0', '1.0.0', false, 'same'],
    ['0.9.0', '0.0.0', '1.0.0', false, 'older'],
    ['0.9.0', '0.0.0', '1.0.0', true, true],
    ['1.0.0', '0.0.0', '1.0.0', true, true],
    ['1.0.0-evil', '0.0.0', '0.1.0', false, 'bad-version'],
  ]
  for (const [version, minVersion, installed, allowDowngrade, want] of cases) {
    const d = decideInstall({ version, minVersion }, installed, { allowDowngrade })
    if (want === true) t.ok(d.allow, `${installed} → ${version}`)
    else t.match(d, { allow: false, code: want }, `${installed} → ${version}${allowDowngrade ? ' (downgrade allowed)' : ''}`)
  }
  t.match(decideInstall({ version: '0.9.0', minVersion: '0.0.0' }, '1.0.0', { allowDowngrade: true }), { allow: true, downgrade: true })
})

t.test('check schedule: never more than 24 h, jittered down by at most 10 %', async (t) => {
  for (const r of [0, 0.25, 0.5, 0.999]) {
    const d = nextCheckDelayMs(24 * 3600_000, r)
    t.ok(d <= MAX_CHECK_INTERVAL_MS && d >= 0.9 * MAX_CHECK_INTERVAL_MS, `random ${r}: ${d}`)
  }
  t.equal(nextCheckDelayMs(48 * 3600_000, 0), MAX_CHECK_INTERVAL_MS, 'a longer interval is capped')
})

t.test('security.txt Expires: in the future, at most 180 days, never past the support end', async (t) => {
  const now = Date.parse('2026-11-25T10:00:00Z')
  t.equal(securityTxtExpires(now, '2031-12-31'), '2027-05-24T10:00:00Z')
  t.equal(securityTxtExpires(now, '2027-01-31'), '2027-01-31T23:59:59Z')
  t.equal(securityTxtExpires(now, '2026-01-01'), undefined, 'support ended')
})
