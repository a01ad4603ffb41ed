import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tmpDir } from '../helpers/hub-process.js'
import { startTestHub, type TestHub } from '../helpers/test-hub.js'

/**
 * Interoperability with Debian's mosquitto-clients (a second, independent MQTT and TLS stack):
 * `mosquitto_pub` and `mosquitto_sub` against the hub over MQTTS, verifying the hub's
 * certificate with `--cafile` and the name `localhost`.
 */

const PUB = '/usr/bin/mosquitto_pub'
const SUB = '/usr/bin/mosquitto_sub'
/** mosquitto_sub block-buffers a piped stdout; `stdbuf -oL` lets us see its SUBACK line as it happens. */
const STDBUF = '/usr/bin/stdbuf'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a tool to completion (killed after `ms`); `onStdout` sees output as it comes. */
function run(cmd: string, args: string[], ms = 10_000, onStdout?: (soFar: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      onStdout?.(stdout)
    })
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => p.kill('SIGKILL'), ms)
    p.once('error', (err) => (clearTimeout(timer), reject(new Error(`${cmd} could not be run (${err.message}): is it installed?`))))
    p.once('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })))
  })
}

/** The common options: the hub's port, its CA, and the name its certificate is checked against. */
function conn(hub: TestHub, caFile: string, user: { username: string; token: string }, clientId = user.username): string[] {
  return ['-h', 'localhost', '-p', String(hub.port), '--cafile', caFile, '-V', 'mqttv311', '-i', clientId, '-u', user.username, '-P', user.token]
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  const hub = await startTestHub(t)
  const caFile = path.join(tmpDir(), 'hub-ca.pem')
  writeFileSync(caFile, hub.ca)
  return { hub, caFile }
}

const device = async (hub: TestHub, name: string, kind = 'temperature') => {
  const d = await hub.addDevice(name, kind)
  return { username: d.id, token: d.token, id: d.id }
}

const counters = async (hub: TestHub) =>
  ((await hub.admin('status')) as { broker: { deniedPublish: number; connectRefused: { badCredentials: number } } }).broker

t.test('mosquitto-clients are installed', async (t) => {
  // Not skipped when missing: the interoperability claims below would go unchecked.
  t.ok(existsSync(PUB), `${PUB} exists (apt-get install mosquitto-clients)`)
  t.ok(existsSync(SUB), `${SUB} exists (apt-get install mosquitto-clients)`)
  t.ok(existsSync(STDBUF), `${STDBUF} exists (coreutils)`)
})

t.test('a device publishes retained state with mosquitto_pub; an integration reads it with mosquitto_sub -C 1', async (t) => {
  const { hub, caFile } = await setup(t)
  const hall = await device(hub, 'Hall')
  const ha = await hub.addAccount('ha')
  const state = '{"temperature":21.5,"humidity":40,"battery":90}'
  const pub = await run(PUB, [...conn(hub, caFile, hall), '-t', `hearth/${hall.id}/state`, '-m', state, '-r', '-q', '1'])
  t.equal(pub.code, 0, `mosquitto_pub exits 0 (stderr: ${pub.stderr.trim()})`)

  const sub = await run(SUB, [...conn(hub, caFile, ha), '-t', `hearth/${hall.id}/state`, '-C', '1', '-W', '5', '-F', '%r %t %p'])
  t.equal(sub.code, 0, `mosquitto_sub exits 0 (stderr: ${sub.stderr.trim()})`)
  t.equal(sub.stdout.trim(), `1 hearth/${hall.id}/state ${state}`, 'the retained state, with the retain flag set')
})

t.test('a wrong password is refused: mosquitto_pub fails and says why', async (t) => {
  const { hub, caFile } = await setup(t)
  const hall = await device(hub, 'Hall')
  const before = await counters(hub)
  const r = await run(PUB, [...conn(hub, caFile, { ...hall, token: hall.token.slice(0, -2) + (hall.token.endsWith('aa') ? 'bb' : 'aa') }), '-t', `hearth/${hall.id}/state`, '-m', '{"temperature":20}'])
  t.not(r.code, 0, `exit code ${r.code} is not 0`)
  t.match(r.stderr, /Connection Refused: (bad user name or password|not authori[sz]ed)/i, `stderr names the refusal: ${r.stderr.trim()}`)
  t.equal((await counters(hub)).connectRefused.badCredentials, before.connectRefused.badCredentials + 1, 'counted as badCredentials')

  const unknown = await run(PUB, [...conn(hub, caFile, { username: 'nobody', token: hall.token }), '-t', 'hearth/nobody/state', '-m', '{}'])
  t.not(unknown.code, 0, 'an unknown username is refused too')
  t.match(unknown.stderr, /Connection Refused/i)
})

t.test("a device publishing to another device's topic is disconnected; the other device's state is untouched", async (t) => {
  const { hub, caFile } = await setup(t)
  const a = await device(hub, 'Kitchen')
  const b = await device(hub, 'Bedroom')
  const ha = await hub.addAccount('ha')
  const real = '{"temperature":19,"humidity":50,"battery":80}'
  t.equal((await run(PUB, [...conn(hub, caFile, b), '-t', `hearth/${b.id}/state`, '-m', real, '-r', '-q', '1'])).code, 0, 'B publishes its own state')
  const before = await counters(hub)

  const forged = await run(PUB, [...conn(hub, caFile, a), '-t', `hearth/${b.id}/state`, '-m', '{"temperature":99,"humidity":1,"battery":1}', '-r', '-q', '1', '-d'])
  t.not(forged.code, 0, `mosquitto_pub fails (exit ${forged.code})`)
  t.match(forged.stdout, /Client \S+ sending PUBLISH/, 'the PUBLISH was sent')
  t.notMatch(forged.stdout, /received PUBACK/, 'and never acknowledged')
  t.match(forged.stderr, /The connection was lost/, `the hub dropped the connection: ${forged.stderr.trim()}`)
  t.equal((await counters(hub)).deniedPublish, before.deniedPublish + 1, 'counted as deniedPublish')

  const sub = await run(SUB, [...conn(hub, caFile, ha), '-t', `hearth/${b.id}/state`, '-C', '1', '-W', '5', '-F', '%p'])
  t.equal(sub.code, 0, sub.stderr)
  t.equal(sub.stdout.trim(), real, "B's retained state is still B's own")
})

t.test('an integration sends {"state":"ON"} to a switch; the switch receives it with mosquitto_sub', async (t) => {
  const { hub, caFile } = await setup(t)
  const plug = await device(hub, 'Plug', 'switch')
  const ha = await hub.addAccount('ha')
  let subscribed!: () => void
  const ready = new Promise<void>((r) => (subscribed = r))
  // -d prints "received SUBACK" once the subscription is in place: only then is the command sent.
  const received = run(STDBUF, ['-oL', SUB, ...conn(hub, caFile, plug), '-t', `hearth/${plug.id}/set`, '-C', '1', '-W', '10', '-F', 'MSG %t %p', '-d'], 12_000, (out) => {
    if (/received SUBACK/.test(out)) subscribed()
  })
  await Promise.race([ready, received.then((r) => Promise.reject(new Error(`mosquitto_sub ended before subscribing: ${r.stderr}`)))])

  const bad = await run(PUB, [...conn(hub, caFile, ha), '-t', `hearth/${plug.id}/set`, '-m', '{"state":"MAYBE"}', '-q', '1'])
  t.equal(bad.code, 0, 'an invalid command is acknowledged (so it is not resent) ...')
  const cmd = await run(PUB, [...conn(hub, caFile, ha), '-t', `hearth/${plug.id}/set`, '-m', '{"state":"ON"}', '-q', '1'])
  t.equal(cmd.code, 0, `mosquitto_pub exits 0 (stderr: ${cmd.stderr.trim()})`)

  const r = await received
  t.equal(r.code, 0, `mosquitto_sub exits 0 after one message (stderr: ${r.stderr.trim()})`)
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('MSG '))
  t.same(lines, [`MSG hearth/${plug.id}/set {"state":"ON"}`], '... but only the valid one is delivered')
})
