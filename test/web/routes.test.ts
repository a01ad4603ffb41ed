import t from 'tap'
import { startTestHub } from '../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'

const PUBLIC = new Set(['GET /api/v1/health', 'GET /api/v1/setup', 'POST /api/v1/claim', 'POST /api/v1/session', 'GET /.well-known/security.txt'])

t.test('route table: no session → 401 (but the allow-list); no or forged CSRF → 403; schemas everywhere', async (t) => {
  const h = await startTestHub(t)
  const port = h.hub.status().listeners.https.port
  const owner = new WebClient(port, h.ca)
  const anon = new WebClient(port, h.ca)
  t.equal((await anon.get('/api/v1/openapi.json')).status, 401, 'the API description is for the owner')
  t.equal((await anon.get('/api/v1/devices')).status, 401, 'before the claim: 401')
  await owner.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const spec = (await owner.get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, { security: unknown[]; requestBody?: { content: { 'application/json': { schema: { additionalProperties?: boolean } } } } }>> }
  const dev = await h.addDevice('Probe')
  const routes = Object.entries(spec.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: p.replace('{id}', dev.id), template: p, op: ops[m]! })))
  t.ok(routes.length >= 15, `${routes.length} routes described`)
  for (const r of routes) {
    const key = `${r.method} ${r.template}`
    const body = ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined
    const res = await anon.request(r.method, r.path, body, { csrf: null })
    if (PUBLIC.has(key)) {
      t.not(res.status, 401, `${key} is public`)
      t.same(r.op.security, [], `${key} documented as public`)
      continue
    }
    t.equal(res.status, 401, `${key} without a session → 401`)
    t.same(Object.keys(res.body ?? {}).sort(), ['code', 'message'], `${key}: error shape`)
    if (r.op.requestBody) t.equal(r.op.requestBody.content['application/json'].schema.additionalProperties, false, `${key}: body schema refuses unknown fields`)
    if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)) {
      const missing = await owner.request(r.method, r.path, body, { csrf: null })
      t.equal(missing.status, 403, `${key} with a session but no CSRF token → 403`)
      const forged = await owner.request(r.method, r.path, body, { csrf: 'x'.repeat(43) })
      t.equal(forged.status, 403, `${key} with a forged CSRF token → 403`)
    }
  }
  t.equal((await anon.get('/api/v1/nope')).status, 401, 'unknown routes look the same without a session')
  t.equal((await owner.get('/api/v1/nope')).status, 404)
  t.ok(h.hub.status().listeners.https.port > 0)
})

t.test('headers, error shapes, input validation on the API', async (t) => {
  const h = await startTestHub(t)
  const c = new WebClient(h.hub.status().listeners.https.port, h.ca)
  const health = await c.get('/api/v1/health')
  t.match(health.headers['content-security-policy'], /default-src 'none'.*frame-ancestors 'none'/)
  t.equal(health.headers['x-content-type-options'], 'nosniff')
  t.equal(health.headers['referrer-policy'], 'no-referrer')
  t.match(health.headers['strict-transport-security'], /max-age=\d+/)
  t.notOk(health.headers.server)
  t.notOk(health.headers['x-powered-by'])
  await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const cases: Array<[string, string, unknown, number]> = [
    ['POST', '/api/v1/devices', { name: 'x', kind: 'toaster' }, 400],
    ['POST', '/api/v1/devices', { name: '', kind: 'switch' }, 400],
    ['POST', '/api/v1/devices', { name: 'x', kind: 'switch', extra: 1 }, 400],
    ['POST', '/api/v1/devices', { name: 'x'.repeat(65), kind: 'switch' }, 400],
    ['PATCH', '/api/v1/devices/..%2F..%2Fetc', { name: 'x' }, 400],
    ['GET', '/api/v1/devices/d-doesnotexist', undefined, 404],
    ['POST', '/api/v1/pairing', { seconds: 255 }, 400],
    ['POST', '/api/v1/pairing', { seconds: '60' }, 400],
  ]
  for (const [m, p, body, status] of cases) {
    const r = await c.request(m, p, body)
    t.equal(r.status, status, `${m} ${p} ${JSON.stringify(body)}`)
    t.same(Object.keys(r.body).sort(), ['code', 'message'])
    t.notMatch(r.text, /at .*\.(js|ts):\d+/, 'no stack trace')
  }
  const notJson = await c.request('POST', '/api/v1/devices', undefined, { headers: { 'content-type': 'text/plain' } })
  t.ok(notJson.status >= 400 && notJson.status < 500, 'non-JSON bodies are refused')
  const huge = await c.request('POST', '/api/v1/devices', { name: 'x'.repeat(70_000), kind: 'switch' })
  t.equal(huge.status, 413, 'bodies over 64 KiB are refused')
  t.equal((await c.get('/api/v1/devices')).body.devices.length, 0, 'nothing was stored by any bad request')
})

t.test('devices over the API: add (credentials once), state, rename, rotate, remove', async (t) => {
  const h = await startTestHub(t)
  const c = new WebClient(h.hub.status().listeners.https.port, h.ca)
  await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const add = await c.post('/api/v1/devices', { name: 'Hall', kind: 'temperature' })
  t.equal(add.status, 201)
  const { id, token, mqtt } = add.body
  t.match(mqtt, { username: id, clientId: id, stateTopic: `hearth/${id}/state` })
  const d = await h.connect({ username: id, password: token, clientId: id })
  await new Promise<void>((r) => d.publish(`hearth/${id}/state`, '{"temperature":22.5}', { qos: 1 }, () => r()))
  await new Promise((r) => setTimeout(r, 100))
  const got = await c.get(`/api/v1/devices/${id}`)
  t.same(got.body.state, { temperature: 22.5 }, 'state from the broker')
  t.notOk(JSON.stringify((await c.get('/api/v1/devices')).body).includes(token), 'the token is not shown again')
  t.equal((await c.request('PATCH', `/api/v1/devices/${id}`, { name: 'Hallway' })).body.name, 'Hallway')
  const rot = await c.post(`/api/v1/devices/${id}/rotate`)
  t.not(rot.body.token, token)
  t.equal((await c.request('DELETE', `/api/v1/devices/${id}`)).status, 204)
  t.equal((await c.get(`/api/v1/devices/${id}`)).status, 404)
})

t.test('commands over the API reach the device, validated against its kind', async (t) => {
  const h = await startTestHub(t)
  const c = new WebClient(h.hub.status().listeners.https.port, h.ca)
  await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const plug = await h.addDevice('Kettle', 'switch')
  const sensor = await h.addDevice('Hall', 'temperature')
  const got: string[] = []
  await h.connect({ username: plug.id, password: plug.token, clientId: plug.id }).then(
    (d) =>
      new Promise<void>((r) => {
        d.on('message', (_t, p) => got.push(p.toString()))
        d.subscribe(`hearth/${plug.id}/set`, { qos: 1 }, () => r())
      }),
  )
  t.equal((await c.post(`/api/v1/devices/${plug.id}/command`, { state: 'ON' })).status, 202)
  t.equal((await c.post(`/api/v1/devices/${plug.id}/command`, { state: 'EXPLODE' })).status, 400)
  t.equal((await c.post(`/api/v1/devices/${plug.id}/command`, {})).status, 400)
  const refused = await c.post(`/api/v1/devices/${sensor.id}/command`, { state: 'ON' })
  t.equal(refused.status, 400)
  t.match(refused.body.message, /does not take that command/)
  await new Promise((r) => setTimeout(r, 300))
  t.same(got.map((p) => JSON.parse(p)), [{ state: 'ON' }], 'only the valid command was delivered')
})

t.test('schemas compile on first use; every one compiles; querystrings coerce, bodies do not', async (t) => {
  let app: import('fastify').FastifyInstance | undefined
  const h = await startTestHub(t, {}, undefined, { test: { web: (a) => (app = a) } })
  const c = new WebClient(h.hub.status().listeners.https.port, h.ca)
  await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const dev = await h.addDevice('Hall', 'temperature')
  t.equal((await c.get(`/api/v1/devices/${dev.id}/history?hours=5`)).status, 200, '?hours=5 is the integer 5')
  for (const q of ['hours=0', 'hours=abc', 'hours=1.5', 'other=1']) t.equal((await c.get(`/api/v1/devices/${dev.id}/history?${q}`)).status, 400, `?${q} refused`)
  t.equal((await c.post('/api/v1/pairing', { seconds: '60' })).status, 400, 'a body is never coerced')
  const n = app!.compileAllSchemas()
  t.ok(n >= 40, `${n} validators and serializers compiled without error`)
  t.equal(app!.compileAllSchemas(), 0, 'nothing left pending')
})
