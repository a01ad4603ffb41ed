import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { FakeClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
import type { Bus } from '../../src/devices/discovery.js'
import { StateHistory } from '../../src/privacy/history.js'
import { Store } from '../../src/store/store.js'
import { tmpDir } from '../helpers/hub-process.js'

const HOUR = 3_600_000
/** The internal bus, faked at our own interface: it just forwards to subscribers. */
function fakeBus(): Bus & { send(topic: string, payload: string): void } {
  const subs: Array<(topic: string, payload: Buffer) => void> = []
  return {
    publish: async () => {},
    subscribe: (_f, fn) => void subs.push(fn),
    send: (topic, payload) => subs.forEach((fn) => fn(topic, Buffer.from(payload))),
  }
}
const settings = { historyDays: 2, historySampleSeconds: 60, historyFlushSeconds: 600 }

t.test('samples per interval, writes sealed hour files on the flush budget, reloads, and keeps devices apart', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const store = await Store.open(dir, silentLogger)
  t.teardown(() => store.close())
  const clock = new FakeClock(Date.UTC(2026, 0, 1))
  const bus = fakeBus()
  const h = await StateHistory.open({ dataDir: dir, sealer: store.sealer, clock, log: silentLogger, settings, bus })
  for (let i = 0; i < 120; i++) {
    bus.send('hearth/d-a/state', JSON.stringify({ temperature: 20 + i / 10 }))
    if (i % 2 === 0) bus.send('hearth/d-b/state', JSON.stringify({ temperature: 5 }))
    clock.advance(10_000) // every 10 s for 20 min
    if (i === 55) t.same(readdirSync(path.join(dir, 'history')), [], 'nothing written before the flush interval (600 s)')
  }
  await new Promise((r) => setTimeout(r, 100))
  bus.send('hearth/d-a/availability', 'online')
  t.equal(h.get('d-a').length, 20, 'one point per 60 s interval')
  t.same(h.get('d-a')[0]!.state, { temperature: 20.5 }, 'the latest report in the interval wins')
  t.equal(readdirSync(path.join(dir, 'history')).length, 1, 'written once the interval passed, not per report')
  clock.advance(600_000)
  await h.flush()
  const files = readdirSync(path.join(dir, 'history'))
  t.equal(files.length, 1, 'one file for the hour')
  t.notMatch(readFileSync(path.join(dir, 'history', files[0]!), 'utf8'), /temperature/, 'sealed on disk')
  await h.close()

  const again = await StateHistory.open({ dataDir: dir, sealer: store.sealer, clock, log: silentLogger, settings, bus: fakeBus() })
  t.equal(again.get('d-a').length, 20, 'reloaded')
  t.equal(again.get('d-b').length, 20)
  await again.forget('d-a')
  t.same(again.get('d-a'), [])
  t.equal(again.get('d-b').length, 20, 'the other device keeps its history')
  await again.close()
  const third = await StateHistory.open({ dataDir: dir, sealer: store.sealer, clock, log: silentLogger, settings, bus: fakeBus() })
  t.same(third.get('d-a'), [], 'forgotten on disk too')
  t.equal(third.get('d-b').length, 20)
  await third.close()
})

t.test('retention deletes old points and hour files automatically', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const store = await Store.open(dir, silentLogger)
  t.teardown(() => store.close())
  const clock = new FakeClock(Date.UTC(2026, 0, 1))
  const bus = fakeBus()
  const h = await StateHistory.open({ dataDir: dir, sealer: store.sealer, clock, log: silentLogger, settings, bus })
  for (let i = 0; i < 72; i++) {
    bus.send('hearth/d-a/state', JSON.stringify({ temperature: i }))
    clock.advance(HOUR / 2)
    bus.send('hearth/d-a/state', JSON.stringify({ temperature: i + 0.5 }))
    clock.advance(HOUR / 2) // the hourly retention pass runs on its own
  }
  await h.flush()
  await h.prune()
  const pts = h.get('d-a')
  const oldest = clock.wallMs() - 2 * 86_400_000
  t.ok(pts.every((p) => p.at >= oldest), 'nothing older than historyDays in memory')
  t.ok(pts.length >= 95 && pts.length <= 97, `two days of half-hourly points (${pts.length})`)
  const hours = readdirSync(path.join(dir, 'history')).map((f) => Number(/h-(\d+)/.exec(f)![1]))
  t.ok(hours.every((hr) => hr + HOUR > oldest), 'no hour file older than the retention')
  t.ok(hours.length >= 47 && hours.length <= 49, `about 48 hour files (${hours.length})`)
  await h.close()
})

t.test('historyDays 0 keeps nothing', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const store = await Store.open(dir, silentLogger)
  t.teardown(() => store.close())
  const bus = fakeBus()
  const h = await StateHistory.open({ dataDir: dir, sealer: store.sealer, clock: new FakeClock(), log: silentLogger, settings: { ...settings, historyDays: 0 }, bus })
  bus.send('hearth/d-a/state', '{"temperature":1}')
  t.same(h.get('d-a'), [])
  await h.close()
  t.same(readdirSync(path.join(dir, 'history')), [])
})
