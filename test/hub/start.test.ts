import t from 'tap'
import { existsSync } from 'node:fs'
import path from 'node:path'
import mqtt from 'mqtt'
import { httpsGet, hubCa } from '../helpers/tls-client.js'
import { runCli, startHubProcess } from '../helpers/hub-process.js'

t.test('hearth run: ready, health over verified HTTPS, MQTT refused, status over the admin socket, clean stop', async (t) => {
  const hub = await startHubProcess()
  t.teardown(() => hub.stop('SIGKILL'))
  const { ready } = hub
  t.match(ready.setupCode, /^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/, 'prints the setup code once, at start')
  t.equal(ready.listeners.https.host, '127.0.0.1', 'bound to loopback by default')
  const ca = hubCa(hub.dataDir)

  const health = await httpsGet(`https://localhost:${ready.listeners.https.port}/api/v1/health`, ca)
  t.equal(health.status, 200)
  t.same(JSON.parse(health.body), { status: 'ok' })
  t.notOk(health.headers.server, 'no server header')
  t.notOk(health.headers['x-powered-by'], 'no x-powered-by header')
  t.match(health.headers['content-security-policy'], /frame-ancestors 'none'/)

  const other = await httpsGet(`https://localhost:${ready.listeners.https.port}/api/v1/devices`, ca)
  t.equal(other.status, 401, 'everything else needs the owner')
  t.same(Object.keys(JSON.parse(other.body)).sort(), ['code', 'message'], 'errors are { code, message }')

  const refused = await new Promise<string>((resolve) => {
    const c = mqtt.connect(`mqtts://localhost:${ready.listeners.mqtts.port}`, { ca, username: 'anyone', password: 'guess', reconnectPeriod: 0, connectTimeout: 5000 })
    c.on('connect', () => (c.end(true), resolve('connected')))
    c.on('error', (e) => (c.end(true), resolve(e.message)))
  })
  t.match(refused, /Bad username or password/i, 'an unknown account is refused')

  const status = await runCli(['status', '--json', '--data-dir', hub.dataDir])
  t.equal(status.code, 0, status.stderr)
  const s = JSON.parse(status.stdout)
  t.equal(s.hubId, ready.hubId)
  t.equal(s.listeners.mqtts.port, ready.listeners.mqtts.port)

  const code = await runCli(['setup-code', '--json', '--data-dir', hub.dataDir])
  t.same(JSON.parse(code.stdout), { setupCode: ready.setupCode }, 'setup-code --json from the running hub')

  const second = await runCli(['run', '--data-dir', hub.dataDir, '--mqtt-port', '0', '--http-port', '0'])
  t.equal(second.code, 75, 'a second hub on the same data dir is refused')
  t.match(second.stderr, /already running/)
  t.equal(second.stderr.trim().split('\n').length, 1, 'one line')

  const { code: exitCode, ms } = await hub.stop('SIGTERM')
  t.equal(exitCode, 0, 'exits 0 on SIGTERM')
  t.ok(ms < 2000, `stopped in ${ms.toFixed(0)} ms (< 2 s)`)
  t.notOk(existsSync(path.join(hub.dataDir, 'hearth.sock')), 'admin socket removed')
  t.notMatch(hub.stderr(), new RegExp(ready.setupCode!), 'the setup code never reaches the log')
})

t.test('SIGINT stops it cleanly too; a restart keeps the same identity', async (t) => {
  const first = await startHubProcess()
  const { code, ms } = await first.stop('SIGINT')
  t.equal(code, 0)
  t.ok(ms < 2000, `stopped in ${ms.toFixed(0)} ms`)
  const again = await startHubProcess({ dataDir: first.dataDir })
  t.teardown(() => again.stop('SIGKILL'))
  t.equal(again.ready.hubId, first.ready.hubId)
  t.equal(again.ready.setupCode, first.ready.setupCode)
  t.equal(again.ready.tlsFingerprint, first.ready.tlsFingerprint, 'same certificate while names are unchanged')
})

t.test('under systemd the setup code is not printed (it would land in the journal)', async (t) => {
  const hub = await startHubProcess({ env: { INVOCATION_ID: 'abc' } })
  t.teardown(() => hub.stop('SIGKILL'))
  t.equal(hub.ready.setupCode, undefined)
})

t.test('hearth --help and usage errors', async (t) => {
  const help = await runCli(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /run\s+start the hub/)
  t.match(help.stdout, /HEARTH_MQTT_PORT/)
  const bad = await runCli(['frobnicate'])
  t.equal(bad.code, 64)
  t.equal(bad.stderr.trim(), 'hearth: unknown command frobnicate (see hearth --help)')
  const badFlag = await runCli(['status', '--bogus'])
  t.equal(badFlag.code, 64)
  const notRunning = await runCli(['status', '--json', '--data-dir', '/tmp/hearth-none-' + process.pid])
  t.equal(notRunning.code, 69)
  t.same(JSON.parse(notRunning.stdout), { error: { code: 'HUB_ERR_NOT_RUNNING', message: 'no hub is running on this data dir' } })
})
