// Writes a build's output into a folder that running programs may be reading from (dist/app,
// web-ui/dist: `npm start` inside the test suite rebuilds under running hubs). Only files whose
// bytes changed are written, each through a temporary file and a rename, so no reader ever sees
// one missing or half written; files the build no longer produces are deleted afterwards.
// Used by tools/bundle.mjs and web-ui/build.mjs.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
export function walk(dir, base = dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')]))
}

/**
 * @param {string} out the output folder
 * @param {Map<string, Buffer>} files relative path → bytes
 * @param {(rel: string) => number} [modeOf] file mode (default 0644)
 * @returns {{ written: number, removed: number }}
 */
export function writeChanged(out, files, modeOf = () => 0o644) {
  let written = 0
  for (const [rel, body] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dest = path.join(out, rel)
    if (existsSync(dest) && readFileSync(dest).equals(body)) continue
    mkdirSync(path.dirname(dest), { recursive: true })
    const tmp = `${dest}.${process.pid}.tmp`
    writeFileSync(tmp, body, { mode: modeOf(rel) })
    renameSync(tmp, dest)
    written++
  }
  let removed = 0
  for (const rel of walk(out)) {
    if (files.has(rel)) continue
    unlinkSync(path.join(out, rel))
    removed++
  }
  return { written, removed }
}
