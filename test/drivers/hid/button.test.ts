import t from 'tap'
import { FakeClock } from '../../../src/core/clock.js'
import { silentLogger } from '../../../src/core/log.js'
import { HidButtonDriver, type ButtonLayout } from '../../../src/drivers/hid/index.js'
import { FakeHidTransport } from './fake-hid.js'

// A foot switch from the built-in allow-list (boot keyboard reports, 8 bytes, no report id).
const PEDAL = { vendorId: 0x0c45, productId: 0x7403, path: '/dev/hidraw3', usagePage: 1, usage: 6 }
const UP = [0, 0, 0, 0, 0, 0, 0, 0]
const DOWN = [0, 0, 0x05, 0, 0, 0, 0, 0] // key "b"

const flush = () => new Promise((r) => setImmediate(r))

async function setup(t: Tap.Test, opts: { layouts?: ButtonLayout[]; plug?: boolean } = {}) {
  const clock = new FakeClock()
  const hid = new FakeHidTransport()
  if (opts.plug !== false) hid.plug({ ...PEDAL })
  const driver = new HidButtonDriver({ transport: hid, clock, random: () => 0.5, log: silentLogger, ...(opts.layouts ? { layouts: opts.layouts } : {}) })
  const events: Array<[string, ...unknown[]]> = []
  for (const e of ['online', 'offline', 'press', 'holding', 'hold'] as const) driver.on(e, (...a: unknown[]) => events.push([e, ...a]))
  t.teardown(() => driver.close())
  await driver.open()
  /** Advances fake time and lets the driver's async retries run. */
  const advance = async (ms: number) => {
    // in steps, so a retry the driver schedules after an await lands inside the window
    for (let left = ms; left >= 0; left -= 250) {
      clock.advance(Math.min(250, left))
      await flush()
      await flush()
      if (left < 250) break
    }
  }
  return { clock, hid, driver, events, advance, names: () => events.map((e) => e[0]) }
}
type Tap = typeof t
declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0]
}

t.test('a short press', async (t) => {
  const { hid, driver, events, advance } = await setup(t)
  t.equal(driver.online, true)
  t.same(hid.opened, [PEDAL.path])
  hid.send(PEDAL.path, DOWN)
  await advance(200)
  hid.send(PEDAL.path, DOWN) // keyboards may repeat the same report: no new edge
  await advance(100)
  hid.send(PEDAL.path, UP)
  await advance(50)
  t.same(events, [['online'], ['press', 300]])
  t.match(driver.stats(), { presses: 1, holds: 0, reports: 3 })
})

t.test('a 10-second hold fires once, while still held, with a countdown; the release is not a press', async (t) => {
  const { hid, driver, events, advance, names } = await setup(t)
  hid.send(PEDAL.path, DOWN)
  await advance(9_999)
  t.notOk(names().includes('hold'), 'not yet at 9.999 s')
  t.same(events.filter((e) => e[0] === 'holding').map((e) => e[1]), [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000], 'progress each second')
  await advance(1)
  t.same(events.at(-1), ['hold'], 'fires at 10 s with the button still down')
  t.same(events.at(-2), ['holding', 10_000, 10_000])
  await advance(20_000)
  t.equal(names().filter((n) => n === 'hold').length, 1, 'once per hold')
  hid.send(PEDAL.path, UP)
  await advance(100)
  t.notOk(names().includes('press'), 'releasing after a hold is not a press')
  t.match(driver.stats(), { holds: 1, presses: 0 })
  // and the next short press works again
  hid.send(PEDAL.path, DOWN)
  await advance(100)
  hid.send(PEDAL.path, UP)
  await advance(100)
  t.same(events.at(-1), ['press', 100])
})

t.test('9.9 s is still a press', async (t) => {
  const { hid, events, advance } = await setup(t)
  hid.send(PEDAL.path, DOWN)
  await advance(9_900)
  hid.send(PEDAL.path, UP)
  await advance(100)
  t.same(events.at(-1), ['press', 9_900])
  t.notOk(events.some((e) => e[0] === 'hold'))
})

t.test('contact bounce makes one press; a glitch shorter than the debounce time makes none', async (t) => {
  const { hid, driver, events, advance, names } = await setup(t)
  // bounce on the way down and on the way up
  for (const r of [DOWN, UP, DOWN, UP, DOWN]) {
    hid.send(PEDAL.path, r)
    await advance(3)
  }
  await advance(300)
  for (const r of [UP, DOWN, UP]) {
    hid.send(PEDAL.path, r)
    await advance(3)
  }
  await advance(100)
  t.equal(names().filter((n) => n === 'press').length, 1, 'one press')
  const glitchesAfterBounce = driver.stats().glitches!
  t.ok(glitchesAfterBounce >= 3, `bounces counted (${glitchesAfterBounce})`)
  hid.send(PEDAL.path, DOWN)
  await advance(10)
  hid.send(PEDAL.path, UP)
  await advance(1000)
  t.equal(names().filter((n) => n === 'press').length, 1, 'a 10 ms glitch is not a press')
  t.equal(driver.stats().glitches, glitchesAfterBounce + 1)
  t.same(events.filter((e) => e[0] === 'holding'), [], 'no countdown for a glitch')
})

t.test('malformed reports are dropped and counted, never acted on', async (t) => {
  const numbered: ButtonLayout = { name: 'numbered test button', vendorId: 0x1209, productId: 0x0001, reportId: 2, reportLength: 3, pressed: { from: 1, to: 1, mask: 0x01 } }
  const { hid, driver, events, advance } = await setup(t, { layouts: [numbered], plug: false })
  hid.plug({ vendorId: 0x1209, productId: 0x0001, path: '/dev/hidraw9' })
  await advance(2_000) // the retry finds it
  t.equal(driver.online, true)
  for (const bad of [[2, 1], [2, 1, 0, 0], [], [1, 1, 0], [3, 1, 0], [2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]) {
    hid.send('/dev/hidraw9', bad)
    await advance(500)
  }
  t.same(events.filter((e) => e[0] !== 'online'), [], 'no press from any malformed report')
  t.match(driver.stats(), { dropped_length: 4, dropped_report_id: 2, reports: 6 })
  hid.send('/dev/hidraw9', [2, 1, 0])
  await advance(100)
  hid.send('/dev/hidraw9', [2, 0, 0])
  await advance(100)
  t.same(events.at(-1), ['press', 100], 'valid reports still work')
})

t.test('unknown devices are ignored: never opened; the hub runs without a button and says so', async (t) => {
  const { hid, driver, advance } = await setup(t, { plug: false })
  hid.plug({ vendorId: 0x046d, productId: 0xc52b, path: '/dev/hidraw0', usagePage: 1, usage: 6 }) // a keyboard receiver
  hid.plug({ vendorId: 0x0c45, productId: 0x7403, path: '/dev/hidraw5', usagePage: 0xff00, usage: 1 }) // pedal's vendor interface
  hid.plug({ vendorId: 0x0c45, productId: 0x7403, usagePage: 1, usage: 6 }) // no path
  await advance(60_000)
  t.same(hid.opened, [], 'nothing opened')
  t.equal(driver.online, false)
  t.same(driver.status(), { online: false, reason: 'no-device' })
  t.equal(driver.stats().devices_ignored, 3)
  t.ok(hid.listCalls >= 3 && hid.listCalls < 60, `looked again with backoff, not in a tight loop (${hid.listCalls} listings in 60 s)`)
})

t.test('unplug: offline, a half-held button is forgotten, reopen with backoff on replug', async (t) => {
  const { hid, driver, events, advance, names } = await setup(t)
  hid.send(PEDAL.path, DOWN)
  await advance(5_000)
  hid.unplug(PEDAL.path)
  await advance(0)
  t.equal(driver.online, false)
  t.same(events.at(-1), ['offline', 'unplugged'])
  t.same(driver.status(), { online: false, reason: 'unplugged' })
  await advance(10_000)
  t.notOk(names().includes('hold'), 'a hold interrupted by the unplug never fires')
  const listsWhileAway = hid.listCalls
  t.ok(listsWhileAway >= 2, 'kept looking')
  hid.plug({ ...PEDAL })
  await advance(31_000) // at most the backoff cap
  t.equal(driver.online, true, 'back online')
  t.same(hid.opened, [PEDAL.path, PEDAL.path])
  t.equal(names().filter((n) => n === 'online').length, 2)
  hid.send(PEDAL.path, DOWN)
  await advance(100)
  hid.send(PEDAL.path, UP)
  await advance(100)
  t.same(events.at(-1), ['press', 100])
  t.match(driver.stats(), { opens: 2, unplugs: 1 })
})

t.test('HID library unavailable or open failing: offline with a reason, open() still resolves', async (t) => {
  const clock = new FakeClock()
  const hid = new FakeHidTransport()
  hid.failList = new Error('libusb missing')
  const driver = new HidButtonDriver({ transport: hid, clock, random: () => 0, log: silentLogger })
  await driver.open()
  t.same(driver.status(), { online: false, reason: 'hid-unavailable' })
  hid.failList = undefined
  hid.plug({ ...PEDAL })
  hid.failOpen = new Error('permission denied')
  clock.advance(2_000)
  await flush()
  await flush()
  t.same(driver.status(), { online: false, reason: 'open-failed' })
  hid.failOpen = undefined
  clock.advance(60_000)
  await flush()
  await flush()
  t.equal(driver.online, true)
  await t.rejects(driver.request(), { code: 'HUB_ERR_BAD_REQUEST' })
  await driver.close()
  t.equal(driver.online, false)
  t.same(driver.status(), { online: false, reason: 'closed' })
  t.notOk(hid.isOpen(PEDAL.path), 'handle closed')
  const calls = hid.listCalls
  clock.advance(600_000)
  await flush()
  t.equal(hid.listCalls, calls, 'no retries after close')
})

t.test('fuzz: 20,000 random reports — nothing thrown, every bad one counted, state stays sane', async (t) => {
  const { hid, driver, events, advance } = await setup(t)
  let seed = 0x1234567
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
  let wrongLength = 0
  for (let i = 0; i < 20_000; i++) {
    const len = rand() < 0.5 ? 8 : Math.floor(rand() * 20)
    if (len !== 8) wrongLength++
    const report = Array.from({ length: len }, () => (rand() < 0.7 ? 0 : Math.floor(rand() * 256)))
    hid.send(PEDAL.path, report)
    if (i % 50 === 0) await advance(Math.floor(rand() * 400))
  }
  hid.send(PEDAL.path, UP)
  await advance(11_000)
  const s = driver.stats()
  t.equal(s.reports, 20_001)
  t.equal(s.dropped_length, wrongLength, 'every wrong-length report counted')
  t.equal(driver.online, true, 'still online')
  const presses = events.filter((e) => e[0] === 'press').length
  t.equal(presses, s.presses, 'events match counters')
  t.ok(events.filter((e) => e[0] === 'press').every((e) => (e[1] as number) >= 0 && (e[1] as number) < 10_000), 'every press shorter than the hold')
})
