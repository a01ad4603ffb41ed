import t from 'tap'
import { createHash } from 'node:crypto'
import { chmodSync, chownSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { runCli, tmpDir } from '../helpers/hub-process.js'

// Spawns many real processes: on a loaded 2-core CI machine this file needs more than tap's default.
t.setTimeout(300_000)

/** A fingerprint of every file's name, mode and bytes under a dir: proves "nothing written". */
function snapshot(dir: string): string {
  const h = createHash('sha256')
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name)
      const st = statSync(p)
      h.update(`${p}:${st.mode}:`)
      if (st.isDirectory()) walk(p)
      else h.update(readFileSync(p))
    }
  }
  walk(dir)
  return h.digest('hex')
}

const run = (dataDir: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runCli(['run', '--data-dir', dataDir, '--mqtt-port', '0', '--http-port', '0', ...extra], env)

/** A provisioned data dir: provisioned once by the real CLI, then copied (modes kept) per case. */
let template: Promise<string> | undefined
async function provisioned(): Promise<string> {
  template ??= (async () => {
    const dir = path.join(tmpDir(), 'data')
    const r = await runCli(['setup-code', '--data-dir', dir])
    if (r.code !== 0) throw new Error(r.stderr)
    return dir
  })()
  const dir = path.join(tmpDir(), 'data')
  cpSync(await template, dir, { recursive: true, preserveTimestamps: true })
  chmodSync(dir, 0o700)
  return dir
}

const configCases: Array<[string, string[], Record<string, string>, (dir: string) => void, RegExp]> = [
  ['port out of range (flag)', ['--mqtt-port', '70000'], {}, () => {}, /mqtt\.port = 70000 \(from --mqtt-port\)/],
  ['number not a number (env)', [], { HEARTH_MQTT_MAX_CLIENTS: 'many' }, () => {}, /mqtt\.maxClients = "many" \(from HEARTH_MQTT_MAX_CLIENTS\)/],
  ['unknown log level (env)', [], { HEARTH_LOG_LEVEL: 'verbose' }, () => {}, /log\.level = "verbose"/],
  ['unknown field in the config file', [], {}, (d) => writeFileSync(path.join(d, 'config.json'), '{"mqtt":{"tls":false}}'), /mqtt\.tls = false \(from .*config\.json\)/],
  ['wrong type in the config file', [], {}, (d) => writeFileSync(path.join(d, 'config.json'), '{"http":{"host":8443}}'), /http\.host = 8443/],
  ['config file is not JSON', [], {}, (d) => writeFileSync(path.join(d, 'config.json'), 'port: 1'), /config\.json is not valid JSON/],
  ['named config file missing', ['--config', '/nonexistent/hearth.json'], {}, () => {}, /config file \/nonexistent\/hearth\.json cannot be read/],
]

for (const [name, flags, env, prepare, re] of configCases) {
  t.test(`config error exits 78 and writes nothing: ${name}`, async (t) => {
    const dir = await provisioned()
    prepare(dir)
    const before = snapshot(dir)
    const r = await run(dir, flags, env)
    t.equal(r.code, 78, r.stderr)
    t.match(r.stderr, re)
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line')
    t.equal(snapshot(dir), before, 'data dir byte-for-byte unchanged')
  })
}

t.test('config error on a fresh data dir creates nothing', async (t) => {
  const parent = tmpDir()
  const r = await run(path.join(parent, 'data'), ['--http-port', '-1'])
  t.equal(r.code, 78)
  t.same(readdirSync(parent), [], 'no data dir created')
})

t.test('port in use: one line naming the setting, exit 69', async (t) => {
  const busy = createServer()
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r))
  t.teardown(() => busy.close())
  const port = (busy.address() as { port: number }).port
  const dir = await provisioned()
  const r = await runCli(['run', '--data-dir', dir, '--mqtt-port', '0', '--http-port', String(port)])
  t.equal(r.code, 69)
  t.equal(r.stderr.trim(), `hearth: http.port ${port} on 127.0.0.1 is already in use: stop the other program or choose another port`)
})

t.test('foreign-owned data dir: refused, exit 77', async (t) => {
  const dir = await provisioned()
  chownSync(dir, 4242, 4242)
  const r = await run(dir)
  t.equal(r.code, 77)
  t.match(r.stderr, /belongs to uid 4242, not to this user/)
  t.equal(r.stderr.trim().split('\n').length, 1)
})

t.test('data dir that cannot be created or is not a directory: exit 73', async (t) => {
  const parent = tmpDir()
  writeFileSync(path.join(parent, 'file'), 'x')
  const r1 = await run(path.join(parent, 'file'))
  t.equal(r1.code, 73)
  t.match(r1.stderr, /is not a directory/)
  const r2 = await run(path.join(parent, 'file', 'sub'))
  t.equal(r2.code, 73)
  t.match(r2.stderr, /cannot be created \(ENOTDIR\)/)
  const r3 = await run('/proc/hearth-data')
  t.equal(r3.code, 73, 'a read-only file system')
})

t.test('unreadable or missing key file: exit 77, one line, nothing changed', async (t) => {
  const dir = await provisioned()
  const key = path.join(dir, 'data.key')
  rmSync(key)
  mkdirSync(key)
  let before = snapshot(dir)
  let r = await run(dir)
  t.equal(r.code, 77)
  t.match(r.stderr, /data key .* is not a regular file/)
  t.equal(snapshot(dir), before)

  rmSync(key, { recursive: true })
  symlinkSync('/etc/hostname', key)
  r = await run(dir)
  t.equal(r.code, 77, 'a symlinked key is refused')
  t.match(r.stderr, /ELOOP/)

  rmSync(key)
  before = snapshot(dir)
  r = await run(dir)
  t.equal(r.code, 77, 'a lost key is not silently replaced')
  t.match(r.stderr, /is missing but the data dir holds documents/)
  t.equal(snapshot(dir), before)
})

t.test('a damaged identity with no previous generation: refuse, name the file', async (t) => {
  const dir = await provisioned()
  writeFileSync(path.join(dir, 'hub.json'), '{"format":"hearth-doc/1","sch')
  const r = await run(dir)
  t.equal(r.code, 65)
  t.match(r.stderr, /hub\.json is damaged/)
})
