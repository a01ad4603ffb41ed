import t from 'tap'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { closed, nextMessage, startTestHub, subscribe } from '../helpers/test-hub.js'
import { openUi } from '../helpers/ui-browser.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'
import { encodeQr } from '../../web-ui/src/qr.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Phone-width screenshots of every page (CI keeps this folder as an artifact). */
const SHOTS = path.join(ROOT, 'artifacts', 'screenshots')
const NEW_PASSWORD = 'river lantern 77 moss'
const EVIL = '<img src=x onerror=alert(1)>'

/** The QR's SVG path (`M x y h n v1 h-n z` per run of dark modules) back into a module matrix. */
function matrixFromPath(d: string, quiet = 4): string[] {
  const rows = new Map<number, Set<number>>()
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const [x, y, n] = [Number(m[1]) - quiet, Number(m[2]) - quiet, Number(m[3])]
    const row = rows.get(y) ?? new Set<number>()
    for (let i = 0; i < n; i++) row.add(x + i)
    rows.set(y, row)
  }
  const size = Math.max(...rows.keys()) + 1
  return Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => (rows.get(y)?.has(x) ? '1' : '0')).join(''))
}

t.test('the UI in headless Chromium: claim → add → live state → rename → rotate → remove; hostile names stay text', async (t) => {
  // The hub serves web-ui/dist as it was at start: build it first (writes nothing if it is current).
  execFileSync(process.execPath, [path.join(ROOT, 'web-ui', 'build.mjs'), '--quiet', '--no-check'], { stdio: 'inherit' })
  const h = await startTestHub(t)
  const port = h.hub.status().listeners.https.port
  const base = `https://127.0.0.1:${port}/`
  const ui = await openUi(t, SHOTS)
  const { page, problems, shot } = ui
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name })
  const status = page.locator('#status')
  const menu = async (item: string) => {
    await page.getByRole('button', { name: 'Menu' }).click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole(item === 'Log out' ? 'button' : 'link', { name: item, exact: true }).click()
  }
  const api = (method: string, p: string) =>
    page.evaluate(async ([m, u]) => {
      const r = await fetch(u!, { method: m })
      return { status: r.status, body: r.status === 200 ? await r.json() : null }
    }, [method, `/api/v1${p}`])

  // First run: the wizard, one step at a time.
  await page.goto(base)
  await heading('Welcome to Hearth').waitFor()
  t.match(page.url(), /#\/setup$/, 'an unclaimed hub opens the wizard')
  t.equal(await page.locator('body').textContent().then((s) => /label on the hub/.test(s ?? '')), true, 'says where the setup code is')
  await shot('setup-code')
  await page.getByLabel('Setup code').fill(h.hub.identity.setupCode)
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByLabel('Your name').fill('Ada')
  await shot('setup-name')
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByLabel('Password', { exact: true }).fill('password1234')
  await shot('setup-password')
  await page.getByRole('button', { name: 'Claim this hub' }).click()
  await page.getByText(/Password refused: .*commonly used/).waitFor()
  t.pass("a weak password is refused with the server's reason")
  await shot('setup-password-refused')
  await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD)
  await page.getByRole('button', { name: 'Claim this hub' }).click()
  await heading('Home').waitFor()
  await page.getByText('No devices yet').waitFor()
  t.equal(h.hub.status().claimed, true, 'claimed')
  await page.locator('.live.on').waitFor()
  await shot('home-empty')

  // Add a device: kind and name → credentials and QR once → "I've saved it".
  await page.getByRole('link', { name: 'Add a device' }).click()
  await heading('Add a device').waitFor()
  await page.getByLabel(/Temperature sensor/).check()
  await page.getByLabel('Name', { exact: true }).fill('Living room')
  await shot('add-device')
  await page.getByRole('button', { name: 'Create its login' }).click()
  await heading('Save its login').waitFor()
  const id = (await page.locator('[data-field="username"]').textContent()) ?? ''
  const token = (await page.locator('[data-field="token"]').textContent()) ?? ''
  t.match(id, /^d-[a-z0-9]+$/, 'the page shows the device id')
  t.ok(token.length >= 20, 'and its token')
  const qrPath = (await page.locator('svg.qr path').getAttribute('d')) ?? ''
  const fp = new X509Certificate(h.ca).fingerprint256.replace(/:/g, '').toLowerCase()
  const uri = `mqtts://${id}:${encodeURIComponent(token)}@127.0.0.1:${h.port}?clientId=${id}&caSha256=${fp}`
  t.same(matrixFromPath(qrPath), encodeQr(uri, 'M').modules.map((r) => r.map((b) => (b ? '1' : '0')).join('')), 'the QR code encodes the connection URI')
  await shot('add-credentials')
  await page.getByRole('button', { name: "I've saved it" }).click()
  await heading('Connect the device').waitFor()
  t.equal(await page.getByText(token).count(), 0, 'the token is gone from the page')
  await shot('add-connect')

  // A real MQTT client publishes; Home shows it without a reload (SSE).
  await page.getByRole('link', { name: 'Go to Home' }).click()
  await heading('Home').waitFor()
  await page.locator('.live.on').waitFor()
  await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true))
  let listFetches = 0
  page.on('request', (r) => void (new URL(r.url()).pathname === '/api/v1/devices' && listFetches++))
  const dev = await h.connect({ username: id, password: token, clientId: id })
  await dev.publishAsync(`hearth/${id}/state`, JSON.stringify({ temperature: 21.5, humidity: 40 }))
  const card = page.locator(`li.device[data-id="${id}"]`)
  await card.locator('.value', { hasText: '21.5 °C' }).waitFor()
  t.match(await card.textContent(), /Humidity 40 %/, 'humidity too')
  t.equal(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'no page reload')
  t.equal(listFetches, 0, 'and no new fetch of the list: the state came over the event stream')
  await shot('home-live')

  // Device page: live, rename, rotate, remove.
  await card.getByRole('link', { name: 'Living room' }).click()
  await heading('Living room').waitFor()
  await dev.publishAsync(`hearth/${id}/state`, JSON.stringify({ temperature: 22, humidity: 41, battery: 90 }))
  await page.locator('.state .value', { hasText: '22 °C' }).waitFor()
  t.pass('the device page is live too')
  await shot('device')
  await page.getByLabel('Device name').fill('Hall')
  await page.getByRole('button', { name: 'Save name' }).click()
  await heading('Hall').waitFor()
  await status.getByText('Renamed to “Hall”.').waitFor()
  t.equal((await api('GET', `/devices/${id}`)).body.name, 'Hall', 'renamed on the hub')
  await shot('device-renamed')

  await page.getByRole('button', { name: 'Get a new token…' }).click()
  await page.getByRole('dialog', { name: 'Get a new token?' }).waitFor()
  await shot('device-rotate-confirm', { fullPage: false })
  const gone = closed(dev, 5000)
  await page.getByRole('dialog').getByRole('button', { name: 'Get a new token' }).click()
  await page.getByRole('heading', { name: 'New token' }).waitFor()
  const newToken = (await page.locator('[data-field="token"]').textContent()) ?? ''
  t.not(newToken, token, 'a new token')
  await gone
  t.pass('the old token was cut off')
  await shot('device-rotated')
  await page.getByRole('button', { name: "I've saved it" }).click()
  await page.getByRole('button', { name: 'Get a new token…' }).waitFor()
  const dev2 = await h.connect({ username: id, password: newToken, clientId: id })
  t.ok(dev2.connected, 'the new token works')

  await page.getByRole('button', { name: 'Remove device…' }).click()
  await page.getByRole('dialog', { name: 'Remove “Hall”?' }).waitFor()
  await shot('device-remove-confirm', { fullPage: false })
  const gone2 = closed(dev2, 5000)
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click()
  await heading('Home').waitFor()
  await status.getByText('Removed “Hall”.').waitFor()
  t.equal(await page.locator(`li.device[data-id="${id}"]`).count(), 0, 'gone from Home')
  t.equal((await api('GET', `/devices/${id}`)).status, 404, 'gone from the hub')
  await gone2
  await shot('home-after-remove')

  // A hostile device name is text: no <img>, no dialog, on Home, its page and its dialogs.
  const evil = await h.addDevice(EVIL)
  await page.reload()
  await heading('Home').waitFor()
  const evilLink = page.locator(`li.device[data-id="${evil.id}"] h2 a`)
  t.equal(await evilLink.textContent(), EVIL, 'Home shows the name as text')
  t.equal(await page.locator('img').count(), 0, 'no <img> element was created')
  await shot('home-hostile-name')
  await evilLink.click()
  await heading(EVIL).waitFor()
  t.equal(await page.title(), `${EVIL} · Hearth`, 'the title is the name, as text')
  await shot('device-hostile-name')
  await page.getByRole('button', { name: 'Remove device…' }).click()
  t.equal(await page.getByRole('dialog').locator('h2').textContent(), `Remove “${EVIL}”?`, 'the confirmation shows it as text')
  await shot('device-hostile-name-remove-confirm', { fullPage: false })
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
  t.equal(await page.locator('img').count(), 0, 'still no <img>')
  t.same(problems.dialogs, [], 'nothing ran: no alert')

  // A light: its page switches it — the device receives each command on its command topic.
  const lamp = await h.addDevice('Desk lamp', 'light')
  const lampDev = await h.connect({ username: lamp.id, password: lamp.token, clientId: lamp.id })
  await subscribe(lampDev, { [`hearth/${lamp.id}/set`]: 1 })
  await page.goto(`${base}#/device/${lamp.id}`)
  await heading('Desk lamp').waitFor()
  let got = nextMessage(lampDev, `hearth/${lamp.id}/set`)
  await page.getByRole('button', { name: 'Turn on' }).click()
  t.same(JSON.parse((await got).payload), { state: 'ON' }, 'Turn on reaches the device')
  await page.getByLabel('Brightness').fill('50')
  got = nextMessage(lampDev, `hearth/${lamp.id}/set`)
  await page.getByRole('button', { name: 'Set brightness' }).click()
  t.same(JSON.parse((await got).payload), { brightness: 127 }, 'brightness 50 % reaches it as 127 of 254')
  await lampDev.publishAsync(`hearth/${lamp.id}/state`, JSON.stringify({ state: 'ON', brightness: 127 }))
  await page.locator('.state .value', { hasText: 'On' }).first().waitFor()
  await shot('device-light-controls')
  await lampDev.endAsync()

  // The other pages, through the menu.
  await page.evaluate('window.scrollTo(0, 0)')
  await page.getByRole('button', { name: 'Menu' }).click()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Zigbee pairing' }).waitFor()
  await shot('menu', { fullPage: false })
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Zigbee pairing' }).click()
  await heading('Zigbee pairing').waitFor()
  await page.getByRole('button', { name: 'Start pairing' }).click()
  await page.getByRole('alert').getByText(/Zigbee is not set up/).waitFor()
  t.pass('pairing says why it cannot start')
  await shot('pairing')
  // Once Zigbee is set up the hub answers with when pairing ends: the page counts down.
  await page.route('**/api/v1/pairing', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ until: new Date(Date.now() + 120_000).toISOString() }) }))
  await page.getByRole('button', { name: 'Start pairing' }).click()
  await page.locator('.countdown').waitFor()
  t.match(await page.locator('.countdown').textContent(), /^(2:00|1:5\d)$/, 'a visible countdown')
  t.equal(await page.getByRole('alert').count(), 0, 'the earlier refusal is gone')
  await shot('pairing-countdown')
  await page.unroute('**/api/v1/pairing')

  await menu('Security')
  await heading('Security').waitFor()
  t.equal(await page.locator('#tls-fingerprint').textContent(), h.hub.status().tlsFingerprint, 'the TLS fingerprint')
  t.match(await page.locator('#counters').textContent(), /Connections refused: wrong username or token/, 'broker counters')
  t.match(await page.locator('#security-events').textContent(), /hub claimed by its owner from 127\.0\.0\.1/, 'recent events: the claim, with its address')
  await shot('security')

  await menu('Privacy')
  await heading('Privacy').waitFor()
  // The inventory is fetched after the page renders: wait for it (a busy machine read the page before it came).
  await page.getByText('What the hub keeps').first().waitFor()
  await page.getByText(/No data leaves your home/).first().waitFor()
  t.match(await page.locator('main').textContent(), /What the hub keeps[\s\S]*Nothing\. No data leaves your home/, 'the inventory, and no consent given')
  t.equal(await page.getByRole('link', { name: /Download my data/ }).count(), 1, 'the export download')
  await shot('privacy')

  await menu('About')
  await heading('About this hub').waitFor()
  const about = (await page.locator('#about').textContent()) ?? ''
  t.match(about, h.hub.status().version, 'version')
  t.match(about, /December 31, 2031/, 'support end date')
  await shot('about')

  await menu('Change password')
  await heading('Change password').waitFor()
  await page.getByLabel('Current password').fill('not my password!')
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
  await page.getByLabel('New password again').fill(NEW_PASSWORD)
  await page.getByRole('button', { name: 'Change password' }).click()
  await page.getByText('Your current password is not right.').waitFor()
  await page.getByLabel('Current password').fill(GOOD_PASSWORD)
  await page.getByRole('button', { name: 'Change password' }).click()
  await status.getByText(/Password changed/).waitFor()
  await shot('password')

  // Log out; back-off shows as a countdown; log in again.
  await menu('Log out')
  await heading('Log in').waitFor()
  await status.getByText("You're logged out.").waitFor()
  t.equal((await api('GET', '/session')).status, 401, 'the session is gone')
  await shot('login')
  const wrong = 'wrong password 123'
  const login = () => page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST')
  // One failure was already counted above (the wrong current password on the password page:
  // guessing it is brute force too), so 4 more wrong logins reach the 5 free attempts.
  for (let i = 0; i < 4; i++) {
    await page.getByLabel('Password', { exact: true }).fill(wrong)
    const answer = login()
    await page.getByRole('button', { name: 'Log in' }).click()
    t.equal((await answer).status(), 401, `wrong password ${i + 1}`)
    await page.getByText('That name or password is not right.').waitFor()
  }
  await page.getByLabel('Password', { exact: true }).fill(wrong)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByText(/Too many attempts\. Try again in \d+ s\./).waitFor()
  t.pass('429 shows a countdown from Retry-After')
  await shot('login-backoff')
  await page.getByText('You can try again now.').waitFor({ timeout: 20_000 })
  await page.getByLabel('Name', { exact: true }).fill('Ada')
  await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD)
  await page.getByRole('button', { name: 'Log in' }).click()
  await heading('Home').waitFor()
  t.pass('logged in with the new password')

  // Another browser changes the password: this session ends, and the next call brings back the
  // login page, which then returns to where the owner was.
  const other = new WebClient(port, h.ca)
  t.equal((await other.post('/api/v1/session', { password: NEW_PASSWORD })).status, 200)
  t.equal((await other.request('PUT', '/api/v1/password', { currentPassword: NEW_PASSWORD, newPassword: GOOD_PASSWORD })).status, 204)
  await menu('Security')
  await heading('Log in').waitFor()
  await status.getByText('Your session ended. Log in again to go on.').waitFor()
  await shot('session-ended')
  await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD)
  await page.getByRole('button', { name: 'Log in' }).click()
  await heading('Security').waitFor()
  t.pass('back where the owner was')
  t.match(await page.locator('#security-events').textContent(), /wrong name or password \(\d+ times\) from 127\.0\.0\.1/, 'the failed logins show, as one line with a count')
  await shot('security-events')

  await ui.close()
  t.same(problems.pageErrors, [], 'no uncaught exceptions')
  t.same(problems.cspViolations, [], 'no CSP violations')
  t.same(problems.dialogs, [], 'no dialogs')
  // Chromium logs every HTTP error as a console error; those must be exactly the expected ones.
  t.same(
    problems.consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of (400|401|403|404|409|429) /.test(e)),
    [],
    'no other console errors',
  )
  const expected = new Set(['POST /api/v1/claim 400', 'POST /api/v1/pairing 409', 'PUT /api/v1/password 403', 'GET /api/v1/session 401', 'GET /api/v1/security 401', 'GET /api/v1/update 401', 'POST /api/v1/session 401', 'POST /api/v1/session 429', `GET /api/v1/devices/${id} 404`])
  t.same(problems.httpErrors.filter((e) => !expected.has(e)), [], 'no unexpected HTTP errors')
})
