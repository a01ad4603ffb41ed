import { createReadStream, promises as fsp } from 'node:fs'
import { get } from 'node:https'
import type { IncomingMessage } from 'node:http'
import path from 'node:path'
import { HubError } from '../core/errors.js'
import { compareVersions } from '../policy/update.js'
import { writeStreamDurable } from '../store/durable-fs.js'
import { MANIFEST_NAME, SIGNATURE_NAME, verifyManifest, type Manifest, type TrustedKey } from './manifest.js'
import { readTar } from './tar.js'

/**
 * Where updates come from (`update.source`): a bundle file, a directory of bundles (a USB stick,
 * a share), or an HTTPS URL of a bundle. HTTPS verifies the server certificate against the
 * system CAs (never disabled; tests pass their own CA through the hub's test-only deps), follows
 * no redirects to plain HTTP, and is bounded in size and time. A download lands in the data dir
 * and is verified like any other bundle before anything is installed.
 */
export interface SourceDeps {
  /** Where a download is written (inside the data dir). */
  downloadDir: string
  trusted: readonly TrustedKey[]
  maxBytes: number
  /** Test-only: CAs for the HTTPS source (production uses the system store). */
  ca?: string
  onProgress?: (bytes: number, total: number) => void
  timeoutMs?: number
}

export type Fetched = { kind: 'none'; reason: string } | { kind: 'bundle'; file: string; etag?: string }

const unavailable = (why: string) => new HubError('HUB_ERR_UPDATE_UNAVAILABLE', `update source: ${why}`)

/** The signed manifest of a bundle, from its first two entries only (no hashing). */
export async function peekManifest(file: string, trusted: readonly TrustedKey[]): Promise<Manifest> {
  const parts: Buffer[] = []
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 })
  try {
    for await (const e of readTar(stream as AsyncIterable<Buffer>, { maxEntries: 2, maxEntryBytes: 16 * 1024 * 1024, maxTotalBytes: Number.MAX_SAFE_INTEGER })) {
      const chunks: Buffer[] = []
      for await (const c of e.body) chunks.push(c)
      parts.push(Buffer.concat(chunks))
      if (parts.length === 1 && e.name !== MANIFEST_NAME) break
      if (parts.length === 2) {
        if (e.name !== SIGNATURE_NAME) break
        return (await verifyManifest(parts[0]!, parts[1]!, trusted)).manifest
      }
    }
  } catch (err) {
    if (!(err instanceof HubError) || !/more than 2 entries/.test(err.message)) throw err
  } finally {
    stream.destroy()
  }
  throw new HubError('HUB_ERR_UPDATE_REFUSED', 'bundle refused: no signed manifest at its start')
}

async function fromDirectory(dir: string, trusted: readonly TrustedKey[]): Promise<Fetched> {
  let best: { file: string; version: string } | undefined
  for (const name of (await fsp.readdir(dir)).filter((n) => n.endsWith('.hbundle')).sort()) {
    const file = path.join(dir, name)
    try {
      const m = await peekManifest(file, trusted)
      if (!best || compareVersions(m.version, best.version) > 0) best = { file, version: m.version }
    } catch {
      // Not ours, or not signed by a trusted key: not a candidate.
    }
  }
  return best ? { kind: 'bundle', file: best.file } : { kind: 'none', reason: `no signed bundle in ${dir}` }
}

function download(url: URL, deps: SourceDeps, etag: string | undefined, redirects = 3): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = get(url, { ...(deps.ca ? { ca: deps.ca } : {}), headers: etag ? { 'if-none-match': etag } : {}, timeout: deps.timeoutMs ?? 60_000 }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0
      if (status === 304) return res.resume(), resolve({ kind: 'none', reason: 'no new bundle since the last check' })
      if ([301, 302, 307, 308].includes(status) && res.headers.location && redirects > 0) {
        res.resume()
        const next = new URL(res.headers.location, url)
        if (next.protocol !== 'https:') return reject(unavailable('redirect to a non-HTTPS address refused'))
        return download(next, deps, etag, redirects - 1).then(resolve, reject)
      }
      if (status === 404) return res.resume(), resolve({ kind: 'none', reason: 'no bundle published' })
      if (status !== 200) return res.resume(), reject(unavailable(`HTTP ${status}`))
      const total = Number(res.headers['content-length'] ?? 0)
      if (total > deps.maxBytes) return res.destroy(), reject(unavailable(`bundle larger than ${deps.maxBytes} bytes`))
      const file = path.join(deps.downloadDir, 'download.hbundle')
      writeStreamDurable(file, res, { maxBytes: deps.maxBytes, onProgress: (b) => deps.onProgress?.(b, total) }).then(
        () => resolve({ kind: 'bundle', file, ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}) }),
        (err: Error) => reject(unavailable(`download failed: ${err.message}`)),
      )
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (err: NodeJS.ErrnoException) => reject(unavailable(`${url.host}: ${err.code ?? err.message}`)))
  })
}

/** Looks for a bundle at `source`; `etag` from the previous HTTPS check avoids a repeat download. */
export async function fetchFromSource(source: string, deps: SourceDeps, etag?: string): Promise<Fetched> {
  if (source === '') return { kind: 'none', reason: 'no update source configured (update.source)' }
  if (/^https:\/\//i.test(source)) {
    await fsp.mkdir(deps.downloadDir, { recursive: true, mode: 0o700 })
    return download(new URL(source), deps, etag)
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) throw unavailable('only HTTPS URLs or local paths are accepted')
  const st = await fsp.stat(source).catch(() => undefined)
  if (!st) return { kind: 'none', reason: `${source} does not exist` }
  return st.isDirectory() ? fromDirectory(source, deps.trusted) : { kind: 'bundle', file: source }
}
