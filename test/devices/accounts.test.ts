import t from 'tap'
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { systemClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
import { AccountService } from '../../src/devices/accounts.js'
import { randomBytes } from '../../src/store/sealer.js'
import { Store } from '../../src/store/store.js'
import { tmpDir } from '../helpers/hub-process.js'

t.test('a change whose durable write fails changes nothing: not the store, not the live accounts', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const store = await Store.open(dir, silentLogger)
  t.teardown(() => store.close())
  const accounts = await AccountService.open(store, { tokenKey: randomBytes(32), random: randomBytes, clock: systemClock })
  const kept = await accounts.addDevice('Kept', 'switch')
  // Make the next write fail: the document's name is now a directory, so the rename fails.
  const file = path.join(dir, 'accounts.json')
  rmSync(file)
  mkdirSync(file)
  await t.rejects(accounts.addDevice('Lost', 'switch'))
  await t.rejects(accounts.remove(kept.id))
  await t.rejects(accounts.rotate(kept.id))
  t.same(accounts.devices().map((d) => d.name), ['Kept'], 'no half-made device, none removed')
  t.ok(accounts.verify(kept.id, kept.token), 'the old token still works: the rotation did not happen')
})

t.test('concurrent changes all land: every pipelined add keeps its token, live and after reopening', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const tokenKey = randomBytes(32)
  const store = await Store.open(dir, silentLogger)
  const accounts = await AccountService.open(store, { tokenKey, random: randomBytes, clock: systemClock })
  const first = await accounts.addDevice('First', 'switch')
  // Fired together, as the admin socket does with pipelined requests: each change must build on
  // the ones staged before it, not on what happened to be live when it started.
  const [added, renamed, extra] = await Promise.all([
    Promise.all(Array.from({ length: 200 }, (_, i) => accounts.addDevice(`dev ${i}`, 'temperature'))),
    accounts.rename(first.id, 'Renamed'),
    accounts.addAccount('ha', 'integration'),
  ])
  t.equal(renamed.name, 'Renamed')
  t.equal(new Set(added.map((a) => a.id)).size, 200, 'distinct ids')
  t.ok(added.every((a) => accounts.verify(a.id, a.token)), 'every token works at once')
  t.ok(accounts.verify('ha', extra.token) && accounts.verify(first.id, first.token), 'and the others')
  const dup = await Promise.allSettled([accounts.addAccount('twin', 'integration'), accounts.addAccount('twin', 'integration')])
  t.same(dup.map((d) => d.status).sort(), ['fulfilled', 'rejected'], 'the same name added twice at once: one wins, one is refused')
  await store.close()
  const again = await Store.open(dir, silentLogger)
  t.teardown(() => again.close())
  const reopened = await AccountService.open(again, { tokenKey, random: randomBytes, clock: systemClock })
  t.equal(reopened.devices().length, 201, 'all 201 devices are in the store')
  t.ok(added.every((a) => reopened.verify(a.id, a.token)), 'and every token still works after a restart')
  t.equal(reopened.get(first.id)?.name, 'Renamed')
})
