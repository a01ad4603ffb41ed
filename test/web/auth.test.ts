import t from 'tap'
import { startTestHub } from '../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'

async function hub(t: Tap.Test) {
  const h = await startTestHub(t)
  const port = h.hub.status().listeners.https.port
  return { h, port, client: (addr?: string) => new WebClient(port, h.ca, addr) }
}
type Tap = typeof t
declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0]
}

t.test('claim: wrong code refused, weak password refused with its reason, code dead afterwards', async (t) => {
  const { h, client } = await hub(t)
  const c = client()
  t.same((await c.get('/api/v1/setup')).body, { claimed: false })
  const wrong = await c.post('/api/v1/claim', { setupCode: 'AAAA-BBBB-CCCC', name: 'Ada', password: GOOD_PASSWORD })
  t.equal(wrong.status, 401)
  t.equal(wrong.body.code, 'HUB_ERR_UNAUTHORIZED')
  for (const [password, reason] of [
    ['short', /at least 12 characters/],
    ['password1234', /commonly used/],
    ['aaaaaaaaaaaaaaaa', /too few different characters/],
    ['Ada Ada Ada!', /at least 12|too close/],
  ] as const) {
    const weak = await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password })
    t.equal(weak.status, 400, password)
    t.match(weak.body.message, reason)
  }
  const extra = await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD, admin: true })
  t.equal(extra.status, 400, 'unknown body fields are refused, not stripped')
  const ok = await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode.toLowerCase().replace(/-/g, ' '), name: 'Ada', password: GOOD_PASSWORD })
  t.equal(ok.status, 201, 'claimed (case and separators do not matter)')
  t.equal(ok.body.name, 'Ada')
  t.match(ok.headers['set-cookie']?.[0], /^__Host-hearth=[^;]+; Path=\/; Secure; HttpOnly; SameSite=Strict/)
  t.same((await c.get('/api/v1/setup')).body, { claimed: true })
  const again = await client().post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Mallory', password: GOOD_PASSWORD })
  t.equal(again.status, 409, 'the setup code is dead after the claim')
  t.equal((await h.admin('setupCode').catch((e: Error) => e.message)), 'this hub is claimed: its setup code no longer works')
})

t.test('sessions: login, who am I, logout; password change ends other sessions', async (t) => {
  const { h, client } = await hub(t)
  const owner = client()
  await owner.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const phone = client()
  t.equal((await phone.post('/api/v1/session', { password: 'wrong password here' })).status, 401)
  const login = await phone.post('/api/v1/session', { name: 'ada', password: GOOD_PASSWORD })
  t.equal(login.status, 200)
  t.equal((await phone.get('/api/v1/session')).body.name, 'Ada')
  const change = await owner.request('PUT', '/api/v1/password', { currentPassword: GOOD_PASSWORD, newPassword: 'river lantern 77 moss' })
  t.equal(change.status, 204)
  t.equal((await phone.get('/api/v1/session')).status, 401, 'the other session ended')
  t.equal((await owner.get('/api/v1/session')).status, 200, 'the changing session stays')
  t.equal((await client().post('/api/v1/session', { password: GOOD_PASSWORD })).status, 401, 'old password fails')
  t.equal((await client().post('/api/v1/session', { password: 'river lantern 77 moss' })).status, 200, 'new password works')
  t.equal((await owner.request('DELETE', '/api/v1/session')).status, 204)
  t.equal((await owner.get('/api/v1/session')).status, 401, 'logged out')
  t.equal((await owner.post('/api/v1/session', { password: 'river lantern 77 moss' })).status, 200)
})

t.test('brute force: 30 wrong logins from one address → 429 with a growing Retry-After; another address still logs in', async (t) => {
  const { h, client } = await hub(t)
  await client().post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const attacker = client('127.0.0.1')
  const retryAfters: number[] = []
  let limited = 0
  for (let i = 0; i < 30; i++) {
    const r = await attacker.post('/api/v1/session', { password: `guess number ${i} xx` })
    if (r.status === 429) {
      limited++
      retryAfters.push(Number(r.headers['retry-after']))
      // Wait out short backoffs so the counter keeps growing, as a patient attacker would.
      const wait = Number(r.headers['retry-after'])
      if (wait <= 2) await new Promise((res) => setTimeout(res, wait * 1000 + 50))
    } else t.equal(r.status, 401)
  }
  t.ok(limited >= 20, `${limited} of 30 attempts answered 429`)
  t.ok(retryAfters[retryAfters.length - 1]! > retryAfters[0]!, `Retry-After grows: ${retryAfters[0]} s → ${retryAfters[retryAfters.length - 1]} s`)
  const right = await attacker.post('/api/v1/session', { password: GOOD_PASSWORD })
  t.equal(right.status, 429, 'even the right password waits while the address backs off')
  const owner = client('127.0.0.2')
  t.equal((await owner.post('/api/v1/session', { password: GOOD_PASSWORD })).status, 200, 'another address logs in')
  // The owner sees it: one line per kind and address, with a count — not 30 lines.
  await h.connect({ username: 'd-nobody', password: 'not a token' }).then((c) => c.end(), () => undefined)
  const events = (await owner.get('/api/v1/security')).body.events as Array<{ kind: string; address?: string; count: number; severity: string }>
  const failed = events.filter((e) => e.kind === 'login-failed' && e.address === '127.0.0.1')
  t.equal(failed.length, 1, 'the failed logins are one line')
  t.ok(failed[0]!.count >= 5 && failed[0]!.count <= 30, `with a count (${failed[0]?.count})`)
  t.ok(events.some((e) => e.kind === 'rate-limited' && e.address === '127.0.0.1'), 'the backoff shows')
  t.ok(events.some((e) => e.kind === 'login' && e.address === '127.0.0.2'), 'and the good login from the other address')
  t.ok(events.some((e) => e.kind === 'claim'), 'and the claim')
  t.ok(events.some((e) => e.kind === 'mqtt-login-refused' && e.severity === 'warning'), 'and the refused MQTT login')
  // The owner is never locked out for good: on the box, the setup code resets the password.
  const reset = await h.admin('owner.reset', { setupCode: h.hub.identity.setupCode, password: 'fresh start 2026 ok' })
  t.same(reset, { reset: true })
  t.equal((await owner.get('/api/v1/session')).status, 401, 'a reset ends web sessions')
})

t.test('the live event stream ends with its session', async (t) => {
  const https = await import('node:https')
  const { h, client, port } = await hub(t)
  const owner = client()
  await owner.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const dev = await h.addDevice('Hall')
  const d = await h.connect({ username: dev.id, password: dev.token, clientId: dev.id })
  const events: string[] = []
  const ended = new Promise<void>((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', servername: 'localhost', port, path: '/api/v1/events', ca: h.ca, headers: { cookie: owner.cookie! } }, (res) => {
      res.setEncoding('utf8').on('data', (c: string) => events.push(c))
      res.on('end', () => resolve())
    })
    req.on('error', reject)
  })
  await new Promise((r) => setTimeout(r, 200))
  d.publish(`hearth/${dev.id}/state`, '{"temperature":20}')
  await new Promise((r) => setTimeout(r, 300))
  t.match(events.join(''), /event: state\ndata: .*"temperature":20/, 'live while logged in')
  await owner.request('DELETE', '/api/v1/session')
  d.publish(`hearth/${dev.id}/state`, '{"temperature":23}')
  await ended
  t.notMatch(events.join(''), /"temperature":23/, 'nothing after logout; the stream ended')
})
