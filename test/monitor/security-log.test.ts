import t from 'tap'
import { FakeClock } from '../../src/core/clock.js'
import { SecurityLog } from '../../src/monitor/security-log.js'

t.test('repeats coalesce into one line with a count, newest first', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 10, 25))
  const log = new SecurityLog(clock, 10, 60_000)
  log.record('login', 'owner logged in', '192.168.1.5')
  for (let i = 0; i < 1000; i++) {
    clock.advance(10)
    log.record('login-failed', 'wrong password', '192.168.1.66')
  }
  const list = log.list()
  t.equal(list.length, 2, 'a thousand failures are one line')
  t.match(list[0], { kind: 'login-failed', severity: 'warning', count: 1000, address: '192.168.1.66' })
  t.not(list[0]!.first, list[0]!.last, 'first and last times both kept')
  t.match(list[1], { kind: 'login', count: 1 })
  clock.advance(61_000)
  log.record('login-failed', 'wrong password', '192.168.1.66')
  t.equal(log.list().length, 3, 'after the window a repeat starts a new line')
  t.notOk('lastMono' in log.list()[0]!, 'internal fields stay inside')
})

t.test('bounded: the oldest ordinary line goes first, alerts stay', async (t) => {
  const clock = new FakeClock()
  const log = new SecurityLog(clock, 5, 0)
  log.record('alert', 'firewall not in force')
  for (let i = 0; i < 50; i++) {
    clock.advance(1)
    log.record('mqtt-login-refused', `refused ${i}`, `10.0.0.${i}`)
  }
  const list = log.list()
  t.equal(list.length, 5)
  t.equal(list.filter((e) => e.kind === 'alert').length, 1, 'the alert survived a flood of failures')
  t.equal(list[0]!.detail, 'refused 49', 'newest first')
  const seen: string[] = []
  log.on('event', (e) => seen.push(e.kind))
  log.record('claim', 'hub claimed')
  t.same(seen, ['claim'], 'new lines are emitted')
  log.clear()
  t.same(log.list(), [], 'clear forgets all')
})
