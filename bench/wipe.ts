import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { FakeClock, systemClock } from '../src/core/clock.js'
import { resolveConfig } from '../src/core/config.js'
import { silentLogger } from '../src/core/log.js'
import { BROKER_DOC } from '../src/broker/persistence.js'
import { ACCOUNTS_DOC, type AccountRecord } from '../src/devices/accounts-doc.js'
import type { Bus } from '../src/devices/discovery.js'
import { startHub } from '../src/hub.js'
import { OwnerService } from '../src/owner/owner.js'
import { StateHistory } from '../src/privacy/history.js'
import { filesUnder } from '../test/helpers/privacy-seed.js'
import { Store } from '../src/store/store.js'
import { median, printTable } from './lib/table.js'

/**
 * Factory wipe (issue 8): a hub with 500 devices and a week of state history (one point per
 * device per 5 minutes), wiped through the same trigger as the button; measured from the request
 * to the hub serving again in first-run state (in-process restart included). References in the
 * same run: a plain stop + start of the same hub with no wipe, and `rm -rf` of the same data dir.
 */
const DEVICES = 500
const DAYS = 7
const SAMPLE_S = 300
const RUNS = Number(process.env.BENCH_WIPE_RUNS ?? 3)

async function seed(dir: string): Promise<void> {
  const store = await Store.open(dir, silentLogger)
  const now = Date.now()
  const ids = Array.from({ length: DEVICES }, (_, i) => `d-bench${String(i).padStart(5, '0')}`)
  const accounts = await store.document(ACCOUNTS_DOC, () => ({ accounts: [] as AccountRecord[] }))
  accounts.data = {
    accounts: ids.map((id, i) => ({ username: id, role: 'device' as const, name: `Room ${i} sensor`, kind: 'temperature' as const, verifier: '00'.repeat(32), createdAt: new Date(now).toISOString() })),
  }
  await accounts.write()
  const broker = await store.document(BROKER_DOC, () => ({ retained: [], sessions: {} }))
  broker.data = { retained: ids.map((id) => ({ topic: `hearth/${id}/state`, payload: Buffer.from('{"temperature":21.5,"humidity":40}').toString('base64'), qos: 1 as const })), sessions: {} }
  await broker.write()
  const owner = await OwnerService.open(store, { setupCode: () => 'X', markClaimed: async () => {}, clock: systemClock })
  await owner.claim('X', 'Bench Owner', 'bench password 2026 ok').catch(() => {})
  // A week of history through the real recorder, on a fake clock.
  const clock = new FakeClock(now - DAYS * 86_400_000)
  const subs: Array<(t: string, p: Buffer) => void> = []
  const bus: Bus = { publish: async () => {}, subscribe: (_f, fn) => void subs.push(fn) }
  const history = await StateHistory.open({ dataDir: dir, sealer: store.sealer, clock, log: silentLogger, settings: { historyDays: DAYS, historySampleSeconds: SAMPLE_S, historyFlushSeconds: 3600 }, bus })
  for (let s = 0; s < (DAYS * 86_400) / SAMPLE_S; s++) {
    for (const id of ids) {
      const payload = Buffer.from(`{"temperature":${(18 + (s % 60) / 10).toFixed(1)},"humidity":${40 + (s % 20)}}`)
      for (const fn of subs) fn(`hearth/${id}/state`, payload)
    }
    clock.advance(SAMPLE_S * 1000)
    if (s % 12 === 11) await history.flush()
  }
  await history.close()
  store.close()
}

const config = (dir: string) => resolveConfig({ env: {}, flags: { '--data-dir': dir, '--mqtt-port': '0', '--http-port': '0', '--log-level': 'silent' }, baseDir: '/' })

export async function benchWipe(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-wipe-'))
  try {
    const template = path.join(root, 'template')
    await seed(template)
    const files = filesUnder(template)
    const { statSync } = await import('node:fs')
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0)
    const wipes: number[] = []
    const commits: number[] = []
    const restarts: number[] = []
    const rms: number[] = []
    const starts: number[] = []
    const rssGrowth: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const dir = path.join(root, `run-${i}`)
      cpSync(template, dir, { recursive: true })
      const rss0 = process.memoryUsage().rss
      const ts = performance.now()
      const hub = await startHub(config(dir), silentLogger)
      starts.push(performance.now() - ts)
      rssGrowth.push((process.memoryUsage().rss - rss0) / 1e6)
      const t0 = performance.now()
      await hub.wipe('api')
      commits.push(performance.now() - t0)
      await hub.settled()
      wipes.push(performance.now() - t0)
      if (hub.status().claimed) throw new Error('not wiped')
      // Reference: the same hub restarted without a wipe.
      const t1 = performance.now()
      await hub.stop()
      const again = await startHub(config(dir), silentLogger)
      restarts.push(performance.now() - t1)
      await again.stop()
      const copy = path.join(root, `rm-${i}`)
      cpSync(template, copy, { recursive: true })
      const t2 = performance.now()
      rmSync(copy, { recursive: true })
      rms.push(performance.now() - t2)
    }
    printTable(`Factory wipe: ${DEVICES} devices, ${DAYS} days of history (${files.length} files, ${(bytes / 1e6).toFixed(1)} MB), median of ${RUNS}`, [
      { case: 'wipe: request → serving in first-run state', 'median ms': median(wipes), 'max ms': Math.max(...wipes) },
      { case: '  of which: committed (marker + data key destroyed)', 'median ms': median(commits), 'max ms': Math.max(...commits) },
      { case: 'reference: stop + start of the same (empty) hub', 'median ms': median(restarts), 'max ms': Math.max(...restarts) },
      { case: 'reference: rm -rf of the seeded data dir', 'median ms': median(rms), 'max ms': Math.max(...rms) },
      { case: 'start of the seeded hub (history loaded)', 'median ms': median(starts), 'max ms': Math.max(...starts) },
    ])
    console.log(`RSS growth when the seeded hub starts (history in memory): median ${median(rssGrowth).toFixed(0)} MB`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
