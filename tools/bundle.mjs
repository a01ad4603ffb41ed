#!/usr/bin/env node
// Bundles the compiled hub (dist/src, from tsc) into dist/app: the program `npm start`, the
// `hearth` command, the image and update bundles run. One ESM file per entry point plus shared
// chunks loaded on demand (code splitting), minified whitespace and syntax only: identifiers are
// not renamed, so stack traces keep their function names. (No `keepNames`: its per-function
// `__name()` calls cost ~1.7 MB of idle heap, and nothing here reads a renamed function's name.)
//
// Why: resolving and compiling ~450 module files was most of a start (≈ 0.9 of 1.7 s here, so
// ~3 s on a Pi) and ~8 MB of idle memory; one bundle starts in half the time (docs/architecture.md).
//
// Left outside the bundle, loaded from node_modules at run time: native addons (sodium-native,
// node-hid, serialport) and mqtt (loaded only when the optional uplink connects). The release
// keys stay a file of their own, dist/app/trust-keys.mjs, so a test slot can ship throwaway keys
// without rebuilding the program (src/update/trust-keys.ts says why they are not configurable).
//
//   node tools/bundle.mjs [--quiet]
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeChanged } from './write-changed.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'dist', 'app')
const quiet = process.argv.includes('--quiet')

const EXTERNAL = ['sodium-native', 'node-hid', 'serialport', '@serialport/*', 'mqtt']
/**
 * The packages the bundle loads from node_modules at run time, written to
 * dist/app/runtime-deps.json: the image and update bundles ship these and what they depend on,
 * nothing else (tools/release/runtime-modules.ts). test/tools/bundle.test.ts checks that the
 * bundle imports no other package.
 */
const RUNTIME_DEPS = EXTERNAL.filter((p) => !p.includes('*'))
const TRUST_KEYS = './trust-keys.mjs'

/** Imports of src/update/trust-keys.js become an import of the file next to the bundle. */
const trustKeysOutside = {
  name: 'trust-keys-outside',
  setup(b) {
    b.onResolve({ filter: /[\\/]trust-keys\.js$/ }, () => ({ path: TRUST_KEYS, external: true }))
  },
}

/**
 * `debug` (used in the bundle only by mqtt-packet, on every packet) becomes tools/shims/debug.cjs:
 * empty loggers unless DEBUG is set when the hub starts, then the real package. `DEBUG_USERS` are
 * the only importers allowed; a new one is a build error until someone checks the shim covers its use.
 */
const DEBUG_USERS = /node_modules[\\/]mqtt-packet[\\/]/
const debugOffUnlessSet = {
  name: 'debug-off-unless-set',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, (args) =>
      DEBUG_USERS.test(args.importer)
        ? { path: path.join(root, 'tools', 'shims', 'debug.cjs') }
        : { errors: [{ text: `${args.importer} imports debug: check that tools/shims/debug.cjs gives it what it uses, then add it to DEBUG_USERS` }] },
    )
  },
}

const t0 = performance.now()
const result = await build({
  absWorkingDir: root,
  entryPoints: { hearth: 'dist/src/main.js', 'install-slot': 'dist/tools/release/install-slot.js' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // All files in one folder: the relative import of trust-keys.mjs holds from every chunk.
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
  minifyWhitespace: !process.env.BUNDLE_DEBUG,
  minifySyntax: true,
  // Licence comments go to <chunk>.LEGAL.txt next to the code: one non-ASCII letter in a comment
  // would make Node 24 hold the whole chunk's source as a two-byte string (2.4 instead of 1.2 MB).
  legalComments: 'external',
  external: EXTERNAL,
  plugins: [trustKeysOutside, debugOffUnlessSet],
  // Bundled CommonJS (fastify, aedes …) calls require() for Node's built-ins.
  banner: { js: "import { createRequire as __hearthRequire } from 'node:module'; const require = __hearthRequire(import.meta.url);" },
  metafile: true,
  write: false,
  logLevel: 'warning',
})

// Only changed files are written, each through a temporary file and a rename (tools/write-changed.mjs):
// hubs may be running from dist/app while it is rebuilt. Chunk names carry their content hash,
// so an unchanged build writes nothing.
const files = new Map(result.outputFiles.map((f) => [path.basename(f.path), Buffer.from(f.contents)]))
files.set('trust-keys.mjs', readFileSync(path.join(root, 'dist', 'src', 'update', 'trust-keys.js')))
files.set('runtime-deps.json', Buffer.from(`${JSON.stringify({ packages: RUNTIME_DEPS }, null, 2)}\n`))
const { written, removed } = writeChanged(out, files, (name) => (/^(hearth|install-slot)\.mjs$/.test(name) ? 0o755 : 0o644))
if (!quiet) {
  const bytes = [...files.values()].reduce((n, b) => n + b.length, 0)
  process.stdout.write(`bundle: ${files.size} files, ${(bytes / 1024).toFixed(0)} KiB in dist/app (${written} written, ${removed} removed) in ${Math.round(performance.now() - t0)} ms\n`)
}
