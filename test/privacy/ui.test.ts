import t from 'tap'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startTestHub } from '../helpers/test-hub.js'
import { openUi } from '../helpers/ui-browser.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SHOTS = path.join(ROOT, 'artifacts', 'screenshots-privacy')

t.test('the privacy page in headless Chromium: inventory, per-device delete, wipe with password + confirm, receipt', async (t) => {
  execFileSync(process.execPath, [path.join(ROOT, 'web-ui', 'build.mjs'), '--quiet', '--no-check'], { stdio: 'inherit' })
  const h = await startTestHub(t)
  const port = h.hub.status().listeners.https.port
  const api = new WebClient(port, h.ca)
  await api.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const keep = (await api.post('/api/v1/devices', { name: 'Hall light', kind: 'switch' })).body as { id: string }
  await api.post('/api/v1/devices', { name: 'Old plug', kind: 'switch' })
  const { page, problems, shot } = await openUi(t, SHOTS)
  await page.goto(`https://127.0.0.1:${port}/#/privacy`)
  await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('button', { name: 'Menu' }).waitFor({ timeout: 60_000 })
  await page.getByRole('button', { name: 'Menu' }).click()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Privacy', exact: true }).click()
  await page.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor()
  await page.getByText('What the hub keeps, and why').waitFor({ timeout: 30_000 })
  t.match(await page.locator('main').textContent(), /Owner account[\s\S]*State history[\s\S]*Uplink credentials/, 'the inventory')
  await shot('privacy')

  // Per-device delete, confirmed in a dialog.
  const item = page.locator('li', { hasText: 'Old plug' })
  await item.getByRole('button', { name: 'Delete' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()
  await item.waitFor({ state: 'detached' })
  t.same((await api.get('/api/v1/devices')).body.devices.map((d: { id: string }) => d.id), [keep.id], 'the other device stays')

  // Wipe: a wrong password is refused and nothing happens.
  await page.getByLabel('Your password').fill('not my password at all')
  await page.getByRole('button', { name: 'Erase everything' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Erase everything' }).click()
  await page.getByText(/password is not right: nothing was wiped/i).waitFor({ timeout: 60_000 })
  t.equal((await api.get('/api/v1/devices')).status, 200, 'still there')
  // The right password, confirmed once.
  await page.getByLabel('Your password').fill(GOOD_PASSWORD)
  await page.getByRole('button', { name: 'Erase everything' }).click()
  await shot('wipe-confirm')
  await page.getByRole('dialog').getByRole('button', { name: 'Erase everything' }).click()
  await page.getByText('Everything is erased. The hub is as new.').waitFor({ timeout: 60_000 })
  const text = (await page.locator('main').textContent()) ?? ''
  t.match(text, /Data key destroyed; \d+ files deleted/, 'the receipt')
  t.match(text, /Owner account, 1 devices/, 'what was erased')
  t.notMatch(text, /Ada|Hall light/, 'no names on the receipt')
  await shot('wipe-receipt')
  const after = new WebClient(port, h.hub.identity.tls.ca) // the hub has a new CA now
  after.cookie = api.cookie
  t.equal((await after.get('/api/v1/devices')).status, 401, "the API client's old session is refused")
  t.same(problems.pageErrors, [], 'no page errors')
  t.same(problems.cspViolations, [], 'no CSP violations')
})
