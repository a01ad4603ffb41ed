import { mkdirSync, mkdtempSync, promises as fsp, readFileSync } from 'node:fs'
import path from 'node:path'
import { generateReleaseKey, type TrustedKey } from '../../src/update/manifest.js'
import { appFiles } from '../../tools/release/app-files.js'
import { writeBundle, type AppFile, type BundleInfo } from '../../tools/release/bundle-writer.js'

/**
 * Update test fixtures. Test slots live under dist/ (inside the checkout), so a slot's
 * `import 'fastify'` resolves to the checkout's node_modules by Node's walk up the tree, and a
 * test bundle carries only the app itself (~120 files) instead of every production dependency.
 */
export interface ReleaseKey {
  secretKey: Buffer
  trusted: TrustedKey[]
}

export function releaseKey(name = 'test'): ReleaseKey {
  const { publicKey, secretKey } = generateReleaseKey()
  return { secretKey, trusted: [{ name, publicKey: publicKey.toString('hex') }] }
}

/** A fresh directory under dist/.test-update (removed by the caller's teardown if wanted). */
export function updateTmp(prefix = 'u-'): string {
  const base = path.resolve('dist/.test-update')
  mkdirSync(base, { recursive: true })
  return mkdtempSync(path.join(base, prefix))
}

/**
 * The built app as version `version`, shipping `trusted` as its release keys (exactly what a
 * vendor's build would ship; no config or environment reaches them).
 */
export async function testApp(version: string, trusted: TrustedKey[], edit: (files: AppFile[]) => AppFile[] = (f) => f): Promise<AppFile[]> {
  const root = path.resolve('.')
  const pj = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>
  const files = (await appFiles(root, { nodeModules: false })).filter((f) => !['package.json', 'dist/app/trust-keys.mjs', 'package-lock.json'].includes(f.path))
  files.push(
    { path: 'package.json', source: Buffer.from(JSON.stringify({ ...pj, version }, null, 2)) },
    { path: 'dist/app/trust-keys.mjs', source: Buffer.from(`export const RELEASE_KEYS = ${JSON.stringify(trusted)}\n`) },
  )
  return edit(files)
}

export function info(version: string, over: Partial<BundleInfo> = {}): BundleInfo {
  return { version, minVersion: '0.0.0', supportEnd: '2031-12-31', notes: `Fixes in ${version}: test notes.`, created: '2026-11-25T09:00:00Z', ...over }
}

/** Writes a signed bundle of a test app and returns its path. */
export async function testBundle(dir: string, key: ReleaseKey, version: string, opts: { info?: Partial<BundleInfo>; edit?: (files: AppFile[]) => AppFile[]; trusted?: TrustedKey[] } = {}): Promise<string> {
  const file = path.join(dir, `hearth-${version}-${Math.random().toString(36).slice(2, 8)}.hbundle`)
  await writeBundle(file, await testApp(version, opts.trusted ?? key.trusted, opts.edit), info(version, opts.info), key.secretKey)
  return file
}

/** Every file under `dir` with its bytes (to assert a slot was not touched). */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const visit = async (rel: string) => {
    let entries
    try {
      entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await visit(r)
      else if (e.isSymbolicLink()) out.set(r, `-> ${await fsp.readlink(path.join(dir, r))}`)
      else out.set(r, (await fsp.readFile(path.join(dir, r))).toString('base64'))
    }
  }
  await visit('')
  return out
}
