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

t.test('concurrent changes are all kept: each commit builds on the last, writes coalesce', async (t) => {
  const dir = path.join(tmpDir(), 'data')
  const store = await Store.open(dir, silentLogger)
  t.teardown(() => store.close())
  const accounts = await AccountService.open(store, { tokenKey: randomBytes(32), random: randomBytes, clock: systemClock })
  const added = await Promise.all(Array.from({ length: 50 }, (_, i) => accounts.addDevice(`Dev ${i}`, 'switch')))
  t.equal(accounts.devices().length, 50, 'all 50 live')
  t.ok(added.every((d) => accounts.verify(d.id, d.token)), 'every token verifies')
  const again = await AccountService.open(store, { tokenKey: randomBytes(32), random: randomBytes, clock: systemClock })
  t.equal(again.devices().length, 50, 'all 50 on disk')
})
