import t from 'tap'
import http from 'node:http'
import { freePort } from '../helpers/ports.js'
import { redirectTarget } from '../../src/web/redirect.js'
import { startTestHub } from '../helpers/test-hub.js'
import { WebClient } from '../helpers/web-client.js'

const deps = { httpsPort: () => 8443, names: () => ['localhost', '127.0.0.1', '::1', 'hearth-ab12', 'hearth-ab12.local', '192.168.1.20'], fallbackHost: () => 'hearth-ab12.local' }

t.test('redirect target: the asked host only if the certificate covers it; only a local path', async (t) => {
  const table: Array<[string | undefined, string | undefined, string]> = [
    ['192.168.1.20:8080', '/api/v1/health?x=1', 'https://192.168.1.20:8443/api/v1/health?x=1'],
    ['hearth-ab12.local', '/', 'https://hearth-ab12.local:8443/'],
    ['HEARTH-AB12.LOCAL:80', '/a', 'https://hearth-ab12.local:8443/a'],
    ['[::1]:8080', '/', 'https://[::1]:8443/'],
    ['evil.example', '/', 'https://hearth-ab12.local:8443/'],
    ['evil.example:80', '//evil.example/x', 'https://hearth-ab12.local:8443/'],
    ['127.0.0.1@evil.example', '/', 'https://hearth-ab12.local:8443/'],
    [undefined, undefined, 'https://hearth-ab12.local:8443/'],
    ['localhost', `/${'a'.repeat(3000)}`, 'https://localhost:8443/'],
    ['localhost', 'http://evil.example/', 'https://localhost:8443/'],
  ]
  for (const [host, url, want] of table) t.equal(redirectTarget(deps, host, url), want, `${host} ${url?.slice(0, 30)}`)
})

const raw = (port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let b = ''
      res.on('data', (d) => (b += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: b }))
    })
    req.on('error', reject)
    req.end(body)
  })

t.test('the plain-HTTP listener only redirects to HTTPS', async (t) => {
  const h = await startTestHub(t, { '--http-redirect-port': String(await freePort()) })
  const { https, httpRedirect } = h.hub.status().listeners
  t.ok(httpRedirect, 'status lists the redirect listener')
  const port = httpRedirect!.port
  const get = await raw(port, 'GET', '/api/v1/devices?x=1', { host: `127.0.0.1:${port}` })
  t.equal(get.status, 301)
  t.equal(get.headers.location, `https://127.0.0.1:${https.port}/api/v1/devices?x=1`, 'same path on the HTTPS port')
  t.equal(get.body, '', 'no content in clear')
  t.notOk(get.headers.server, 'no server header')
  t.ok(get.headers['strict-transport-security'], 'security headers too')
  const forged = await raw(port, 'GET', '/', { host: 'evil.example' })
  t.equal(forged.headers.location, `https://${h.hub.status().hostname}.local:${https.port}/`, 'a Host the certificate does not cover goes to the hub name')
  const post = await raw(port, 'POST', '/api/v1/session', { host: '127.0.0.1', 'content-type': 'application/json' }, JSON.stringify({ password: 'sent in clear by mistake' }))
  t.equal(post.status, 405, 'a POST is not redirected (its body would follow)')
  t.same(JSON.parse(post.body), { code: 'HUB_ERR_USE_HTTPS', message: 'this port only redirects to HTTPS' })
  // Following the redirect lands on the real HTTPS API.
  const web = new WebClient(https.port, h.ca)
  t.equal((await web.get(new URL(get.headers.location!).pathname.replace('devices', 'health'))).status, 200)
  const sec = await web.get('/api/v1/security')
  t.equal(sec.status, 401, 'the security page still needs a session')
})

t.test('off by default', async (t) => {
  const h = await startTestHub(t)
  t.notOk(h.hub.status().listeners.httpRedirect, 'no plain-HTTP listener unless configured')
})
