import { rmSync } from 'node:fs'
import t from 'tap'
import { DEVICE_CHECK_MS, openStream, type ByteStream } from '../../../src/drivers/znp/transport.js'
import { ptyPair } from '../../helpers/zigbee.js'

/** Resolves with the reason of the stream's `close`, or rejects after `ms`. */
const closed = (s: ByteStream, ms: number) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within ${ms} ms`)), ms)
    s.on('close', (reason) => (clearTimeout(timer), resolve(reason)))
  })

t.test('a serial link reports its loss, once, however the stick goes', async (t) => {
  await t.test('the far end hangs up (socat exits): close within a few seconds, every time', async (t) => {
    for (let i = 0; i < 5; i++) {
      const pair = await ptyPair(t)
      const s = await openStream(pair.hub)
      const gone = closed(s, 3 * DEVICE_CHECK_MS + 1000)
      await pair.unplug()
      t.match(await gone, /port closed|port error|device removed/, `unplug ${i + 1}`)
    }
  })

  await t.test('the device node vanishes while the line stays up: seen by the node check', async (t) => {
    const pair = await ptyPair(t)
    const s = await openStream(pair.hub)
    let closes = 0
    s.on('close', () => closes++)
    const gone = closed(s, 3 * DEVICE_CHECK_MS + 1000)
    rmSync(pair.hub) // what udev does on a USB unplug; socat (the "stick") still holds the line
    t.equal(await gone, 'device removed')
    s.write(Buffer.from([0xfe])) // after the loss: ignored, not thrown
    await new Promise((r) => setTimeout(r, 2 * DEVICE_CHECK_MS))
    t.equal(closes, 1, 'close fired once')
    await s.close() // and closing it again is harmless
  })

  await t.test('a link closed by the hub, or lost, reports no more and leaves no check running', async (t) => {
    // The device check is an interval; count the live ones the transport creates (a reopen after
    // every unplug must not leave one behind polling a stale path).
    const live = new Set<unknown>()
    const [setI, clearI] = [globalThis.setInterval, globalThis.clearInterval]
    globalThis.setInterval = ((fn: () => void, ms: number) => {
      const h = setI(fn, ms)
      live.add(h)
      return h
    }) as typeof setInterval
    globalThis.clearInterval = ((h: Parameters<typeof clearInterval>[0]) => (live.delete(h), clearI(h))) as typeof clearInterval
    t.teardown(() => ((globalThis.setInterval = setI), (globalThis.clearInterval = clearI)))

    const pair = await ptyPair(t)
    const s = await openStream(pair.hub)
    t.equal(live.size, 1, 'one device check while open')
    let closes = 0
    s.on('close', () => closes++)
    await s.close()
    t.equal(live.size, 0, 'none after the hub closed it')
    rmSync(pair.hub)
    await new Promise((r) => setTimeout(r, 2 * DEVICE_CHECK_MS))
    t.equal(closes, 0, 'no loss reported for a link the hub closed itself')

    const again = await ptyPair(t)
    const s2 = await openStream(again.hub)
    const gone = closed(s2, 3 * DEVICE_CHECK_MS + 1000)
    await again.unplug()
    await gone
    t.equal(live.size, 0, 'none after a loss')
  })
})
