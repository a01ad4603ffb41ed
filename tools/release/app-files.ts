import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { AppFile } from './bundle-writer.js'
import { runtimeDeps, runtimeModuleDirs } from './runtime-modules.js'

/** Every regular file under `dir` (symlinks and the like are skipped: a bundle has none). */
export async function filesUnder(root: string, rel: string, filter: (rel: string) => boolean = () => true): Promise<AppFile[]> {
  const out: AppFile[] = []
  const visit = async (r: string) => {
    let entries
    try {
      entries = await fsp.readdir(path.join(root, r), { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const child = `${r}/${e.name}`
      if (e.isDirectory()) await visit(child)
      else if (e.isFile() && filter(child)) {
        const st = await fsp.stat(path.join(root, child))
        out.push({ path: child, source: path.join(root, child), mode: st.mode & 0o100 ? 0o755 : 0o644 })
      }
    }
  }
  await visit(rel)
  return out
}

/**
 * The built app as it runs from a slot: package.json, bin/, the bundled hub (dist/app: the
 * `hearth` program, the slot installer and the release keys; tools/bundle.mjs), the built UI,
 * the policy documents, and — with
 * `nodeModules` — the packages the bundle loads at run time and theirs (dist/app/runtime-deps.json;
 * tools/release/runtime-modules.ts), not the ones inlined in the bundle.
 */
export async function appFiles(root: string, opts: { nodeModules: boolean }): Promise<AppFile[]> {
  const noMaps = (r: string) => !r.endsWith('.map') && !r.endsWith('.tsbuildinfo')
  const files: AppFile[] = [
    { path: 'package.json', source: path.join(root, 'package.json') },
    { path: 'bin/hearth.js', source: path.join(root, 'bin/hearth.js'), mode: 0o755 },
    ...(await filesUnder(root, 'dist/app', noMaps)),
    ...(await filesUnder(root, 'web-ui/dist')),
  ]
  for (const doc of ['README.md', 'SECURITY.md', 'LICENSE', 'package-lock.json'])
    if (await fsp.stat(path.join(root, doc)).catch(() => undefined)) files.push({ path: doc, source: path.join(root, doc) })
  if (opts.nodeModules) {
    for (const d of runtimeModuleDirs(root, runtimeDeps(root)))
      files.push(
        ...(await filesUnder(root, d, (r) => {
          // Files of a nested package belong to that package (listed on its own if it is needed).
          const inner = r.slice(d.length + 1)
          return !inner.split('/').includes('node_modules') && !inner.startsWith('.bin/')
        })),
      )
  }
  const seen = new Set<string>()
  return files.filter((f) => !seen.has(f.path) && (seen.add(f.path), true))
}
