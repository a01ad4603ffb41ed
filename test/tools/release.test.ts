import t from 'tap'
import { execFileSync } from 'node:child_process'
import { promises as fsp, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { verifyBundle } from '../../src/update/bundle.js'
import { release } from '../../tools/release/release.js'
import { updateTmp } from '../helpers/update-slots.js'

t.test('npm run release: keygen, sign with a key file or HEARTH_RELEASE_KEY, the bundle verifies with the printed public key', async (t) => {
  const dir = updateTmp('r-')
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }))
  const keyFile = path.join(dir, 'release.key')
  const out = await release(['--keygen', keyFile], {})
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'secret key file is 0600')
  await t.rejects(release(['--keygen', keyFile], {}), { code: 'EEXIST' }, 'never overwrites a key')
  const publicKey = /publicKey: '([0-9a-f]{64})'/.exec(out)![1]!
  const trusted = [{ name: 'test', publicKey }]
  const msg = await release(['--key', keyFile, '--out', dir, '--no-node-modules', '--min-version', '0.0.1', '--notes', 'Fixes things.'], {})
  const bundle = path.join(dir, `hearth-${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}.hbundle`)
  t.match(msg, bundle)
  const v = await verifyBundle(bundle, { trusted, installed: '0.0.1' })
  t.match(v.manifest, { minVersion: '0.0.1', notes: 'Fixes things.', supportEnd: /^\d{4}-\d{2}-\d{2}$/ })
  t.ok(v.manifest.files.some((f) => f.path === 'dist/app/hearth.mjs'))
  t.notOk(v.manifest.files.some((f) => f.path.startsWith('dist/test/') || f.path.endsWith('.map')), 'no tests, no source maps')
  // From the environment, the same key.
  await fsp.rm(bundle)
  await release(['--out', dir, '--no-node-modules'], { HEARTH_RELEASE_KEY: readFileSync(keyFile, 'utf8') })
  t.ok(await verifyBundle(bundle, { trusted, installed: '0.0.1' }))
  await t.rejects(release(['--out', dir], {}), /no release key/)
  await fsp.writeFile(path.join(dir, 'bad.key'), 'not a key')
  await t.rejects(release(['--key', path.join(dir, 'bad.key'), '--out', dir], {}), /128 hex characters/)
})

t.test('no Ed25519 secret key (128 hex characters) anywhere in the repository', async (t) => {
  const files = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter((f) => f && !f.endsWith('package-lock.json'))
  const hits = files.filter((f) => {
    try {
      return /(^|[^0-9a-fA-F])[0-9a-f]{128}([^0-9a-fA-F]|$)/.test(readFileSync(f, 'utf8'))
    } catch {
      return false
    }
  })
  t.same(hits, [])
})
