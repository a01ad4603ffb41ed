import t from 'tap'
import { execFileSync } from 'node:child_process'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { resolveConfig } from '../../src/core/config.js'
import { silentLogger } from '../../src/core/log.js'
import { startHub } from '../../src/hub.js'
import { tmpDir } from '../helpers/hub-process.js'
import { openUi } from '../helpers/ui-browser.js'
import { GOOD_PASSWORD } from '../helpers/web-client.js'
import { releaseKey, testBundle, updateTmp } from '../helpers/update-slots.js'

const SHOTS = path.resolve('artifacts', 'screenshots', 'updates')

t.test('the Updates page in headless Chromium: integrity state, what an update fixes, checks off', async (t) => {
  execFileSync(process.execPath, [path.resolve('web-ui/build.mjs'), '--quiet', '--no-check'], { stdio: 'inherit' })
  const key = releaseKey()
  const source = updateTmp('ui-')
  t.teardown(() => fsp.rm(source, { recursive: true, force: true }))
  await testBundle(source, key, '9.1.0', { info: { notes: 'Fixes a login bypass (CVE-0000-0003).\nFaster pairing.' } })
  const config = resolveConfig({ env: {}, flags: { '--data-dir': path.join(tmpDir(), 'data'), '--mqtt-port': '0', '--http-port': '0', '--update-source': source }, baseDir: '/' })
  // Test-only seam: this hub trusts the test key (no config or env can do this).
  const hub = await startHub(config, silentLogger, { test: { update: { trustedKeys: key.trusted } } })
  t.teardown(() => hub.stop())
  const base = `https://127.0.0.1:${hub.status().listeners.https.port}/`
  const { page, problems, shot } = await openUi(t, SHOTS)
  await page.goto(base)
  const claim = await page.evaluate(async ([code, pw]) => {
    const r = await fetch('/api/v1/claim', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setupCode: code, name: 'Ada', password: pw }) })
    return r.status
  }, [hub.identity.setupCode, GOOD_PASSWORD])
  t.equal(claim, 201)
  await page.reload()
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor()
  await page.getByRole('button', { name: 'Menu' }).click()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Updates', exact: true }).click()
  await page.getByRole('heading', { level: 1, name: 'Updates' }).waitFor()
  await page.getByText('unverified (development build)').waitFor()
  t.ok(await page.getByText('Version 0.1.0').isVisible(), 'installed version shown')
  await page.getByRole('button', { name: 'Check now' }).click()
  await page.getByRole('heading', { name: 'Version 9.1.0 is available' }).waitFor()
  t.match(await page.locator('#update-available').textContent(), /Fixes a login bypass \(CVE-0000-0003\)/, 'what it fixes')
  t.ok(await page.getByRole('button', { name: 'Install 9.1.0' }).isDisabled(), 'no slots here: install is not offered')
  await shot('available')
  await page.getByLabel('Look for updates every day').uncheck()
  await page.getByRole('button', { name: 'Postpone for 7 days' }).waitFor()
  await page.waitForFunction(async () => ((await (await fetch('/api/v1/update')).json()) as { check: { autoCheck: boolean } }).check.autoCheck === false)
  t.same(problems.cspViolations, [], 'no CSP violations')
  t.same(problems.pageErrors, [], 'no page errors')
})
