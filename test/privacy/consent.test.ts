import t from 'tap'
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { FakeClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
import { ConsentLedger } from '../../src/privacy/consent.js'
import { Store } from '../../src/store/store.js'
import { tmpDir } from '../helpers/hub-process.js'

t.test('nothing is granted by default; grant and withdraw are durable, record who and when, and emit', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const clock = new FakeClock(Date.UTC(2026, 0, 2))
  let store = await Store.open(dir, silentLogger)
  let ledger = await ConsentLedger.open(store, { clock })
  t.equal(ledger.isGranted('uplink'), false, 'off by default')
  t.same(ledger.list(), [])
  const heard: Array<[string, boolean]> = []
  ledger.on('changed', (p, g) => heard.push([p, g]))
  await ledger.grant('uplink', 'send device states to mqtt.example.net:8883', 'owner')
  t.equal(ledger.isGranted('uplink'), true)
  t.same(heard, [['uplink', true]])
  store.close()

  store = await Store.open(dir, silentLogger)
  ledger = await ConsentLedger.open(store, { clock })
  t.equal(ledger.isGranted('uplink'), true, 'survives a restart')
  t.match(ledger.list()[0], { purpose: 'uplink', granted: true, by: 'owner', at: '2026-01-02T00:00:00.000Z' })
  const heard2: Array<[string, boolean]> = []
  ledger.on('changed', (p, g) => heard2.push([p, g]))
  const w = ledger.withdraw('uplink', 'cli')
  t.same(heard2, [['uplink', false]], 'listeners hear the withdrawal before the write completes')
  t.equal(ledger.isGranted('uplink'), false, 'and it is in force at once')
  await w
  t.same(ledger.history().map((r) => [r.purpose, r.granted, r.by]), [['uplink', true, 'owner'], ['uplink', false, 'cli']], 'every decision is kept')
  store.close()
})

t.test('bad input is refused and changes nothing; a grant that cannot be written does not count', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const store = await Store.open(dir, silentLogger)
  t.teardown(() => store.close())
  const ledger = await ConsentLedger.open(store, { clock: new FakeClock() })
  await t.rejects(ledger.grant('Uplink!', 'x'), { code: 'HUB_ERR_BAD_REQUEST' })
  await t.rejects(ledger.grant('uplink', ''), { code: 'HUB_ERR_BAD_REQUEST' })
  await t.rejects(ledger.grant('uplink', 'a\u0000b'), { code: 'HUB_ERR_BAD_REQUEST' })
  t.same(ledger.list(), [])
  await ledger.grant('telemetry', 'weekly crash counts')
  const file = path.join(dir, 'consent.json')
  rmSync(file)
  mkdirSync(file)
  await t.rejects(ledger.grant('uplink', 'to the cloud'))
  t.equal(ledger.isGranted('uplink'), false, 'not granted when not recorded')
  await t.rejects(ledger.withdraw('telemetry'))
  t.equal(ledger.isGranted('telemetry'), false, 'a withdrawal holds even when the write fails')
})
