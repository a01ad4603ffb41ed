import { promises as fsp } from 'node:fs'
import path from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
}
const MAX_FILE = 1024 * 1024
const MAX_TOTAL = 4 * 1024 * 1024

/**
 * Loads the built UI (`web-ui/dist`) into memory once, at start: a small, fixed set of files,
 * so no request path ever reaches the file system. Missing UI → an empty map (API only).
 */
export async function loadAssets(dir: string): Promise<Map<string, { body: Buffer; type: string }>> {
  const out = new Map<string, { body: Buffer; type: string }>()
  let total = 0
  const walk = async (sub: string): Promise<void> => {
    let entries
    try {
      entries = await fsp.readdir(path.join(dir, sub), { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const rel = sub ? `${sub}/${e.name}` : e.name
      if (e.isDirectory()) await walk(rel)
      else if (e.isFile() && TYPES[path.extname(e.name)] && /^[A-Za-z0-9._/-]+$/.test(rel)) {
        const body = await fsp.readFile(path.join(dir, rel))
        if (body.length > MAX_FILE || (total += body.length) > MAX_TOTAL) throw new Error(`UI asset ${rel} makes the bundle too large`)
        out.set(rel, { body, type: TYPES[path.extname(e.name)]! })
      }
    }
  }
  await walk('')
  return out
}
