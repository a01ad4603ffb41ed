import { readFileSync } from 'node:fs'

/**
 * The V8 flags the hub runs with in production — read from `npm start` in package.json, which
 * test/image/systemd.test.ts keeps equal to the image's hearth.service. Tests start their hubs
 * with them (test/helpers/hub-process.ts), and benches give them alike to every Node broker they
 * start (hub and bare aedes).
 */
export function productionNodeFlags(pkgFile = 'package.json'): string[] {
  const start = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { scripts: { start: string } }).scripts.start
  const words = start.split(/\s+/)
  if (words[0] !== 'node') throw new Error(`npm start does not run node: ${start}`)
  const flags: string[] = []
  for (const w of words.slice(1)) {
    if (!w.startsWith('--')) break
    flags.push(w)
  }
  return flags
}

/** For benches: `BENCH_NODE_FLAGS` (space-separated) replaces them, e.g. another semi-space size or `--cpu-prof --cpu-prof-dir=DIR`. */
export const NODE_FLAGS: string[] = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : productionNodeFlags()
