import { createHash } from 'node:crypto'
import { createReadStream, promises as fsp } from 'node:fs'
import { HubError } from '../core/errors.js'
import { decideInstall } from '../policy/update.js'
import { MANIFEST_NAME, SIGNATURE_NAME, verifyManifest, type Manifest, type TrustedKey } from './manifest.js'
import { readTar, safePathProblem } from './tar.js'

/**
 * Reading an update bundle: a ustar archive whose first entry is `manifest.json`, second
 * `manifest.sig`, then `app/<path>` for every file the manifest lists, in any order. One pass
 * checks, in this order: size limits, the signature (nothing in the manifest is trusted
 * before), anti-rollback, every path, every file's size and SHA-256, nothing missing or extra.
 * Streaming: memory stays at one 64 KiB chunk plus the manifest, and every chunk is a turn of
 * the event loop (hashing 64 KiB takes well under a millisecond), so the broker and the web
 * keep serving while a bundle is verified.
 */
export interface BundleLimits {
  maxBundleBytes: number
  maxEntryBytes: number
  maxEntries: number
}

export const DEFAULT_LIMITS: BundleLimits = { maxBundleBytes: 512 * 1024 * 1024, maxEntryBytes: 64 * 1024 * 1024, maxEntries: 100_000 }
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024
const MAX_SIGNATURE_BYTES = 1024
export const APP_PREFIX = 'app/'

export interface VerifyOptions {
  trusted: readonly TrustedKey[]
  /** The version installed now; undefined when seeding an empty slots dir. */
  installed: string | undefined
  allowDowngrade?: boolean
  limits?: BundleLimits
  onProgress?: (bytesRead: number, total: number) => void
}

export interface VerifiedBundle {
  file: string
  manifest: Manifest
  manifestBytes: Buffer
  signatureBytes: Buffer
  signer: string
  downgrade: boolean
}

/** Receives each app file as it is checked (the installer); the file's hash is judged after `end`. */
export type FileSink = (file: Manifest['files'][number]) => Promise<{ write(chunk: Buffer): Promise<void>; end(): Promise<void> }>

const refuse = (why: string, details?: Record<string, unknown>) => new HubError('HUB_ERR_UPDATE_REFUSED', `bundle refused: ${why}`, details)

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of body) parts.push(c)
  return Buffer.concat(parts)
}

/**
 * Verifies a bundle file; with a `sink`, also hands each verified-so-far file's bytes to it (the
 * install pass, which must still throw away everything if a later hash fails).
 */
export async function scanBundle(file: string, opts: VerifyOptions, sink?: FileSink): Promise<VerifiedBundle> {
  const limits = opts.limits ?? DEFAULT_LIMITS
  const { size } = await fsp.stat(file)
  if (size > limits.maxBundleBytes) throw refuse(`larger than ${limits.maxBundleBytes} bytes`)
  let read = 0
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 })
  const counted = (async function* () {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length
      opts.onProgress?.(read, size)
      yield chunk
    }
  })()
  let manifestBytes: Buffer | undefined
  let signatureBytes: Buffer | undefined
  let verified: { manifest: Manifest; signer: string } | undefined
  let downgrade = false
  let expected = new Map<string, Manifest['files'][number]>()
  const seen = new Set<string>()
  try {
    for await (const entry of readTar(counted, { maxEntries: limits.maxEntries + 2, maxEntryBytes: Math.max(limits.maxEntryBytes, MAX_MANIFEST_BYTES), maxTotalBytes: limits.maxBundleBytes })) {
      if (!manifestBytes) {
        if (entry.name !== MANIFEST_NAME || entry.size > MAX_MANIFEST_BYTES) throw refuse(`the first entry must be ${MANIFEST_NAME} (at most ${MAX_MANIFEST_BYTES} bytes)`)
        manifestBytes = await collect(entry.body)
        continue
      }
      if (!verified) {
        if (entry.name !== SIGNATURE_NAME || entry.size > MAX_SIGNATURE_BYTES) throw refuse(`the second entry must be ${SIGNATURE_NAME}`)
        signatureBytes = await collect(entry.body)
        verified = await verifyManifest(manifestBytes, signatureBytes, opts.trusted)
        const m = verified.manifest
        if (opts.installed !== undefined) {
          const d = decideInstall(m, opts.installed, { allowDowngrade: opts.allowDowngrade ?? false })
          if (!d.allow) throw refuse(d.reason, { refusal: d.code })
          downgrade = d.downgrade
        }
        expected = new Map()
        for (const f of m.files) {
          const problem = safePathProblem(f.path)
          if (problem) throw refuse(`manifest lists ${JSON.stringify(f.path)}: ${problem}`)
          if (f.path === MANIFEST_NAME || f.path === SIGNATURE_NAME) throw refuse(`manifest lists its own file ${f.path}`)
          if (expected.has(f.path)) throw refuse(`manifest lists ${f.path} twice`)
          if (f.size > limits.maxEntryBytes) throw refuse(`${f.path} is larger than ${limits.maxEntryBytes} bytes`)
          expected.set(f.path, f)
        }
        if (expected.size > limits.maxEntries) throw refuse(`more than ${limits.maxEntries} files`)
        continue
      }
      const rel = entry.name.startsWith(APP_PREFIX) ? entry.name.slice(APP_PREFIX.length) : undefined
      const meta = rel !== undefined ? expected.get(rel) : undefined
      if (!meta || rel === undefined) throw refuse(`entry ${JSON.stringify(entry.name)} is not in the signed manifest`, { entry: entry.name })
      if (seen.has(rel)) throw refuse(`entry ${rel} repeats`)
      seen.add(rel)
      if (entry.size !== meta.size) throw refuse(`${rel} has ${entry.size} bytes; the manifest says ${meta.size}`, { entry: rel })
      const hash = createHash('sha256')
      const out = sink ? await sink(meta) : undefined
      for await (const chunk of entry.body) {
        hash.update(chunk)
        await out?.write(chunk)
      }
      if (hash.digest('hex') !== meta.sha256) throw refuse(`${rel} does not match its SHA-256 in the manifest`, { entry: rel })
      await out?.end()
    }
  } finally {
    stream.destroy()
  }
  if (!verified || !manifestBytes || !signatureBytes) throw refuse('no signed manifest')
  const missing = [...expected.keys()].filter((p) => !seen.has(p))
  if (missing.length > 0) throw refuse(`${missing.length} file(s) of the manifest are missing, e.g. ${missing[0]}`)
  return { file, manifest: verified.manifest, manifestBytes, signatureBytes, signer: verified.signer, downgrade }
}

/** Verifies without writing anything anywhere (the check before an install, and `update check`). */
export const verifyBundle = (file: string, opts: VerifyOptions): Promise<VerifiedBundle> => scanBundle(file, opts)
