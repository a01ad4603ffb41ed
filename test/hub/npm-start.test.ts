import t from 'tap'
import { spawn } from 'node:child_process'
import path from 'node:path'
import mqtt from 'mqtt'
import { httpsGet, hubCa } from '../helpers/tls-client.js'
import { runCli, tmpDir } from '../helpers/hub-process.js'

// The README's first quick-start command, as a user runs it (the build included).
t.test('npm start: builds, reaches ready, serves health over HTTPS, refuses MQTT, stops on SIGTERM', async (t) => {
  const dataDir = path.join(tmpDir(), 'data')
  const env = { ...process.env, HEARTH_DATA_DIR: dataDir, HEARTH_MQTT_PORT: '0', HEARTH_HTTP_PORT: '0' }
  const npm = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => npm.kill('SIGKILL'))
  let out = ''
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no banner: ' + out)), 90_000)
    npm.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (out.includes('Stop with Ctrl+C.')) (clearTimeout(timer), resolve(out))
    })
  })
  const https = Number(/Web setup: +https:\/\/localhost:(\d+)\//.exec(banner)?.[1])
  const mqtts = Number(/MQTTS: +127\.0\.0\.1:(\d+)/.exec(banner)?.[1])
  t.ok(https > 0 && mqtts > 0, 'banner names both listeners')
  t.match(banner, /Setup code: +[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}/, 'banner shows the setup code')
  const ca = hubCa(dataDir)
  const health = await httpsGet(`https://localhost:${https}/api/v1/health`, ca)
  t.equal(health.status, 200)
  const err = await new Promise<string>((resolve) => {
    const c = mqtt.connect(`mqtts://localhost:${mqtts}`, { ca, reconnectPeriod: 0 })
    c.on('connect', () => (c.end(true), resolve('connected')))
    c.on('error', (e) => (c.end(true), resolve(e.message)))
  })
  t.match(err, /Not authorized/i)
  const status = JSON.parse((await runCli(['status', '--json', '--data-dir', dataDir])).stdout) as { pid: number }
  const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)))
  const t0 = performance.now()
  process.kill(status.pid, 'SIGTERM')
  const code = await exited
  const ms = performance.now() - t0
  t.equal(code, 0, 'npm start exits 0')
  t.ok(ms < 2000, `stopped in ${ms.toFixed(0)} ms`)
})
