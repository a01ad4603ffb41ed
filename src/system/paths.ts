import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The checkout (or installed app) root: the nearest folder above this file with Hearth's package.json. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pj = path.join(dir, 'package.json')
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'hearth') return dir
    const up = path.dirname(dir)
    if (up === dir) throw new Error('cannot find the Hearth package root')
    dir = up
  }
}

/** Model designation and version from the build metadata (EN 303 645 5.3-16). */
export function buildInfo(): { model: string; version: string } {
  const pj = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  return { model: 'Hearth Hub', version: pj.version }
}

/**
 * End of the security-update support period for this release (EN 303 645 5.3-13; UK PSTI).
 * Set per release; shown by /api/v1/about, the UI and the README.
 */
export const SUPPORT_END = '2031-12-31'
