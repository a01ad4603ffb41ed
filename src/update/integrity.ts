import { createHash } from 'node:crypto'
import { createReadStream, promises as fsp } from 'node:fs'
import path from 'node:path'
import { MANIFEST_NAME, SIGNATURE_NAME, verifyManifest, type TrustedKey } from './manifest.js'

/**
 * Software integrity at start (EN 303 645 5.7-1): the installed app is hashed file by file
 * against the signed manifest it was installed from. Three outcomes:
 * - `verified`: the signature is good and every file matches, nothing missing, nothing extra;
 * - `unverified`: a development checkout (no manifest) — said plainly, no lockdown;
 * - `failed`: a manifest is there but its signature or any file does not match → the caller
 *   alerts and locks the network down.
 */
export type Integrity =
  | { status: 'verified'; version: string; files: number; signer: string }
  | { status: 'unverified'; reason: string }
  | { status: 'failed'; reason: string; problems: string[] }

const MAX_LISTED = 20

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Every path under `root` (relative, `/`-separated), with what kind of thing it is. */
async function* walk(root: string, rel = ''): AsyncGenerator<{ rel: string; kind: 'file' | 'other' }> {
  for (const e of await fsp.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) yield* walk(root, r)
    else yield { rel: r, kind: e.isFile() ? 'file' : 'other' }
  }
}

export async function checkIntegrity(appRoot: string, trusted: readonly TrustedKey[]): Promise<Integrity> {
  let manifestBytes: Buffer
  let signatureBytes: Buffer
  try {
    manifestBytes = await fsp.readFile(path.join(appRoot, MANIFEST_NAME))
  } catch {
    return { status: 'unverified', reason: 'unverified (development build): no signed manifest next to the app' }
  }
  try {
    signatureBytes = await fsp.readFile(path.join(appRoot, SIGNATURE_NAME))
  } catch {
    return { status: 'failed', reason: 'the manifest has no signature', problems: [SIGNATURE_NAME] }
  }
  let verified
  try {
    verified = await verifyManifest(manifestBytes, signatureBytes, trusted)
  } catch (err) {
    return { status: 'failed', reason: `the installed manifest is not validly signed (${(err as Error).message})`, problems: [MANIFEST_NAME] }
  }
  const problems: string[] = []
  let count = 0
  const note = (p: string) => (++count, problems.length < MAX_LISTED && problems.push(p))
  const expected = new Map(verified.manifest.files.map((f) => [f.path, f]))
  const seen = new Set<string>()
  for await (const { rel, kind } of walk(appRoot)) {
    if (rel === MANIFEST_NAME || rel === SIGNATURE_NAME) continue
    const meta = expected.get(rel)
    if (!meta) {
      note(`${rel}: not in the manifest`)
      continue
    }
    seen.add(rel)
    if (kind !== 'file') note(`${rel}: not a regular file`)
    else if ((await fsp.stat(path.join(appRoot, rel))).size !== meta.size || (await sha256File(path.join(appRoot, rel))) !== meta.sha256) note(`${rel}: modified`)
  }
  for (const p of expected.keys()) if (!seen.has(p)) note(`${p}: missing`)
  if (count > 0) return { status: 'failed', reason: `${count} installed file(s) do not match the signed manifest of version ${verified.manifest.version}`, problems }
  return { status: 'verified', version: verified.manifest.version, files: expected.size, signer: verified.signer }
}
