import { createHash } from 'node:crypto'
import { createReadStream, mkdtempSync, promises as fsp, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { verifyBundle } from '../src/update/bundle.js'
import { installBundle } from '../src/update/install.js'
import { generateReleaseKey } from '../src/update/manifest.js'
import { appFiles } from '../tools/release/app-files.js'
import { writeBundle } from '../tools/release/bundle-writer.js'
import { printTable } from './lib/table.js'

/**
 * Update bundle benchmark: a bundle of the whole built app with its production node_modules,
 * verified (signature, every SHA-256, paths) and installed into a slot (every file fsynced).
 * What matters for "the broker and the web keep serving": the longest event-loop stall while
 * verifying, next to the same process idle and to a bare streaming SHA-256 of the file (the
 * floor) as references; and the memory it takes.
 */
async function measure(name: string, fn: () => Promise<unknown>): Promise<Record<string, string | number>> {
  const h = monitorEventLoopDelay({ resolution: 5 })
  const rss0 = process.memoryUsage().rss
  let peak = rss0
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  h.enable()
  const t0 = performance.now()
  await fn()
  const ms = performance.now() - t0
  h.disable()
  clearInterval(sampler)
  return {
    case: name,
    ms: Math.round(ms),
    'loop delay p99 ms': (h.percentile(99) / 1e6).toFixed(1),
    'loop delay max ms': (h.max / 1e6).toFixed(1),
    'RSS growth MB': ((peak - rss0) / 1048576).toFixed(1),
  }
}

export async function benchUpdate(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-update-'))
  try {
    const { publicKey, secretKey } = generateReleaseKey()
    const trusted = [{ name: 'bench', publicKey: publicKey.toString('hex') }]
    const files = await appFiles(path.resolve('.'), { nodeModules: true })
    const bundle = path.join(dir, 'bench.hbundle')
    await writeBundle(bundle, files, { version: '9.0.0', minVersion: '0.0.0', supportEnd: '2031-12-31', notes: 'bench', created: new Date().toISOString() }, secretKey)
    const mb = statSync(bundle).size / 1048576
    const rows = [
      await measure('idle (reference)', () => new Promise((r) => setTimeout(r, 2000))),
      await measure('sha256 of the file (floor)', async () => {
        const hash = createHash('sha256')
        for await (const c of createReadStream(bundle, { highWaterMark: 64 * 1024 })) hash.update(c as Buffer)
        hash.digest()
      }),
      await measure('verify bundle', () => verifyBundle(bundle, { trusted, installed: '0.1.0' })),
      await measure('verify + install into a slot (fsync)', async () => {
        const v = await verifyBundle(bundle, { trusted, installed: '0.1.0' })
        await installBundle(v, { trusted, installed: undefined, slotsDir: path.join(dir, 'slots'), healthDeadlineSeconds: 60, wallMs: Date.now() })
      }),
    ]
    printTable(`Update bundle: ${files.length} files, ${mb.toFixed(1)} MB (the app with its production dependencies)`, rows)
  } finally {
    await fsp.rm(dir, { recursive: true, force: true })
  }
}
