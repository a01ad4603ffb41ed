import t from 'tap'
import { readFileSync } from 'node:fs'
import { SUPPORT_END } from '../../src/system/paths.js'
import { startTestHub } from '../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }

t.test('/.well-known/security.txt (RFC 9116): public, Contact, Expires in the future and within support, Policy', async (t) => {
  const h = await startTestHub(t)
  const anon = new WebClient(h.hub.status().listeners.https.port, h.ca)
  const res = await anon.get('/.well-known/security.txt')
  t.equal(res.status, 200, 'served without a session')
  t.match(String(res.headers['content-type']), /^text\/plain; charset=utf-8/)
  const fields = new Map<string, string[]>()
  for (const line of res.text.split('\n')) {
    const m = /^([A-Za-z-]+): (.+)$/.exec(line)
    if (m) fields.set(m[1]!, [...(fields.get(m[1]!) ?? []), m[2]!])
  }
  t.ok(fields.get('Contact')?.every((c) => /^(mailto:|https:\/\/)/.test(c)), 'Contact is a mailto: or https: URI')
  t.equal(fields.get('Expires')?.length, 1, 'exactly one Expires (RFC 9116 2.5.5)')
  const expires = Date.parse(fields.get('Expires')![0]!)
  t.ok(expires > Date.now(), 'Expires is in the future')
  t.ok(expires <= Date.parse(`${SUPPORT_END}T23:59:59Z`), 'and not past the end of support')
  t.ok(expires - Date.now() < 366 * 86400_000, 'less than a year ahead')
  t.match(fields.get('Policy')?.[0], /^https:\/\/.*SECURITY\.md$/)
  t.ok(fields.get('Preferred-Languages'))
  t.match(fields.get('Canonical')?.[0], /^https:\/\/.*\/\.well-known\/security\.txt$/)
})

t.test('about reports model, version and support end from the build metadata; update status says "development build"', async (t) => {
  const h = await startTestHub(t)
  const owner = new WebClient(h.hub.status().listeners.https.port, h.ca)
  await owner.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const about = await owner.get('/api/v1/about')
  t.equal(about.status, 200)
  t.match(about.body, { model: 'Hearth Hub', version: pkg.version, supportEnd: SUPPORT_END })
  t.match(readFileSync('README.md', 'utf8'), SUPPORT_END, 'the README states the same support end')
  const u = await owner.get('/api/v1/update')
  t.equal(u.status, 200)
  t.equal(u.body.installed.version, pkg.version)
  for (let i = 0; i < 50 && !u.body.integrity.checkedAt; i++) {
    await new Promise((r) => setTimeout(r, 50))
    u.body = (await owner.get('/api/v1/update')).body
  }
  t.match(u.body.integrity, { status: 'unverified', reason: /development build/, lockdown: false }, 'a checkout is unverified, and not locked down')
  const c = await owner.post('/api/v1/update/check')
  t.equal(c.status, 202, 'a check starts and answers at once')
  let after = c.body
  for (let i = 0; i < 50 && !after.check.last; i++) (await new Promise((r) => setTimeout(r, 50)), (after = (await owner.get('/api/v1/update')).body))
  t.match(after.check.last, { ok: true, message: /no update source configured/ })
  const off = await owner.request('PUT', '/api/v1/update/settings', { autoCheck: false })
  t.equal(off.body.check.autoCheck, false, 'the owner can turn checks off')
  const bad = await owner.request('PUT', '/api/v1/update/settings', { autoCheck: 'no' })
  t.equal(bad.status, 400)
  const none = await owner.post('/api/v1/update/apply', {})
  t.equal(none.status, 503, 'no slots configured → unavailable, with a reason')
  t.same(Object.keys(none.body).sort(), ['code', 'message'])
})
