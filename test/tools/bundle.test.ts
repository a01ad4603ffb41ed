import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import os from 'node:os'
import path from 'node:path'

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

t.test('a running hub has loaded no HTTP client (undici): node:http is required, never imported as ESM', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bundle-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Reports the internal modules the hub loaded once it is ready (its own stdout line says so).
  const probe = path.join(dir, 'probe.mjs')
  writeFileSync(probe, "process.stdout.on('data', () => {}); const iv = setInterval(() => {}, 1000); iv.unref(); process.on('SIGTERM', () => { process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList.filter((m) => /undici/.test(m))) + '\\n'); process.exit(0) })\n")
  const hub = spawn(process.execPath, ['--import', probe, path.join(APP, 'hearth.mjs'), 'run', '--json', '--data-dir', path.join(dir, 'data'), '--mqtt-port', '0', '--http-port', '0', '--http-redirect-port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  hub.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${err}`)), 30_000)
    let out = ''
    hub.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (out.includes('"event":"ready"')) (clearTimeout(timer), resolve())
    })
  })
  const exited = new Promise((r) => hub.once('exit', r))
  hub.kill('SIGTERM')
  await exited
  const line = /LOADED (.*)/.exec(err)
  t.ok(line, 'the probe reported')
  t.same(JSON.parse(line![1]!), [], `${process.version}: nothing of undici loaded`)
})
