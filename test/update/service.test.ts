import t, { type Test } from 'tap'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { FakeClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
import { Store } from '../../src/store/store.js'
import { UpdateService, type UpdateConfig } from '../../src/update/service.js'
import { UPDATE_DOC } from '../../src/update/settings.js'
import { readSlotState, writeSlotState } from '../../src/update/slots.js'
import { tmpDir } from '../helpers/hub-process.js'
import { releaseKey, testBundle, updateTmp, type ReleaseKey } from '../helpers/update-slots.js'

const HOUR = 3600_000
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!cond()) throw new Error(`never: ${what}`)
}

async function service(t: Test, config: Partial<UpdateConfig>, over: { appRoot?: string; restart?: (r: string) => void; key?: ReleaseKey } = {}) {
  const key = over.key ?? releaseKey()
  const dataDir = path.join(tmpDir(), 'data')
  const store = await Store.open(dataDir, silentLogger)
  t.teardown(() => store.close())
  const doc = await store.document(UPDATE_DOC, () => ({}))
  const clock = new FakeClock(Date.parse('2026-11-25T00:00:00Z'))
  const svc = new UpdateService({
    config: { source: '', autoCheck: true, slotsDir: '', intervalHours: 24, healthDeadlineSeconds: 10, maxBundleMegabytes: 64, ...config },
    dataDir,
    appRoot: over.appRoot ?? path.resolve('.'),
    installed: '1.0.0',
    trusted: key.trusted,
    doc,
    clock,
    random: () => 0.5,
    log: silentLogger,
    restart: over.restart ?? (() => {}),
  })
  t.teardown(() => svc.close())
  return { svc, clock, key, doc }
}

t.test('a check finds a newer signed bundle in a directory and offers its notes; nothing is installed', async (t) => {
  const dir = updateTmp('s-')
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }))
  const { svc, key } = await service(t, { source: dir })
  await testBundle(dir, key, '1.1.0', { info: { notes: 'Fixes the login backoff (CVE-0000-0002).' } })
  await testBundle(dir, key, '0.9.0')
  await testBundle(dir, releaseKey('stranger'), '9.0.0') // not trusted: not a candidate
  const s = await svc.check()
  t.match(s.available, { version: '1.1.0', notes: /CVE-0000-0002/ })
  t.equal(s.canInstall, false)
  // A source that offers only what is installed is up to date, not failing.
  const only = updateTmp('s-')
  t.teardown(() => fsp.rm(only, { recursive: true, force: true }))
  await testBundle(only, key, '1.0.0')
  const same = await service(t, { source: only }, { key })
  t.match((await same.svc.check()).check.last, { ok: true, message: /up to date \(the source offers 1\.0\.0\)/ })
  await t.rejects(svc.apply(), { code: 'HUB_ERR_UPDATE_UNAVAILABLE' }, 'no slots: no install')
})

t.test('schedule: at start, then within 24 h; off and postponed are respected; failures back off', async (t) => {
  const dir = updateTmp('s-')
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }))
  const { svc, clock } = await service(t, { source: dir })
  let checks = 0
  const real = svc.check.bind(svc)
  svc.check = async () => (checks++, real())
  await svc.start({ ca: '', servername: 'localhost', mqtts: { host: '127.0.0.1', port: 1 }, https: { host: '127.0.0.1', port: 1 }, dataDir: dir })
  clock.advance(30_000)
  await until(() => checks === 1 && svc.status().phase === 'idle', 'first check')
  clock.advance(24 * HOUR)
  await until(() => checks === 2, 'second check within 24 h')
  await svc.settings({ autoCheck: false })
  clock.advance(72 * HOUR)
  await new Promise((r) => setTimeout(r, 50))
  t.equal(checks, 2, 'off: no checks')
  await svc.settings({ autoCheck: true, postponeDays: 3 })
  clock.advance(48 * HOUR)
  await new Promise((r) => setTimeout(r, 50))
  t.equal(checks, 2, 'postponed: no checks')
  clock.advance(48 * HOUR)
  await until(() => checks === 3, 'checks resume after the postponement')
})

t.test('a failing source backs off (minutes, not a day) and reports why', async (t) => {
  const { svc, clock } = await service(t, { source: 'https://127.0.0.1:1/hearth.hbundle' })
  await svc.start({ ca: '', servername: 'localhost', mqtts: { host: '127.0.0.1', port: 1 }, https: { host: '127.0.0.1', port: 1 }, dataDir: '/tmp' })
  clock.advance(30_000)
  await until(() => svc.status().check.last !== undefined && svc.status().phase === 'idle', 'check ran')
  const s = svc.status()
  t.match(s.check.last, { ok: false, message: /ECONNREFUSED/ })
  const next = Date.parse(s.check.nextAt!) - clock.wallMs()
  t.ok(next >= 60_000 && next <= 3 * 60_000, `retry in ${next} ms`)
})

t.test('a new version that fails its health check switches back and asks for a restart', async (t) => {
  const slots = updateTmp('h-')
  t.teardown(() => fsp.rm(slots, { recursive: true, force: true }))
  for (const s of ['a', 'b']) await fsp.mkdir(path.join(slots, s))
  await fsp.symlink('b', path.join(slots, 'current'))
  await writeSlotState(slots, { format: 1, trial: { slot: 'b', previous: 'a', version: '1.1.0', fromVersion: '1.0.0', startedAt: '2026-11-25T00:00:00Z', deadlineSeconds: 5, boots: 1 } })
  const restarts: string[] = []
  const { svc } = await service(t, { slotsDir: slots }, { appRoot: path.join(slots, 'b'), restart: (r) => restarts.push(r) })
  // Real sockets: nothing listens on these ports, so the broker check fails at once.
  await svc.start({ ca: '', servername: 'localhost', mqtts: { host: '127.0.0.1', port: 1 }, https: { host: '127.0.0.1', port: 1 }, dataDir: slots })
  t.equal(await fsp.readlink(path.join(slots, 'current')), 'a', 'switched back')
  const state = await readSlotState(slots)
  t.notOk(state.trial)
  t.match(state.last, { ok: false, version: '1.1.0', fromVersion: '1.0.0', reason: /health check failed: broker: .*ECONNREFUSED/ })
  t.same(restarts, ['rolled back after a failed health check'])
  t.match(svc.status().lastInstall, { ok: false })
})
