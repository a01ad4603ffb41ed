import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs'
import { once } from 'node:events'
import { APP_PREFIX } from '../../src/update/bundle.js'
import { MANIFEST_NAME, SIGNATURE_NAME, signManifest, type Manifest } from '../../src/update/manifest.js'
import { TAR_END, tarHeader, tarPadding } from '../../src/update/tar.js'

/** One file of the app: where it goes in the slot, and its bytes (a file on disk, or in memory). */
export interface AppFile {
  path: string
  source: string | Buffer
  mode?: 0o644 | 0o755
}

export interface BundleInfo {
  version: string
  minVersion: string
  supportEnd: string
  notes: string
  created: string
}

async function digest(f: AppFile): Promise<{ size: number; sha256: string }> {
  if (Buffer.isBuffer(f.source)) return { size: f.source.length, sha256: createHash('sha256').update(f.source).digest('hex') }
  const hash = createHash('sha256')
  let size = 0
  for await (const c of createReadStream(f.source)) (hash.update(c as Buffer), (size += (c as Buffer).length))
  return { size, sha256: hash.digest('hex') }
}

/** Builds the manifest for `files` (sorted by path, so the same tree gives the same bytes). */
export async function buildManifest(files: AppFile[], info: BundleInfo): Promise<Manifest> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const out: Manifest['files'] = []
  for (const f of sorted) out.push({ path: f.path, ...(await digest(f)), mode: f.mode ?? 0o644 })
  return { format: 1, product: 'hearth', ...info, files: out }
}

/**
 * Writes a signed bundle: manifest.json, manifest.sig, then app/<path> for each file (docs/updates.md).
 * The secret key is used here and nowhere else; it is never written anywhere.
 */
export async function writeBundle(out: string, files: AppFile[], info: BundleInfo, secretKey: Uint8Array): Promise<Manifest> {
  const manifest = await buildManifest(files, info)
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 1) + '\n')
  const sig = Buffer.from(JSON.stringify(signManifest(manifestBytes, secretKey)) + '\n')
  const ws = createWriteStream(out, { mode: 0o644 })
  const put = async (b: Buffer) => {
    if (!ws.write(b)) await once(ws, 'drain')
  }
  const entry = async (name: string, body: Buffer | string, size: number, mode: number) => {
    await put(tarHeader(name, size, mode))
    if (Buffer.isBuffer(body)) await put(body)
    else for await (const c of createReadStream(body)) await put(c as Buffer)
    await put(tarPadding(size))
  }
  await entry(MANIFEST_NAME, manifestBytes, manifestBytes.length, 0o644)
  await entry(SIGNATURE_NAME, sig, sig.length, 0o644)
  const byPath = new Map(files.map((f) => [f.path, f]))
  for (const m of manifest.files) await entry(APP_PREFIX + m.path, byPath.get(m.path)!.source, m.size, m.mode)
  await put(TAR_END)
  ws.end()
  await once(ws, 'close')
  await fsp.chmod(out, 0o644)
  return manifest
}
