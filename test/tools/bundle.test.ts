import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { connect as tlsConnect } from 'node:tls'

/**
 * The bundle the hub runs (tools/bundle.mjs → dist/app): what it costs in idle memory on the
 * image's Node 24 is kept from creeping back. npm test builds it first.
 */
const APP = path.resolve('dist/app')

t.test('every file of the program is plain ASCII (a single wider character makes V8 hold the whole source as two-byte)', async (t) => {
  const files = readdirSync(APP).filter((f) => f.endsWith('.mjs'))
  t.ok(files.includes('hearth.mjs') && files.includes('install-slot.mjs') && files.includes('trust-keys.mjs'), files.join(', '))
  for (const f of files) {
    const text = readFileSync(path.join(APP, f), 'latin1')
    const at = text.search(/[^\x00-\x7f]/)
    t.equal(at, -1, `${f}${at >= 0 ? `: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}` : ''}`)
  }
  t.ok(readdirSync(APP).some((f) => f.endsWith('.LEGAL.txt')), 'licence comments kept beside the code')
})

t.test('the bundle loads no package from node_modules but those runtime-deps.json names (the image ships only those)', async (t) => {
  const declared = (JSON.parse(readFileSync(path.join(APP, 'runtime-deps.json'), 'utf8')) as { packages: string[] }).packages
  const builtin = new Set(builtinModules)
  const loaded = new Set<string>()
  // Static and dynamic imports and require() calls of any name (a createRequire'd `require2(…)` too),
  // but not the same text inside a string of generated code (Ajv's standalone snippets).
  const re = /(?<![`'"])(?:\bfrom\s*|\bimport\(\s*|\brequire\d*\(\s*)"((?:\.|node:|@[a-z0-9][\w.~-]*\/)?[a-z0-9][^"\s,]*)"/g
  for (const f of readdirSync(APP).filter((n) => n.endsWith('.mjs')))
    for (const m of readFileSync(path.join(APP, f), 'utf8').matchAll(re)) {
      const spec = m[1]!
      if (spec.startsWith('.') || spec.startsWith('node:') || builtin.has(spec)) continue
      loaded.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)
    }
  t.same([...loaded].sort(), [...declared].sort(), 'loaded from node_modules at run time = declared')
})

interface BundledHub {
  /** The `ready` line's status (listeners and ports). */
  ready: { listeners: { mqtts: { port: number } } }
  /** Everything the hub wrote to stderr so far. */
  stderr(): string
  stop(): Promise<void>
}

/** The bundled hub on a fresh data dir, ephemeral ports, extra `node` arguments and environment. */
async function startBundled(t: Tap.Test, nodeArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<BundledHub> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bundle-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const args = [...nodeArgs, path.join(APP, 'hearth.mjs'), 'run', '--json', '--data-dir', path.join(dir, 'data'), '--mqtt-port', '0', '--http-port', '0', '--http-redirect-port', '0', '--log-level', 'warn']
  const hub = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBUG: '', ...env } })
  const exited = new Promise((r) => hub.once('exit', r))
  t.teardown(() => void hub.kill('SIGKILL'))
  let err = ''
  hub.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const ready = await new Promise<BundledHub['ready']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${err}`)), 30_000)
    let out = ''
    hub.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'))
      if (line) (clearTimeout(timer), resolve(JSON.parse(line) as BundledHub['ready']))
    })
  })
  return {
    ready,
    stderr: () => err,
    async stop() {
      hub.kill('SIGTERM')
      await exited
    },
  }
}

t.test('a running hub has loaded no HTTP client (undici): node:http is required, never imported as ESM', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bundle-probe-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Reports the internal modules the hub loaded once it is ready (its own stdout line says so).
  const probe = path.join(dir, 'probe.mjs')
  writeFileSync(probe, "process.stdout.on('data', () => {}); const iv = setInterval(() => {}, 1000); iv.unref(); process.on('SIGTERM', () => { process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList.filter((m) => /undici/.test(m))) + '\\n'); process.exit(0) })\n")
  const hub = await startBundled(t, ['--import', probe])
  await hub.stop()
  const line = /LOADED (.*)/.exec(hub.stderr())
  t.ok(line, 'the probe reported')
  t.same(JSON.parse(line![1]!), [], `${process.version}: nothing of undici loaded`)
})

/** Opens a TLS connection to the hub's MQTTS port and sends one CONNECT (no account: refused), so aedes parses a packet. */
async function oneConnect(port: number): Promise<void> {
  const sock = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
  await once(sock, 'secureConnect')
  // CONNECT, MQTT 3.1.1, clean session, keepalive 10, client id "x", no credentials.
  sock.write(Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 10, 0, 1, 0x78]))
  const [connack] = (await once(sock, 'data')) as [Buffer]
  sock.destroy()
  if (connack[0] !== 0x20) throw new Error(`expected a CONNACK, got ${connack.toString('hex')}`)
}

t.test("mqtt-packet's debug logging costs nothing unless DEBUG is set, and still works when it is (tools/shims/debug.cjs)", async (t) => {
  // The redirect is in place: the bundle has the shim and not debug's own entry point.
  const code = readdirSync(APP).filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(path.join(APP, f), 'utf8')).join('\n')
  t.ok(code.includes('"tools/shims/debug.cjs"'), 'the shim is bundled')
  t.notOk(code.includes('"node_modules/debug/src/index.js"'), "debug's entry point is not")
  const shim = createRequire(import.meta.url)(path.resolve('tools/shims/debug.cjs')) as (ns: string) => { (...a: unknown[]): unknown; enabled: boolean; namespace: string; extend(s: string): { namespace: string } }
  const saved = process.env.DEBUG
  delete process.env.DEBUG
  const off = shim('mqtt-packet:parser')
  t.equal(off.enabled, false)
  t.notOk('color' in off, 'not the real logger (which has a colour)')
  t.equal(off.extend('x').namespace, 'mqtt-packet:parser:x')
  process.env.DEBUG = 'nothing-matches'
  t.ok('color' in shim('a'), 'DEBUG set: the real logger')
  if (saved === undefined) delete process.env.DEBUG
  else process.env.DEBUG = saved
  const quiet = await startBundled(t, [])
  await oneConnect(quiet.ready.listeners.mqtts.port)
  await quiet.stop()
  t.notMatch(quiet.stderr(), /mqtt-packet:/, 'DEBUG unset: no debug output (true of the real debug too: the checks above prove the shim is in place)')
  const loud = await startBundled(t, [], { DEBUG: 'mqtt-packet:*' })
  await oneConnect(loud.ready.listeners.mqtts.port)
  await loud.stop()
  t.match(loud.stderr(), /mqtt-packet:parser .*_parseHeader/, 'DEBUG=mqtt-packet:*: the real debug logs the parser')
  t.match(loud.stderr(), /mqtt-packet:writeToStream .*generate/, '… and the writer')
})
