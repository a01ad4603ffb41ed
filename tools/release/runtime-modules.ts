import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What a built hub needs from node_modules at run time. The bundle (tools/bundle.mjs) inlines
 * every package but the native addons and mqtt, and lists those in dist/app/runtime-deps.json;
 * the image and update bundles ship them and their own dependencies, nothing else — no second,
 * unused copy of fastify, aedes or pino beside the bundle (less to store, scan and patch).
 *
 *   node dist/tools/release/runtime-modules.js prune <app dir>   (image/build.sh)
 */

export function runtimeDeps(appDir: string): string[] {
  const file = path.join(appDir, 'dist', 'app', 'runtime-deps.json')
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { packages?: unknown }
  if (!Array.isArray(doc.packages) || !doc.packages.every((p) => typeof p === 'string')) throw new Error(`${file}: packages must be a list of names`)
  return doc.packages as string[]
}

/** Where Node finds package `name` for code in `fromDir`: `node_modules` of each ancestor, nearest first, not above `root`. */
function resolveFrom(root: string, fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name)
      if (existsSync(path.join(candidate, 'package.json'))) return candidate
    }
    if (dir === root || path.dirname(dir) === dir) return undefined
  }
}

interface Manifest {
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

/**
 * The package folders (relative to `root`, e.g. `node_modules/mqtt/node_modules/ws`) that
 * `packages` load, following `dependencies`, `optionalDependencies` and `peerDependencies` as
 * Node resolves them (mqtt lists `@types/*` among its dependencies: skipped, and so what only
 * they need). A missing required dependency is an error: the app would not run.
 */
export function runtimeModuleDirs(root: string, packages: readonly string[]): string[] {
  const keep = new Set<string>()
  const visit = (fromDir: string, name: string, required: boolean, by: string) => {
    if (name.startsWith('@types/')) return // declarations for a compiler; nothing runs them
    const dir = resolveFrom(root, fromDir, name)
    if (!dir) {
      if (required) throw new Error(`${name} (needed by ${by}) is not installed under ${root}`)
      return
    }
    const rel = path.relative(root, dir)
    if (keep.has(rel)) return
    keep.add(rel)
    const m = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest
    for (const d of Object.keys(m.dependencies ?? {})) visit(dir, d, !(d in (m.optionalDependencies ?? {})), name)
    for (const d of Object.keys(m.optionalDependencies ?? {})) visit(dir, d, false, name)
    for (const d of Object.keys(m.peerDependencies ?? {})) visit(dir, d, !m.peerDependenciesMeta?.[d]?.optional, name)
  }
  for (const p of packages) visit(root, p, true, 'the bundle')
  return [...keep].sort()
}

/** Deletes every package under `appDir`/node_modules that `runtimeModuleDirs` does not keep. */
export function pruneToRuntime(appDir: string): { kept: string[]; removed: string[] } {
  const kept = runtimeModuleDirs(appDir, runtimeDeps(appDir))
  const keep = new Set(kept)
  const removed: string[] = []
  const sweep = (nm: string) => {
    if (!existsSync(path.join(appDir, nm))) return
    for (const e of readdirSync(path.join(appDir, nm), { withFileTypes: true })) {
      const rel = path.join(nm, e.name)
      if (e.name.startsWith('@') && e.isDirectory()) {
        sweep(rel)
        if (readdirSync(path.join(appDir, rel)).length === 0) rmSync(path.join(appDir, rel), { recursive: true })
        continue
      }
      if (keep.has(rel)) sweep(path.join(rel, 'node_modules'))
      else {
        // .bin and npm's .package-lock.json describe packages that are gone.
        rmSync(path.join(appDir, rel), { recursive: true, force: true })
        removed.push(rel)
      }
    }
  }
  sweep('node_modules')
  return { kept, removed }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, dir] = process.argv.slice(2)
  if (cmd !== 'prune' || !dir) {
    process.stderr.write('usage: runtime-modules.js prune <app dir>\n')
    process.exit(2)
  }
  try {
    const { kept, removed } = pruneToRuntime(path.resolve(dir))
    process.stdout.write(`runtime modules: kept ${kept.length} (${kept.map((k) => k.replace(/^node_modules\//, '')).join(', ')}); removed ${removed.length}\n`)
  } catch (e) {
    process.stderr.write(`runtime-modules: ${(e as Error).message}\n`)
    process.exit(1)
  }
}
