import t from 'tap'
import { freePort } from '../helpers/ports.js'
import { FakeClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
import { UplinkConnection } from '../../src/uplink/connection.js'
import { OutboundQueue } from '../../src/uplink/queue.js'

const until = async (ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('reconnects are driven by our Backoff on our clock, never by mqtt.js on its own; stop is final', async (t) => {
  const clock = new FakeClock()
  const c = new UplinkConnection({
    queue: new OutboundQueue({ maxMessages: 10, maxBytes: 10_000 }),
    clock,
    random: () => 0.5,
    backoff: { baseMs: 1000, capMs: 8000, mode: 'decorrelated', resetAfterMs: 60_000 },
    log: silentLogger,
    onCommand: () => {},
  })
  t.teardown(() => c.stop())
  c.start({ url: `mqtts://127.0.0.1:${await freePort()}`, clientId: 'x', username: 'u', password: 'p', prefix: 'p', keepaliveSeconds: 30 })
  await until(() => c.state === 'waiting')
  t.equal(c.attempts, 1)
  t.equal(c.status().nextAttemptInMs, 2000, 'first delay: base + 0.5 × (3·base − base)')
  t.match(c.status().lastError, /ECONNREFUSED/)
  await new Promise((r) => setTimeout(r, 400))
  t.equal(c.attempts, 1, 'no attempt while our clock stands still (mqtt.js reconnectPeriod is off)')
  clock.advance(2000)
  await until(() => c.attempts === 2 && c.state === 'waiting')
  t.equal(c.status().nextAttemptInMs, 3500, 'second delay grows: base + 0.5 × (3·2000 − base)')
  c.stop()
  t.equal(c.state, 'off')
  clock.advance(60_000)
  await new Promise((r) => setTimeout(r, 200))
  t.equal(c.attempts, 2, 'stopped: no further attempts')
})
