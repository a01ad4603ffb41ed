import t from 'tap'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { appFiles } from '../../tools/release/app-files.js'
import { pruneToRuntime, runtimeDeps, runtimeModuleDirs } from '../../tools/release/runtime-modules.js'
import { startHubProcess, tmpDir } from '../helpers/hub-process.js'
import { httpsGet, hubCa } from '../helpers/tls-client.js'

/**
 * The image and update bundles ship node_modules cut down to what the bundle loads at run time
 * (dist/app/runtime-deps.json) and what those packages need, as Node resolves them.
 */

const pkg = (root: string, dir: string, manifest: object) => {
  mkdirSync(path.join(root, dir), { recursive: true })
  writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify({ name: path.basename(dir), ...manifest }))
}

function fixture(): string {
  const root = tmpDir('hearth-modules-')
  mkdirSync(path.join(root, 'dist/app'), { recursive: true })
  writeFileSync(path.join(root, 'dist/app/runtime-deps.json'), JSON.stringify({ packages: ['a', '@s/b'] }))
  pkg(root, 'node_modules/a', { dependencies: { c: '2', d: '1' }, optionalDependencies: { d: '1', gone: '1' }, peerDependencies: { p: '1' }, peerDependenciesMeta: { p: { optional: true } } })
  pkg(root, 'node_modules/a/node_modules/c', { dependencies: { e: '1' } }) // a's own c 2.x
  pkg(root, 'node_modules/c', {}) // c 1.x, needed by nobody kept
  pkg(root, 'node_modules/d', { dependencies: { '@types/x': '1' } })
  pkg(root, 'node_modules/e', {})
  pkg(root, 'node_modules/@s/b', {})
  pkg(root, 'node_modules/@s/unused', {})
  pkg(root, 'node_modules/@other/unused', {})
  pkg(root, 'node_modules/@types/x', {})
  pkg(root, 'node_modules/fastify', {})
  mkdirSync(path.join(root, 'node_modules/.bin'))
  return root
}

t.test('the closure follows Node resolution: nested copies first, optional ones only if present, no @types', async (t) => {
  const root = fixture()
  t.same(runtimeModuleDirs(root, runtimeDeps(root)), ['node_modules/@s/b', 'node_modules/a', 'node_modules/a/node_modules/c', 'node_modules/d', 'node_modules/e'])
})

t.test('prune removes every other package, empty scopes and .bin; what it keeps is untouched', async (t) => {
  const root = fixture()
  const { kept, removed } = pruneToRuntime(root)
  t.equal(kept.length, 5)
  t.same(removed.sort(), ['node_modules/.bin', 'node_modules/@other/unused', 'node_modules/@s/unused', 'node_modules/@types/x', 'node_modules/c', 'node_modules/fastify'].sort())
  t.same(readdirSync(path.join(root, 'node_modules')).sort(), ['@s', 'a', 'd', 'e'])
  t.ok(existsSync(path.join(root, 'node_modules/a/node_modules/c/package.json')), 'the nested copy stays')
})

t.test('a required dependency that is not installed is an error naming it, and nothing is removed', async (t) => {
  const root = fixture()
  pkg(root, 'node_modules/e', { dependencies: { missing: '1' } })
  t.throws(() => pruneToRuntime(root), /missing \(needed by e\) is not installed/)
  t.ok(existsSync(path.join(root, 'node_modules/fastify')))
})

t.test('for the real bundle: the native addons and mqtt, not the packages inlined in it', async (t) => {
  const root = path.resolve('.')
  const deps = runtimeDeps(root)
  t.same([...deps].sort(), ['mqtt', 'node-hid', 'serialport', 'sodium-native'])
  const dirs = runtimeModuleDirs(root, deps)
  for (const d of deps) t.ok(dirs.includes(`node_modules/${d}`), d)
  for (const inlined of ['fastify', 'aedes', 'pino', 'lowdb', '@sinclair/typebox', 'ajv', 'mqemitter']) t.notOk(dirs.includes(`node_modules/${inlined}`), `${inlined} is in the bundle, not shipped beside it`)
})

t.test('an app copied as an update bundle ships it (runtime packages only) runs, and each runtime package loads', async (t) => {
  const app = tmpDir('hearth-slot-')
  t.teardown(() => execFileSync('rm', ['-rf', app]))
  for (const f of await appFiles(path.resolve('.'), { nodeModules: true })) {
    mkdirSync(path.dirname(path.join(app, f.path)), { recursive: true })
    copyFileSync(f.source, path.join(app, f.path))
  }
  t.notOk(existsSync(path.join(app, 'node_modules/fastify')), 'no fastify beside the bundle')
  const hub = await startHubProcess({ main: path.join(app, 'dist/app/hearth.mjs') })
  t.teardown(() => hub.stop())
  const health = await httpsGet(`https://localhost:${hub.ready.listeners.https.port}/api/v1/health`, hubCa(hub.dataDir))
  t.equal(health.status, 200, 'health from the copy')
  // The lazily loaded ones (serialport with a coordinator, mqtt with the uplink) load from the copy.
  const probe = path.join(app, 'dist/app/probe.mjs')
  writeFileSync(probe, "for (const m of ['mqtt', 'serialport', 'node-hid', 'sodium-native']) { const x = await import(m); if (!x) throw new Error(m) }\nprocess.stdout.write(import.meta.resolve('mqtt'))\n")
  const where = execFileSync(process.execPath, [probe], { encoding: 'utf8' })
  t.match(where, `file://${app}/node_modules/mqtt/`, 'resolved inside the copy')
})
